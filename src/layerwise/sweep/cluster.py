"""The Dask side of a sweep: a LocalCluster of single-threaded workers, or an existing cluster.

``start_local_cluster`` starts one worker process per core, each with one
thread and BLAS limited to one thread (``OMP/MKL/OPENBLAS_NUM_THREADS=1``), so
that workers do not oversubscribe the cores; it binds to 127.0.0.1 and starts
no dashboard. Its workers ignore SIGINT: Ctrl-C in a terminal reaches every
process of the foreground group, and the coordinator alone decides what an
interrupt means (cancel the in-flight rungs, keep the study resumable).
"""

from __future__ import annotations

import logging
import os
import signal
import warnings

from distributed import Client, LocalCluster, WorkerPlugin

from .storage import StorageError

#: Environment of worker processes: one BLAS thread each, so workers do not oversubscribe.
ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                  "VECLIB_MAXIMUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1"}


class IgnoreInterrupts(WorkerPlugin):
    """Make a worker process ignore SIGINT (set up in its main thread, also after a restart)."""

    name = "layerwise-ignore-sigint"

    def setup(self, worker):
        import threading

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_workers():
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
    n_workers = n_workers or default_workers()
    with warnings.catch_warnings():
        # Without a dashboard the scheduler still serves its health routes, on 127.0.0.1,
        # trying port 8787 first; another cluster there only makes it pick a free port.
        warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=processes,
                               host="127.0.0.1", dashboard_address=None, silence_logs=logging.CRITICAL,
                               **({"env": dict(ONE_THREAD_ENV)} if processes else {}))
    client = Client(cluster)
    client.register_plugin(IgnoreInterrupts())
    return client, cluster


def connect(scheduler):
    """A client of the running scheduler at ``scheduler`` (tcp://HOST:PORT), or one clear line."""
    try:  # the timeout is Dask's own setting, distributed.comm.timeouts.connect
        return Client(scheduler)
    except (OSError, TimeoutError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StorageError(f"cannot reach the Dask scheduler at {scheduler}: {message}") from None


def _import_training():
    import importlib

    for name in ("layerwise.network", "layerwise.training", "layerwise.sweep.worker"):
        importlib.import_module(name)

    return os.getpid()


def warm_up(client):
    """Import the training code on every worker now, so that the first rungs do not pay for it."""
    client.run(_import_training)
