"""Run lab experiments: in worker processes, with rich progress bars and tables.

Each experiment runs in one process (two at a time by default, the longest
first), reports its progress through a queue, and returns a
:class:`~layerwise.lab.common.Result`; the main process draws the bars and
prints each experiment's table as soon as it finishes.
"""

from __future__ import annotations

import importlib
import multiprocessing
import queue as queue_module
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from . import EXPERIMENTS
from .common import Context

#: Rough full-budget seconds of each experiment, to start the longest first.
EXPECTED_SECONDS = {"optimization": 17, "regularization": 10, "init": 5, "normalization": 2,
                    "activations": 2, "batch-size": 2, "softmax": 2, "gradients": 1, "ewa": 1,
                    "gradcheck": 1}

_QUEUE = None  # the progress queue of a worker process
_LIMITS = None


def load(name):
    """The module of experiment ``name``."""
    return importlib.import_module(f"{__package__}.{EXPERIMENTS[name]}")


def run_experiment(name, ctx):
    """Run one experiment; returns its Result with ``seconds`` filled in."""
    module = load(name)
    start = time.perf_counter()
    result = module.run(ctx)
    result.seconds = time.perf_counter() - start
    return result


def _init_worker(q):
    global _QUEUE
    _QUEUE = q
    # Two workers on two cores: BLAS threads would only fight over them (the
    # matrices here are tiny), so each worker keeps to one.
    try:
        from threadpoolctl import threadpool_limits

        global _LIMITS
        _LIMITS = threadpool_limits(1)  # kept: the object restores the limits when asked
    except ImportError:  # pragma: no cover - comes with scikit-learn
        pass


def _worker(name, ctx_fields):
    def progress(run, done, total):
        _QUEUE.put((name, run, done, total))

    return run_experiment(name, Context(progress=progress, **ctx_fields))


class _Display:
    """The rich progress bars (one per run) and tables."""

    def __init__(self, console):
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn)

        self.console = console
        self.progress = Progress(TextColumn("{task.description:<34}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                                 transient=False)
        self.tasks = {}

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def update(self, name, run, done, total):
        key = (name, run)
        if key not in self.tasks:
            self.tasks[key] = self.progress.add_task(f"{name}: {run}", total=total)
        self.progress.update(self.tasks[key], completed=done, total=total)

    def show(self, name, title, result):
        """Replace the experiment's finished bars by its table (keeps the live area short)."""
        from rich.table import Table

        for key in [k for k in self.tasks if k[0] == name]:
            self.progress.remove_task(self.tasks.pop(key))
        # The title is a line of its own: as a rich table title it wraps to the table's
        # width, which put "(9.2 s)" on a line of its own when stdout is not a terminal.
        self.progress.console.print(f"{name} -- {title} ({result.seconds:.1f} s)",
                                    soft_wrap=True, highlight=False, markup=False)
        table = Table(header_style="bold")
        for i, col in enumerate(result.table.columns):
            numeric = i > 0 and all(_is_number(row[i]) for row in result.table.rows)
            table.add_column(str(col), justify="right" if numeric else "left")
        for row in result.table.rows:
            table.add_row(*[str(c) for c in row])
        self.progress.console.print(table)


def _is_number(cell):
    try:
        float(str(cell))
    except ValueError:
        return False
    return True


def run_all(names, *, ctx_fields, jobs, console):
    """Run ``names``; returns ``{name: Result}`` in the given order.

    Parameters
    ----------
    names : list of experiment names
    ctx_fields : dict of :class:`Context` fields (quick, seed, data, out_dir)
    jobs : int, worker processes (1 runs everything in this process)
    console : rich Console for bars and tables
    """
    results = {}
    if jobs <= 1 or len(names) == 1:
        with _Display(console) as display:
            for name in names:
                ctx = Context(progress=lambda run, d, t, n=name: display.update(n, run, d, t),
                              **ctx_fields)
                results[name] = run_experiment(name, ctx)
                display.show(name, load(name).TITLE, results[name])
    else:
        _run_parallel(names, ctx_fields, jobs, console, results)
    return {name: results[name] for name in names}


def _preload(names):
    """Import what the experiments need once, here, so that forked workers inherit it.

    scikit-learn and matplotlib take a second or more each to import; paid in
    every worker it would be paid twice.
    """
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401
    import sklearn.datasets  # noqa: F401

    from .. import plots  # noqa: F401

    for name in names:
        load(name)


def _run_parallel(names, ctx_fields, jobs, console, results):
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    if method == "fork":
        _preload(names)
    mp = multiprocessing.get_context(method)
    q = mp.Queue()
    order = sorted(names, key=lambda n: -EXPECTED_SECONDS.get(n, 1))
    with ProcessPoolExecutor(max_workers=min(jobs, len(names)), mp_context=mp,
                             initializer=_init_worker, initargs=(q,)) as pool:
        # Submitting forks the workers; do it before the display starts its refresh
        # thread, so that no thread is running when the process forks.
        pending = {pool.submit(_worker, name, ctx_fields): name for name in order}
        with _Display(console) as display:
            _collect(pending, q, display, results)


def _collect(pending, q, display, results):
    """Show progress and tables until every experiment in ``pending`` is done."""
    try:
        while pending:
            done, _ = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            _drain(q, display)
            for future in done:
                name = pending.pop(future)
                results[name] = future.result()
                _drain(q, display)
                display.show(name, load(name).TITLE, results[name])
    except BaseException:
        for future in pending:
            future.cancel()
        raise


def _drain(q, display):
    while True:
        try:
            display.update(*q.get_nowait())
        except queue_module.Empty:
            return
