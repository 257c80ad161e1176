"""What a Dask worker runs: one rung of one trial's repeat.

A worker gets a :class:`RungTask` (the configuration, the snapshot to continue
from or None, the epoch to reach) and the sweep's data (scattered to it once),
trains through :class:`~layerwise.training.Trainer` -- the one training loop --
and returns a :class:`RungResult` (the curves so far and a new snapshot). It
never opens the study's storage: everything it learns goes back to the
coordinator, which records it. A worker that dies loses only the rung it was
running; the coordinator (or Dask's scheduler) runs that rung again from the
same snapshot, and since a restored trainer continues bit-for-bit, the result
is the same.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class RungTask:
    """One rung of work.

    Attributes
    ----------
    trial : int, the Optuna trial number;  repeat : int, which seed of the configuration
    seed : int, the repeat's seed (initial weights, shuffling, dropout)
    layer_dims : list of int;  activations : list of str (hidden layers and output);  init : str
    config : dict, the TrainConfig fields
    until : int, the epoch count to reach (at most ``config["epochs"]``)
    snapshot : bytes or None, ``TrainerSnapshot.to_bytes()`` to continue from
    elapsed : float, training seconds this repeat has already used
    time_limit : float or None, seconds allowed for the trial
    """

    trial: int
    repeat: int
    seed: int
    layer_dims: list
    activations: list
    init: str
    config: dict
    until: int
    snapshot: bytes | None
    elapsed: float = 0.0
    time_limit: float | None = None


@dataclass(frozen=True)
class RungResult:
    """What a rung produced.

    Attributes
    ----------
    trial, repeat : int, as in the task
    epoch : int, completed epochs after the rung
    history : dict, ``History.to_dict()`` (every epoch so far)
    snapshot : bytes or None, the trainer's state after the rung (None after an error)
    seconds : float, training time of this rung
    finished : bool, the trainer will not train further (epoch budget, early stop, convergence)
    timed_out : bool, the trial's time limit ran out before it finished
    error : str or None, why training failed (divergence, bad configuration), one line
    worker : str, the host and process that ran it
    """

    trial: int
    repeat: int
    epoch: int
    history: dict
    snapshot: bytes | None
    seconds: float
    finished: bool
    timed_out: bool = False
    error: str | None = None
    worker: str = ""


def r2_scorer(AL, Y):
    """R² of the outputs ``AL`` against the targets ``Y`` (both (n_y, m), columns are examples)."""
    from sklearn.metrics import r2_score

    return float(r2_score(Y.T, AL.T))


_BLAS_LIMITED = False


def limit_blas_threads():
    """Limit BLAS/OpenMP to one thread in this process, once.

    Dask's nanny starts LocalCluster worker processes with
    ``OMP/MKL/OPENBLAS_NUM_THREADS=1`` already; this also covers workers
    started by hand and threaded clusters. Set once for the process rather
    than around each rung, because the limit is process-wide and threads
    restoring it in turn would race.
    """
    global _BLAS_LIMITED
    if not _BLAS_LIMITED:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
        _BLAS_LIMITED = True


def build_trainer(task, data):
    """A Trainer for ``task`` on ``data``: new from the seed, or restored from the snapshot."""
    from ..network import Network
    from ..training import TrainConfig, Trainer, TrainerSnapshot

    validation = (data.X_val, data.Y_val)
    scorer = r2_scorer if data.task == "regression" else None
    if task.snapshot is None:
        network = Network(task.layer_dims, task.activations, init=task.init, seed=task.seed)
        config = TrainConfig.from_dict({**task.config, "seed": task.seed})
        return Trainer(network, config, data.X_train, data.Y_train, validation_data=validation,
                       validation_scorer=scorer)
    snapshot = TrainerSnapshot.from_bytes(task.snapshot)
    return Trainer.from_snapshot(snapshot, Network.from_spec(snapshot.network_spec), data.X_train,
                                 data.Y_train, validation_data=validation, validation_scorer=scorer)


def _done(trainer):
    return trainer.epoch >= trainer.config.epochs or trainer.stop_reason in ("early_stopping", "converged")


def run_rung(task, data):
    """Train ``task``'s repeat up to ``task.until`` epochs (or its time limit) and report back.

    Parameters
    ----------
    task : RungTask
    data : SweepData (Dask passes the scattered copy held by this worker)

    Returns
    -------
    RungResult
        Training problems (divergence, a configuration the trainer refuses) are
        returned in ``error``, not raised: an exception out of this function
        means the infrastructure failed, and the coordinator retries the rung.
    """
    from ..training import TrainingDivergedError

    where = f"{os.uname().nodename}:{os.getpid()}"
    start = time.perf_counter()
    deadline = None if task.time_limit is None else start + task.time_limit - task.elapsed

    def stop(trainer):
        return (trainer.epoch >= task.until or _done(trainer)
                or (deadline is not None and time.perf_counter() >= deadline))

    limit_blas_threads()
    try:
        trainer = build_trainer(task, data)
        if not (_done(trainer) or trainer.epoch >= task.until):
            trainer.run(until=stop)
    except TrainingDivergedError as exc:
        history = exc.history.to_dict() if getattr(exc, "history", None) is not None else {}
        return RungResult(task.trial, task.repeat, len(history.get("cost", [])), history, None,
                          time.perf_counter() - start, True,
                          error=f"training diverged: {str(exc).splitlines()[0]}", worker=where)
    except (ValueError, TypeError) as exc:
        return RungResult(task.trial, task.repeat, 0, {}, None, time.perf_counter() - start, True,
                          error=f"{type(exc).__name__}: {str(exc).splitlines()[0]}", worker=where)
    snapshot = trainer.snapshot().to_bytes()
    seconds = time.perf_counter() - start
    finished = _done(trainer)
    timed_out = not finished and trainer.epoch < task.until  # only the deadline stops a rung short
    return RungResult(task.trial, task.repeat, trainer.epoch, trainer.history.to_dict(), snapshot,
                      seconds, finished, timed_out=timed_out, worker=where)
