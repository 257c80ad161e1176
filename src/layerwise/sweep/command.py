"""``layerwise sweep``: run, resume or report on a hyper-parameter study.

::

    layerwise sweep SPEC [--storage URL] [--workers N | --scheduler tcp://HOST:PORT]
                         [--resume] [--retry-failed] [--report DIR]
    layerwise sweep report STORAGE [--study NAME] [--out DIR]

Errors (a bad spec key, an unusable storage, an unreachable scheduler) are one
line on stderr and exit status 2, before anything is trained; Ctrl-C leaves the
study resumable and exits 130.
"""

from __future__ import annotations

import os
import sys

from ..errors import CLIError


def add_parser(subparsers):
    """Register ``sweep`` on the ``layerwise`` command line."""
    parser = subparsers.add_parser(
        "sweep", help="hyper-parameter sweep (Optuna study on Dask workers)",
        description="Run a hyper-parameter sweep from a YAML/JSON spec, or `sweep report STORAGE` "
                    "to write the HTML report of an existing study.")
    parser.add_argument("spec", metavar="SPEC", help="the sweep's YAML or JSON spec (or `report`)")
    parser.add_argument("target", metavar="STORAGE", nargs="?",
                        help="with `report`: the study's storage (an SQLite file or URL)")
    parser.add_argument("--storage", help="Optuna storage URL or SQLite file (default: NAME.db here)")
    parser.add_argument("--workers", type=int, help="LocalCluster worker processes (default: one per core)")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler, tcp://HOST:PORT")
    parser.add_argument("--resume", action="store_true", help="continue the study (RUNNING trials "
                        "from their checkpoints)")
    parser.add_argument("--retry-failed", action="store_true", help="resume and re-run failed or "
                        "timed-out trials with the same parameters")
    parser.add_argument("--report", metavar="DIR", help="write the HTML report into DIR at the end")
    parser.add_argument("--study", help="with `report`: the study's name (default: the only one)")
    parser.add_argument("--out", "-o", metavar="DIR", help="with `report`: output folder "
                        "(default: STORAGE's name + '-report')")
    parser.set_defaults(run=run)
    return parser


def _run_report(args):
    if args.target is None:
        raise CLIError("`sweep report` needs the study's storage: layerwise sweep report STORAGE")
    used = [flag for flag, value in (("--storage", args.storage), ("--workers", args.workers),
                                     ("--scheduler", args.scheduler), ("--resume", args.resume),
                                     ("--retry-failed", args.retry_failed), ("--report", args.report))
            if value not in (None, False)]
    if used:
        raise CLIError(f"{used[0]} is for running a sweep, not for `sweep report`")
    from .report import write_report
    from .storage import sqlite_path, storage_url

    url = storage_url(args.target, None)
    out = args.out or f"{os.path.splitext(sqlite_path(url) or 'sweep')[0]}-report"
    page = write_report(url, out, study_name=args.study)
    print(f"report: {page}")
    return 0


def run(args):
    """Run the ``sweep`` subcommand; returns the exit status."""
    if args.spec == "report" and (args.target is not None or not os.path.isfile("report")):
        return _run_report(args)
    if args.target is not None:
        raise CLIError(f"unexpected argument {args.target!r} (only `sweep report` takes a STORAGE)")
    if args.study or args.out:
        raise CLIError("--study and --out are for `sweep report`; a sweep's report goes to --report DIR")
    if args.workers is not None and args.workers < 1:
        raise CLIError(f"--workers must be >= 1; got {args.workers}")
    if args.workers is not None and args.scheduler:
        raise CLIError("give --workers (a local cluster) or --scheduler (an existing one), not both")
    try:
        from . import study
        from .spec import load_spec
    except ImportError as exc:
        raise CLIError(f"`layerwise sweep` needs {exc.name}: pip install 'layerwise[sweep]'") from None

    spec = load_spec(args.spec)
    try:
        result = study.run(spec, storage=args.storage, workers=args.workers, scheduler=args.scheduler,
                                 resume=args.resume, retry_failed=args.retry_failed, report=args.report)
    except KeyboardInterrupt:
        sys.stderr.write(f"layerwise sweep: interrupted; the study keeps every reported rung -- continue "
                         f"with: layerwise sweep {args.spec} --resume\n")
        return 130
    print(f"{result.n_complete} complete, {result.n_pruned} pruned, {result.n_failed} failed "
          f"in {result.seconds:.1f} s (cluster start-up {result.startup_seconds:.1f} s)")
    if result.best_trial is not None:
        shown = ", ".join(f"{k}={v}" for k, v in result.best_params.items())
        print(f"best {spec.metric} {result.best_value:.4f} (trial {result.best_trial.number}): {shown}")
    print(f"study {spec.name!r} in {result.storage}; checkpoints and models in {result.checkpoints}")
    if args.report:
        print(f"report: {os.path.join(args.report, 'index.html')}")
    return 0
