"""``layerwise lab [EXPERIMENT ...] [--out DIR] [--force] [--quick] [--seed N] [--data FILE] [--jobs N]``.

Checks everything it can before running anything (experiment names, the
``--data`` file, the output path), runs the experiments, and builds the report
in a temporary directory next to ``DIR`` (``.DIR.<pid>-<n>.tmp``). Nothing the
user owns is destroyed:

* a new (or empty) ``DIR`` becomes the finished report by one rename;
* an existing non-empty ``DIR`` is refused unless ``--force``, and even then
  only the report's own files (``index.html``, ``results.json``,
  ``figures/*.png``) are replaced -- nothing else in ``DIR`` is deleted;
* a symbolic link, a file or a device at ``DIR`` is refused;
* a failure, Ctrl-C or SIGTERM removes the temporary directory; a run killed
  outright leaves it, and the next run removes it.
"""

from __future__ import annotations

import os
import shutil
import time

from ..errors import CLIError
from ..files import (OutputPathError, check_replaceable, make_temporary_directory,
                     move_files_into, same_file)
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
                        help="report directory (default: lab-report); must be new or empty")
    parser.add_argument("--force", action="store_true",
                        help="write into a non-empty DIR, replacing only the report's own files")
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


#: The report's own files in DIR (figures/ holds only PNGs the experiments draw).
REPORT_FILES = ("index.html", "results.json")


def _check_out(args):
    out = os.path.abspath(args.out)
    if os.path.islink(out):
        raise CLIError(f"--out {args.out} is a symbolic link; refusing to write through it "
                       "(give the directory itself)")
    if os.path.lexists(out):
        if not os.path.isdir(out):
            raise CLIError(f"--out {args.out} exists and is not a directory")
        if os.listdir(out) and not args.force:
            raise CLIError(f"--out {args.out} is a directory that is not empty; choose a new "
                           "one, or pass --force to replace only the report's own files "
                           "(index.html, results.json, figures/)")
        for name in (*REPORT_FILES, "figures"):
            target = os.path.join(out, name)
            if name == "figures" and os.path.lexists(target):
                if os.path.islink(target) or not os.path.isdir(target):
                    raise CLIError(f"--out {args.out}: {target} is not a directory; refusing "
                                   "to replace it")
            elif name != "figures":
                try:
                    check_replaceable(target, what="--out")
                except OutputPathError as exc:
                    raise CLIError(str(exc)) from None
    parent = os.path.dirname(out)
    if not os.path.isdir(parent):
        raise CLIError(f"--out {args.out}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CLIError(f"--out {args.out}: the directory {parent} is not writable")
    if args.data is not None:
        for name in REPORT_FILES:
            if same_file(os.path.join(out, name), args.data):
                raise CLIError(f"--data {args.data} is the report's {name} in --out; refusing to "
                               "overwrite it")
    return out


def _check(args):
    names = list(dict.fromkeys(args.experiments)) or list(EXPERIMENTS)
    unknown = [n for n in names if n not in EXPERIMENTS]
    if unknown:
        raise CLIError(f"unknown experiment {unknown[0]!r}; choose from {', '.join(EXPERIMENTS)}")
    if args.seed < 0:
        raise CLIError(f"--seed must be >= 0; got {args.seed}")
    if args.jobs < 1:
        raise CLIError(f"--jobs must be >= 1; got {args.jobs}")
    out = _check_out(args)
    data = None
    if args.data is not None:
        from .data import load_data_file

        data = load_data_file(args.data)
    return names, out, data


def _place_report(tmp, out, force):
    """Put the finished report ``tmp`` at ``out`` without deleting anything of the user's."""
    try:
        os.rename(tmp, out)  # a new DIR, or an empty one (POSIX renames over an empty directory)
        return
    except OSError:
        if not os.path.isdir(out) or os.path.islink(out):
            raise
        if not force:
            raise CLIError(f"--out {out} is no longer empty; the report was not written "
                           "(pass --force to replace only the report's own files)") from None
    move_files_into(tmp, out)  # --force into a non-empty DIR: the report's own files only
    shutil.rmtree(tmp, ignore_errors=True)


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
    tmp = make_temporary_directory(out)
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
        _place_report(tmp, out, args.force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    from .agreement import numpy_code_path

    noun = "experiment" if len(names) == 1 else "experiments"
    console.print(f"{len(names)} {noun} in {total:.1f} s ({numpy_code_path()}). Report: "
                  f"{os.path.join(out, 'index.html')}", soft_wrap=True, highlight=False)
    return 0
