"""``layerwise`` command line: ``lab``, ``train``, ``predict``, ``info``, ``datasets``,
``sweep``, ``playground``.

Each subcommand lives in its own module and registers itself through
``add_parser(subparsers)``; the module's ``run(args)`` does the work.

Exit statuses, and what is printed (never a traceback unless asked for):

* 2 -- a ``ValueError``, ``TypeError``, ``OSError`` or
  :class:`~layerwise.errors.CLIError` from a command (bad input, a refused
  output path, a damaged model file): one line on stderr;
* 1 -- any other exception (an internal error): one line naming the command
  and the error; ``--debug`` or ``LAYERWISE_DEBUG=1`` prints the traceback too;
* 130 -- Ctrl-C (SIGINT), 143 -- SIGTERM: both unwind the same way (temporary
  files removed, no half-written output), then one line.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import traceback

from .errors import CLIError, Terminated, clear_stop_requests, stop_on_signal

__all__ = ["CLIError", "build_parser", "main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line on stderr, exit 2, as every other error
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def _subcommand_modules():
    # Imported here, not at the top, so that `layerwise --help` stays fast and a
    # missing optional part breaks only its own subcommand.
    from .lab import command as lab_command

    modules = [lab_command]
    try:
        from .commands import datasets, info, predict, train

        modules += [train, predict, info, datasets]
    except ImportError:  # the practitioner commands are an optional part
        pass
    from .playground import command as playground_command

    modules.append(playground_command)

    from .sweep import command as sweep_command  # imports optuna/dask only when it runs

    modules.append(sweep_command)
    return modules


def build_parser():
    """The top-level argument parser with every subcommand."""
    from . import __version__

    parser = _Parser(prog="layerwise",
                     description="Deep fully-connected networks from scratch on NumPy.",
                     epilog="Run `layerwise COMMAND --help` for a command's options.")
    parser.add_argument("--version", action="version", version=f"layerwise {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="print the traceback of an internal error (also LAYERWISE_DEBUG=1)")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                       title="commands", metavar="COMMAND")
    for module in _subcommand_modules():
        module.add_parser(subparsers)
    return parser


def _debugging(args):
    return bool(getattr(args, "debug", False)) or os.environ.get("LAYERWISE_DEBUG", "") not in ("", "0")


def _one_line(exc):
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def main(argv=None):
    """Entry point of the ``layerwise`` command; returns the exit status."""
    parser = build_parser()
    if not (sys.argv[1:] if argv is None else argv):
        parser.print_help()  # a bare `layerwise`: the command list, not an error
        return 0
    args = parser.parse_args(argv)
    previous = {}
    clear_stop_requests()
    if threading.current_thread() is threading.main_thread():
        # SIGTERM unwinds like Ctrl-C; SIGINT keeps Python's handler, which the
        # Trainer defers to the next step boundary.
        previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, stop_on_signal)
    try:
        return args.run(args) or 0
    except Terminated:
        sys.stderr.write(f"layerwise {args.command}: terminated\n")
        return 143
    except KeyboardInterrupt:
        sys.stderr.write(f"layerwise {args.command}: interrupted\n")
        return 130
    except (CLIError, ValueError, TypeError, OSError) as exc:
        sys.stderr.write(f"layerwise {args.command}: error: {_one_line(exc)}\n")
        return 2
    except Exception as exc:  # an internal error: one line, the traceback only on request
        if _debugging(args):
            traceback.print_exc()
        sys.stderr.write(f"layerwise {args.command}: internal error: {type(exc).__name__}: "
                         f"{_one_line(exc)} (--debug or LAYERWISE_DEBUG=1 shows the traceback)\n")
        return 1
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        clear_stop_requests()


if __name__ == "__main__":  # pragma: no cover
    # Run through the package's module, not this copy loaded as __main__, so
    # that the exception classes the commands raise are the ones caught.
    from layerwise.cli import main as _main

    sys.exit(_main())
