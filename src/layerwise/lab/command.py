"""``layerwise lab [EXPERIMENT ...] [--out DIR] [--quick] [--seed N] [--data FILE] [--jobs N]``.

Checks everything it can before running anything (experiment names, the
``--data`` file, the output path), runs the experiments, and writes the report
into a temporary directory next to ``DIR`` that replaces ``DIR`` only when
complete -- a failure leaves no half-written report.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time

from . import EXPERIMENTS


def add_parser(subparsers):
    """Register ``lab`` with the ``layerwise`` command line."""
    parser = subparsers.add_parser(
        "lab", help="run the notes' experiments and write an HTML report",
        description="Run the experiments of the course notes (all of them by default) with "
                    "progress bars and tables, and write DIR/index.html (tables, figures, "
                    "readings) and DIR/results.json.")
    parser.add_argument("experiments", nargs="*", metavar="EXPERIMENT",
                        help=f"which to run (default: all): {', '.join(EXPERIMENTS)}")
    parser.add_argument("--out", default="lab-report", metavar="DIR",
                        help="report directory (default: lab-report); replaced when complete")
    parser.add_argument("--quick", action="store_true",
                        help="scaled-down budgets, for smoke tests and CI")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="added to every seed (default 0 = the course's own seeds)")
    parser.add_argument("--data", metavar="FILE",
                        help="data for 'regularization': the course's data.mat, or .npz/.csv "
                             "with X, y, Xval, yval (see the README)")
    parser.add_argument("--jobs", type=int, default=2, metavar="N",
                        help="worker processes (default 2; 1 runs in this process)")
    parser.set_defaults(run=run)
    return parser


class LabError(ValueError):
    """A bad command line for ``lab`` (reported as one line, exit status 2)."""


def _check(args):
    names = list(dict.fromkeys(args.experiments)) or list(EXPERIMENTS)
    unknown = [n for n in names if n not in EXPERIMENTS]
    if unknown:
        raise LabError(f"unknown experiment {unknown[0]!r}; choose from {', '.join(EXPERIMENTS)}")
    if args.seed < 0:
        raise LabError(f"--seed must be >= 0; got {args.seed}")
    if args.jobs < 1:
        raise LabError(f"--jobs must be >= 1; got {args.jobs}")
    out = os.path.abspath(args.out)
    if os.path.exists(out) and not os.path.isdir(out):
        raise LabError(f"--out {args.out} exists and is not a directory")
    parent = os.path.dirname(out)
    if not os.path.isdir(parent):
        raise LabError(f"--out {args.out}: the directory {parent} does not exist")
    data = None
    if args.data is not None:
        from .data import load_data_file

        data = load_data_file(args.data)
    return names, out, data


def _replace_dir(tmp, out):
    """Put the finished report ``tmp`` at ``out``, replacing an older report."""
    old = None
    if os.path.exists(out):
        old = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.old-", dir=os.path.dirname(out))
        os.rmdir(old)
        os.rename(out, old)
    os.rename(tmp, out)
    if old:
        shutil.rmtree(old, ignore_errors=True)


def run(args):
    """Run ``layerwise lab``; returns the exit status."""
    from rich.console import Console

    from .report import write_report
    from .runner import load, run_all

    names, out, data = _check(args)
    console = Console()
    if not console.is_terminal:  # logs (CI): wide enough that the tables do not wrap
        console = Console(width=120)
    if data is not None and "regularization" not in names:
        console.print("note: --data is used by 'regularization' only, which is not selected")
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.tmp-", dir=os.path.dirname(out))
    try:
        figure_dir = os.path.join(tmp, "figures")
        os.mkdir(figure_dir)
        start = time.perf_counter()
        ctx_fields = {"quick": args.quick, "seed": args.seed, "data": data, "out_dir": figure_dir}
        results = run_all(names, ctx_fields=ctx_fields, jobs=args.jobs, console=console)
        total = time.perf_counter() - start
        options = {"experiments": names, "quick": args.quick, "seed": args.seed,
                   "data": os.path.basename(args.data) if args.data else None,
                   "jobs": args.jobs}
        titles = {n: load(n).TITLE for n in names}
        write_report(tmp, results, titles, options, total)
        _replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    from .agreement import numpy_code_path

    noun = "experiment" if len(names) == 1 else "experiments"
    console.print(f"{len(names)} {noun} in {total:.1f} s ({numpy_code_path()}). Report: "
                  f"{os.path.join(out, 'index.html')}", soft_wrap=True, highlight=False)
    return 0


if __name__ == "__main__":  # pragma: no cover
    from ..cli import main

    sys.exit(main(["lab", *sys.argv[1:]]))
