"""Running a sweep: open (or create) the study, check a resumed spec, drive it to the end.

:func:`run` is ``layerwise.sweep.run``. It refuses, before anything is trained,
a bad spec, unusable data, an unusable storage, an existing study without
``resume`` (or a missing one with it) and a resumed spec that changed more
than by added trials or parameter values.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass

import optuna
from optuna.trial import TrialState

from .cluster import connect, start_local_cluster, warm_up
from .coordinator import Coordinator
from .data import load_data
from .progress import SweepProgress
from .report import write_report
from .search import make_pruner, make_sampler
from .spaces import SpecError, decoded_params
from .spec import SPEC_ATTR, as_spec
from .storage import CheckpointStore, CoordinatorLock, StorageError, checkpoint_dir, open_storage, storage_url


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
    startup_seconds : float, starting the LocalCluster (if the sweep starts one) and importing
        the training code on every worker
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


def _number_kind(values):
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return None
    return "int" if all(isinstance(v, int) for v in values) else "float"


def spec_changes(old, new):
    """What changed between two specs' dicts, and whether a study may still resume.

    A resumed study may only gain trials or grid values (a grid's list of
    numbers that keeps every old value: Optuna's categorical distributions
    cannot change within a study, so lists of names or layer sizes are
    fixed); ``time_limit`` and
    ``rung_epochs`` may change (a restored trainer continues bit-for-bit, so
    where rungs end does not change results).

    Parameters
    ----------
    old, new : dict, from :meth:`SweepSpec.to_dict`

    Returns
    -------
    refused : list of str, the changes that forbid resuming (``"key: old -> new"``)
    """
    refused = []

    def walk(prefix, a, b):
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                key = f"{prefix}.{k}" if prefix else k
                if k not in a or k not in b:
                    refused.append(f"{key}: {'added' if k not in a else 'removed'}")
                else:
                    walk(key, a[k], b[k])
        elif a != b:
            refused.append(f"{prefix}: {json.dumps(a)} -> {json.dumps(b)}")

    old, new = json.loads(json.dumps(old)), json.loads(json.dumps(new))
    for execution_only in ("time_limit", "rung_epochs"):  # neither changes what a trial computes
        old.pop(execution_only, None)
        new.pop(execution_only, None)
    old_search, new_search = old.pop("search"), new.pop("search")
    walk("", old, new)
    if new_search["method"] != "grid" and new_search["trials"] < old_search["trials"]:  # a grid's follows its values
        refused.append(f"search.trials: {old_search['trials']} -> {new_search['trials']} (fewer)")
    for k in ("method", "repeats"):
        if old_search[k] != new_search[k]:
            refused.append(f"search.{k}: {json.dumps(old_search[k])} -> {json.dumps(new_search[k])}")
    old_params, new_params = old_search["params"], new_search["params"]
    for k in sorted(set(old_params) | set(new_params)):
        key = f"search.params.{k}"
        if k not in old_params or k not in new_params:
            refused.append(f"{key}: {'added' if k not in old_params else 'removed'}")
        elif isinstance(old_params[k], list) and isinstance(new_params[k], list):
            missing = [v for v in old_params[k] if v not in new_params[k]]
            added = [v for v in new_params[k] if v not in old_params[k]]
            if missing:
                refused.append(f"{key}: value {json.dumps(missing[0])} removed")
            elif added and not (new_search["method"] == "grid"
                                and _number_kind(old_params[k]) == _number_kind(new_params[k]) is not None):
                refused.append(f"{key}: values {json.dumps(added)} added, but Optuna cannot widen a "
                               "categorical parameter of an existing study (only a grid's numbers can grow)")
        elif old_params[k] != new_params[k]:
            refused.append(f"{key}: {json.dumps(old_params[k])} -> {json.dumps(new_params[k])}")
    return refused


def _open_study(spec, storage, url, *, resume):
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
        return study
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
    return study


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
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the progress display says what happens
    try:
        return _run(spec, storage, client, workers, scheduler, resume, retry_failed, report, progress)
    finally:
        optuna.logging.set_verbosity(verbosity)


def _run(spec, storage, client, workers, scheduler, resume, retry_failed, report, progress):
    resume = resume or retry_failed
    data = load_data(spec.data, spec.seed)
    url = storage_url(storage, spec.name)
    store = CheckpointStore(checkpoint_dir(url, spec.name))
    rdb = open_storage(url, writable=True, must_exist=resume)
    new_folder = not os.path.isdir(store.folder)
    store.ensure()
    own_cluster = None
    startup = 0.0
    with CoordinatorLock(store.folder) as lock:
        try:  # the lock first: a second coordinator must not even touch the study
            study = _open_study(spec, rdb, url, resume=resume)
        except (SpecError, StorageError):
            if new_folder:  # leave nothing behind for a sweep that never started
                lock.release()
                os.unlink(lock.path)
                os.rmdir(store.folder)
            raise
        tick = time.perf_counter()
        if client is None:
            client, own_cluster = (connect(scheduler), None) if scheduler else start_local_cluster(workers)
            own_client = client
        else:
            own_client = None
        try:
            warm_up(client)
            startup = time.perf_counter() - tick
            n_threads = sum(client.nthreads().values()) or 1
            display = SweepProgress(spec, study, enabled=progress)
            coordinator = Coordinator(spec, study, rdb, store, data, client, display)
            to_ask = coordinator.enqueue(retry_failed)
            # More trials in flight than threads: while the coordinator records one rung,
            # each worker already has the next queued. TPE gets fewer, since each trial
            # in flight is drawn without knowing the others' results.
            depth = 2 if spec.method == "tpe" else 3
            in_flight = math.ceil(depth * n_threads / spec.repeats)
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
