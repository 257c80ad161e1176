"""The coordinator: the one process that asks Optuna for trials, hands rungs to
Dask workers, and records what comes back.

A trial is one configuration trained ``repeats`` times (seeds ``seed + r``).
It advances in rungs of ``rung_epochs`` epochs. For each rung, every repeat
still training goes to a worker as a :class:`~layerwise.sweep.worker.RungTask`;
when the whole rung is back the coordinator

1. writes the trial's checkpoint (every repeat's snapshot) atomically,
2. reports the rung's metric (mean over repeats) to Optuna at step = epochs,
3. completes the trial (exporting repeat 0's model file), prunes it, or sends
   the next rung.

Checkpoint before report: whatever Optuna holds, the checkpoint holds at least
as much. Consequences:

* a worker killed mid-rung costs that rung only -- Dask's scheduler runs the
  task again elsewhere from the same snapshot (a task that kills workers
  ``distributed.scheduler.allowed-failures`` times fails its trial);
* a coordinator killed or interrupted leaves its in-flight trials RUNNING in
  the study with a checkpoint; ``resume=True`` continues each from that
  checkpoint (a restored trainer continues bit-for-bit, so the results equal
  an uninterrupted run's), then asks the sampler for the rest;
* workers never open the storage: one writer, no "database is locked".
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass, field

import optuna
from optuna.trial import TrialState

from ..io import save_network
from .data import load_data
from .progress import SweepProgress
from .search import distributions, make_pruner, make_sampler
from .report import write_report
from .spec import SPEC_ATTR, SpecError, as_spec, decoded_params, encode_choice, spec_changes
from .storage import (CheckpointStore, CoordinatorLock, StorageError, checkpoint_dir, open_storage,
                      storage_url)
from .worker import RungTask, build_trainer, run_rung

#: Resubmissions of a rung after an infrastructure error (lost data, a cancelled task).
INFRA_RETRIES = 3
#: Environment of worker processes: one BLAS thread each, so workers do not oversubscribe.
ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                  "VECLIB_MAXIMUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1"}


@dataclass
class SweepResult:
    """The outcome of :func:`run`.

    Attributes
    ----------
    study : optuna.Study
    storage : str, the storage URL;  checkpoints : str, the checkpoint folder
    best_trial : optuna.trial.FrozenTrial or None
    best_params : dict (decoded: hidden sizes as lists);  best_value : float or None
    n_complete, n_pruned, n_failed : int, over the whole study
    seconds : float, wall time of the sweep (cluster start-up excluded)
    startup_seconds : float, starting the LocalCluster (0 for a given client)
    coordinator_seconds : float, time the coordinator spent recording (storage,
        checkpoints, Optuna) rather than waiting for workers
    compute_seconds : float, training time summed over all rungs
    n_threads : int, worker threads of the cluster
    """

    study: object
    storage: str
    checkpoints: str
    best_trial: object = None
    best_params: dict | None = None
    best_value: float | None = None
    n_complete: int = 0
    n_pruned: int = 0
    n_failed: int = 0
    seconds: float = 0.0
    startup_seconds: float = 0.0
    coordinator_seconds: float = 0.0
    compute_seconds: float = 0.0
    n_threads: int = 0


@dataclass
class _TrialRun:
    """A trial in flight: its repeats' snapshots and curves after the last rung."""

    number: int
    trial: optuna.trial.Trial
    params: dict
    base: dict                 # RungTask fields shared by every repeat and rung
    epochs: int
    epoch: int = 0
    snapshots: list = field(default_factory=list)
    histories: list = field(default_factory=list)
    elapsed: list = field(default_factory=list)
    finished: list = field(default_factory=list)
    results: dict = field(default_factory=dict)
    reported: set = field(default_factory=set)   # steps Optuna already holds
    log: list = field(default_factory=list)       # one record per finished rung (an audit trail)
    in_flight: int = 0
    retries: int = 0


def metric_value(history, key):
    """The metric of a History dict at the weights training ended with.

    After early stopping with ``restore_best`` that is the best epoch's value,
    otherwise the last epoch's. None when there is no such entry.
    """
    values = history.get(key) or []
    if not values:
        return None
    best = history.get("best_epoch")
    if history.get("stopped_early") and best is not None and 0 <= best < len(values):
        return values[best]
    return values[-1]


