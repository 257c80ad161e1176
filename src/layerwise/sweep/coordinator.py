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

import math
import time
from dataclasses import dataclass, field

import optuna
from distributed import KilledWorker, as_completed
from optuna.trial import TrialState

from .search import distributions
from .spaces import decoded_params, encode_choice
from .worker import RungResult, RungTask, build_trainer, run_rung

#: Resubmissions of a trial's rungs after infrastructure errors (a lost result, a cancelled
#: task, an exception out of the worker function); then the trial fails.
INFRA_RETRIES = 3


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

    def _on_future(self, future, result):
        number, r, until = self.futures.pop(future)
        run = self.running[number]
        # as_completed fetched the result in the background: a RungResult, or the exception
        # or cancellation that ended the future (a killed worker, a lost result)
        if not isinstance(result, RungResult):
            self._on_infra_error(run, r, until, result)
            return
        run.in_flight -= 1
        run.results[r] = result
        self.compute_seconds += result.seconds
        if run.in_flight == 0:
            self._rung_done(run)

    def _on_infra_error(self, run, r, until, exc):
        if isinstance(exc, tuple) and len(exc) == 3:  # an erred future gives (type, value, traceback)
            exc = exc[1]
        exc = exc if isinstance(exc, BaseException) else None
        run.in_flight -= 1
        run.retries += 1
        if isinstance(exc, KilledWorker) or run.retries > INFRA_RETRIES:
            if isinstance(exc, KilledWorker):
                reason = "its rung killed the workers that ran it"
            elif exc is None:
                reason = f"its rungs were cancelled or their results lost {run.retries} times"
            else:
                reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
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
        build_trainer(task, self.data).network.save(
            self.store.model_path(run.number),
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
        self.as_completed = as_completed(with_results=True, raise_errors=False)
        self.data_future = self.client.scatter(self.data, broadcast=True, hash=False)
        tick = time.perf_counter()
        try:
            self._resume_running()
            while to_ask > 0 and len(self.running) < in_flight:
                self._ask()
                to_ask -= 1
            self.progress.refresh(len(self.running))
            self.coordinator_seconds += time.perf_counter() - tick
            for future, result in self.as_completed:
                tick = time.perf_counter()
                self._on_future(future, result)
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