def _default_workers():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def start_local_cluster(n_workers=None, *, processes=True):
    """A ``distributed.LocalCluster`` on 127.0.0.1: one single-threaded worker per core.

    Returns
    -------
    client : distributed.Client;  cluster : distributed.LocalCluster
    """
    from distributed import Client, LocalCluster

    n_workers = n_workers or _default_workers()
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=processes,
                           host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR,
                           **({"env": dict(ONE_THREAD_ENV)} if processes else {}))
    return Client(cluster), cluster


def _connect(scheduler):
    from distributed import Client

    try:  # the timeout is Dask's own setting, distributed.comm.timeouts.connect
        return Client(scheduler)
    except (OSError, TimeoutError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StorageError(f"cannot reach the Dask scheduler at {scheduler}: {message}") from None


class Coordinator:
    """Drives one study to its number of trials (see the module docstring)."""

    def __init__(self, spec, study, storage, store, data, client, progress):
        self.spec, self.study, self.storage, self.store = spec, study, storage, store
        self.data, self.client, self.progress = data, client, progress
        self.study_id = storage.get_study_id_from_name(spec.name)
        self.distributions = distributions(spec)
        self.running = {}
        self.futures = {}
        self.data_future = None
        self.coordinator_seconds = 0.0
        self.compute_seconds = 0.0

    # ----------------------------------------------------------------- the queue
    def enqueue(self, retry_failed):
        """Enqueue missing grid points and, with ``retry_failed``, re-runs of failed trials.

        Returns the number of trials still to ask for.
        """
        trials = self.study.get_trials(deepcopy=False)
        seen = {self._key(t.system_attrs.get("fixed_params", t.params)) for t in trials}
        if self.spec.method == "grid":
            for point in self.spec.grid():
                encoded = {k: encode_choice(v) for k, v in point.items()}
                if self._key(encoded) not in seen:
                    self.study.enqueue_trial(encoded)
                    seen.add(self._key(encoded))
        retried = {t.user_attrs.get("retry_of") for t in trials} - {None}
        if retry_failed:
            for t in trials:
                if t.state == TrialState.FAIL and t.number not in retried:
                    self.study.enqueue_trial(t.params, user_attrs={"retry_of": t.number})
                    retried.add(t.number)
        trials = self.study.get_trials(deepcopy=False)
        counted = len(trials) - len(retried)
        waiting = sum(t.state == TrialState.WAITING for t in trials)
        return waiting + max(0, self.spec.trials - counted)

    @staticmethod
    def _key(params):
        return tuple(sorted((k, repr(v)) for k, v in params.items()))

    # --------------------------------------------------------------- trial setup
    def _start(self, trial, number, params, reported=()):
        from ..training import TrainConfig

        model, train = self.spec.settings(params)
        try:
            config = TrainConfig.from_dict(train)
        except (TypeError, ValueError) as exc:
            trial.set_user_attr("failure", str(exc).splitlines()[0])
            self.study.tell(trial, state=TrialState.FAIL)
            self.progress.trial_done(number, "FAIL", None, str(exc).splitlines()[0])
            return
        hidden = list(model["hidden"])
        base = dict(trial=number, layer_dims=[self.data.n_x, *hidden, self.data.n_y],
                    activations=[model["activation"]] * len(hidden) + [self.data.output_activation],
                    init=model["init"], config=config.to_dict(), time_limit=self.spec.time_limit)
        repeats = self.spec.repeats
        run = _TrialRun(number, trial, params, base, config.epochs, reported=set(reported))
        state, snapshots = self.store.load(number, repeats)
        if state is None:
            run.snapshots, run.histories = [None] * repeats, [{} for _ in range(repeats)]
            run.elapsed, run.finished = [0.0] * repeats, [False] * repeats
        else:
            run.epoch, run.snapshots, run.histories = state["epoch"], snapshots, state["histories"]
            run.elapsed, run.finished, run.log = state["elapsed"], state["finished"], state["rungs"]
        self.running[number] = run
        if run.epoch > 0:  # resumed: report the checkpoint's rung if Optuna missed it, then decide
            self._after_rung(run)
        else:
            self._submit(run)

    def _ask(self):
        trial = self.study.ask(self.distributions)
        self._start(trial, trial.number, decoded_params(trial.params))

    def _resume_running(self):
        for frozen in self.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            trial_id = self.storage.get_trial_id_from_study_id_trial_number(self.study_id, frozen.number)
            trial = optuna.trial.Trial(self.study, trial_id)
            for name, distribution in self.distributions.items():  # finish a half-suggested trial
                if name not in frozen.params:
                    self._suggest(trial, name, distribution)
            params = decoded_params(self.storage.get_trial_params(trial_id))
            self._start(trial, frozen.number, params, reported=frozen.intermediate_values)

    @staticmethod
    def _suggest(trial, name, distribution):
        d = optuna.distributions
        if isinstance(distribution, d.CategoricalDistribution):
            return trial.suggest_categorical(name, distribution.choices)
        if isinstance(distribution, d.IntDistribution):
            return trial.suggest_int(name, distribution.low, distribution.high, step=distribution.step,
                                     log=distribution.log)
        return trial.suggest_float(name, distribution.low, distribution.high, step=distribution.step,
                                   log=distribution.log)

    # ------------------------------------------------------------------- rungs
    def _submit(self, run):
        rung = self.spec.rung_epochs
        until = min((run.epoch // rung + 1) * rung, run.epochs)
        run.results = {}
        for r in range(self.spec.repeats):
            if not run.finished[r]:
                self._submit_repeat(run, r, until)

    def _submit_repeat(self, run, r, until):
        task = RungTask(repeat=r, seed=self.spec.seed + r, until=until, snapshot=run.snapshots[r],
                        elapsed=run.elapsed[r], **run.base)
        future = self.client.submit(run_rung, task, self.data_future, pure=False, priority=-run.number)
        self.futures[future] = (run.number, r, until)
        self.as_completed.add(future)
        run.in_flight += 1

    def _on_future(self, future):
        number, r, until = self.futures.pop(future)
        run = self.running[number]
        if future.status != "finished":
            self._on_infra_error(run, r, until, future)
            return
        result = future.result()
        run.in_flight -= 1
        run.results[r] = result
        self.compute_seconds += result.seconds
        if run.in_flight == 0:
            self._rung_done(run)

    def _on_infra_error(self, run, r, until, future):
        from distributed import KilledWorker

        try:
            exc = future.exception()
        except BaseException as cancelled:  # a cancelled future has no exception to give
            exc = cancelled
        run.in_flight -= 1
        run.retries += 1
        if isinstance(exc, KilledWorker) or run.retries > INFRA_RETRIES:
            reason = ("its rung killed the workers that ran it" if isinstance(exc, KilledWorker)
                      else f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            if run.in_flight == 0:
                self._fail(run, reason)
            else:  # wait for the other repeats' futures, then fail
                run.results[r] = None
                run.base = {**run.base, "failure": reason}
            return
        if self.data_future.status != "finished":  # every copy of the data was on dead workers
            self.data_future = self.client.scatter(self.data, broadcast=True, hash=False)
        self._submit_repeat(run, r, until)

    def _rung_done(self, run):
        failure = run.base.get("failure")
        results = [run.results[r] for r in sorted(run.results)]
        errors = [res.error for res in results if res is not None and res.error]
        if failure or errors:
            self._fail(run, failure or errors[0])
            return
        for res in results:
            run.snapshots[res.repeat], run.histories[res.repeat] = res.snapshot, res.history
            run.elapsed[res.repeat] += res.seconds
            run.finished[res.repeat] = res.finished
        start, run.epoch = run.epoch, max(res.epoch for res in results)
        run.log.append({"from": start, "to": run.epoch, "seconds": [res.seconds for res in results],
                        "workers": [res.worker for res in results]})
        self.store.save(run.number, {"epoch": run.epoch, "histories": run.histories, "elapsed": run.elapsed,
                                     "finished": run.finished, "params": run.params, "rungs": run.log},
                        run.snapshots)
        timed_out = [res for res in results if res.timed_out]
        if timed_out:
            self._fail(run, f"time limit of {self.spec.time_limit:g} s reached at epoch {timed_out[0].epoch} "
                            f"(of {run.epochs})")
            return
        self._after_rung(run)

    def _value(self, run):
        values = [metric_value(h, self.spec.history_key) for h in run.histories]
        if any(v is None or not math.isfinite(v) for v in values):
            return None, values
        return sum(values) / len(values), values

    def _after_rung(self, run):
        value, values = self._value(run)
        if value is None:
            self._fail(run, f"{self.spec.metric} is missing or not finite at epoch {run.epoch}: {values}")
            return
        if run.epoch not in run.reported:
            run.trial.report(value, step=run.epoch)
            run.reported.add(run.epoch)
        if all(run.finished):
            self._complete(run, value, values)
        elif self.spec.pruning["method"] != "none" and run.trial.should_prune():
            self.study.tell(run.trial, state=TrialState.PRUNED)
            del self.running[run.number]
            self.progress.trial_done(run.number, "PRUNED", value, f"at epoch {run.epoch}")
        else:
            self._submit(run)

    def _complete(self, run, value, values):
        task = RungTask(repeat=0, seed=self.spec.seed, until=run.epoch, snapshot=run.snapshots[0],
                        **{k: v for k, v in run.base.items() if k != "failure"})
        save_network(build_trainer(task, self.data).network, self.store.model_path(run.number),
                     extra={"sweep": self.spec.name, "trial": run.number, "params": run.params,
                            "train_config": {**run.base["config"], "seed": self.spec.seed},
                            "preprocessing": self.data.preprocessing()})
        # one attribute, one storage write: per-repeat values and epochs, training seconds
        run.trial.set_user_attr("repeats", {"values": values,
                                            "epochs": [len(h.get("cost", [])) for h in run.histories],
                                            "train_seconds": sum(run.elapsed)})
        self.study.tell(run.trial, value)
        del self.running[run.number]
        self.progress.trial_done(run.number, "COMPLETE", value)

    def _fail(self, run, reason):
        run.trial.set_user_attr("failure", reason)
        self.study.tell(run.trial, state=TrialState.FAIL)
        self.store.discard(run.number)
        self.running.pop(run.number, None)
        self.progress.trial_done(run.number, "FAIL", None, reason)

    # ------------------------------------------------------------------ driving
    def drive(self, to_ask, in_flight):
        """Run until every trial is finished; ``in_flight`` trials are kept going at once."""
        from distributed import as_completed

        self.as_completed = as_completed()
        self.data_future = self.client.scatter(self.data, broadcast=True, hash=False)
        tick = time.perf_counter()
        try:
            self._resume_running()
            while to_ask > 0 and len(self.running) < in_flight:
                self._ask()
                to_ask -= 1
            self.progress.refresh(len(self.running))
            self.coordinator_seconds += time.perf_counter() - tick
            for future in self.as_completed:
                tick = time.perf_counter()
                self._on_future(future)
                while to_ask > 0 and len(self.running) < in_flight:
                    self._ask()
                    to_ask -= 1
                self.progress.refresh(len(self.running))
                self.coordinator_seconds += time.perf_counter() - tick
        finally:
            for future in list(self.futures):
                future.cancel()
            if self.data_future is not None:
                self.data_future.release()


def _open_study(spec, url, *, resume):
    storage = open_storage(url, writable=True, must_exist=resume)
    try:
        storage.get_study_id_from_name(spec.name)
        exists = True
    except KeyError:
        exists = False
    if exists and not resume:
        raise StorageError(f"a study named {spec.name!r} already exists in {url}; continue it with "
                           "--resume (or --retry-failed), or give another --storage or name")
    if not exists and resume:
        raise StorageError(f"there is no study named {spec.name!r} in {url} to resume")
    sampler, pruner = make_sampler(spec), make_pruner(spec)
    if not exists:
        study = optuna.create_study(storage=storage, study_name=spec.name, direction=spec.direction,
                                    sampler=sampler, pruner=pruner)
        study.set_user_attr(SPEC_ATTR, spec.to_dict())
        return study, storage
    study = optuna.load_study(study_name=spec.name, storage=storage, sampler=sampler, pruner=pruner)
    old = study.user_attrs.get(SPEC_ATTR)
    if old is None:
        raise StorageError(f"the study {spec.name!r} in {url} was not made by `layerwise sweep`")
    refused = spec_changes(old, spec.to_dict())
    if refused:
        raise SpecError(f"the spec changed since the study began ({'; '.join(refused)}); a resumed "
                        "sweep may only add trials or parameter values")
    if old != spec.to_dict():
        study.set_user_attr(SPEC_ATTR, spec.to_dict())
    return study, storage


def run(spec, storage=None, client=None, *, workers=None, scheduler=None, resume=False,
        retry_failed=False, report=None, progress=None):
    """Run (or resume) a sweep.

    Parameters
    ----------
    spec : dict, SweepSpec, or path of a YAML/JSON spec file
    storage : str, optional
        Optuna RDB URL or an SQLite file name; default ``sqlite:///<name>.db``
        in the working directory.
    client : distributed.Client, optional
        Run on this cluster; default a LocalCluster of ``workers`` processes
        (one per core), or the cluster at ``scheduler``.
    workers : int, optional, LocalCluster size
    scheduler : str, optional, ``tcp://HOST:PORT`` of a running Dask scheduler
    resume : bool
        Continue an existing study: completed trials are kept, RUNNING trials
        continue from their checkpoints, the sampler goes on.
    retry_failed : bool
        Implies ``resume``; failed (or timed-out) trials run again with the same parameters.
    report : str, optional, folder for the HTML report written at the end
    progress : bool, optional
        Show the progress display on stderr; default when stderr is a terminal.

    Returns
    -------
    SweepResult

    Raises
    ------
    SpecError, StorageError (ValueErrors with one-line messages)
        Before anything is trained.
    KeyboardInterrupt
        Propagated after the in-flight work is cancelled; the study stays resumable.
    """
    spec = as_spec(spec)
    resume = resume or retry_failed
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the progress display says what happens
    data = load_data(spec.data, spec.seed)
    url = storage_url(storage, spec.name)
    store = CheckpointStore(checkpoint_dir(url, spec.name))
    study, rdb = _open_study(spec, url, resume=resume)
    store.ensure()
    own_cluster = None
    startup = 0.0
    with CoordinatorLock(store.folder):
        if client is None:
            tick = time.perf_counter()
            client, own_cluster = (_connect(scheduler), None) if scheduler else start_local_cluster(workers)
            startup = time.perf_counter() - tick
            own_client = client
        else:
            own_client = None
        try:
            n_threads = sum(client.nthreads().values()) or 1
            display = SweepProgress(spec, study, enabled=progress)
            coordinator = Coordinator(spec, study, rdb, store, data, client, display)
            to_ask = coordinator.enqueue(retry_failed)
            # twice the threads: a queued rung waits on each worker while the coordinator records
            in_flight = math.ceil(2 * n_threads / spec.repeats)
            tick = time.perf_counter()
            with display:
                coordinator.drive(to_ask, in_flight)
            seconds = time.perf_counter() - tick
        finally:
            if own_client is not None:
                own_client.close()
            if own_cluster is not None:
                own_cluster.close()
            # closing the connections folds SQLite's write-ahead log into the file,
            # so the .db is complete on its own (to copy, or to open elsewhere)
            rdb.remove_session()
            rdb.engine.dispose()
    result = summarize(study, url, store.folder)
    result.seconds, result.startup_seconds = seconds, startup
    result.coordinator_seconds, result.compute_seconds = coordinator.coordinator_seconds, coordinator.compute_seconds
    result.n_threads = n_threads
    if report is not None:
        write_report(url, report, study_name=spec.name)
    return result


def summarize(study, url, folder):
    """A :class:`SweepResult` of a study's current state (no timing)."""
    trials = study.get_trials(deepcopy=False)
    states = [t.state for t in trials]
    result = SweepResult(study, url, folder, n_complete=states.count(TrialState.COMPLETE),
                         n_pruned=states.count(TrialState.PRUNED), n_failed=states.count(TrialState.FAIL))
    if result.n_complete:
        best = study.best_trial
        result.best_trial, result.best_value = best, best.value
        result.best_params = decoded_params(best.params)
    return result
