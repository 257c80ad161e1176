"""``layerwise`` command line: ``lab``, ``train``, ``predict``, ``info``, ``sweep``.

Each subcommand lives in its own module and registers itself through
``add_parser(subparsers)``; the module's ``run(args)`` does the work. Any
``ValueError``, ``TypeError``, ``OSError`` or :class:`CLIError` raised by a
command becomes one line on stderr and exit status 2 -- no traceback.
"""

from __future__ import annotations

import argparse
import sys


class CLIError(ValueError):
    """An error to report to the user as one line (exit status 2)."""


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
        from .commands import info, predict, train

        modules += [train, predict, info]
    except ImportError:  # the practitioner commands are an optional part
        pass
    from .sweep import command as sweep_command  # imports optuna/dask only when it runs

    modules.append(sweep_command)
    return modules


def build_parser():
    """The top-level argument parser with every subcommand."""
    parser = _Parser(prog="layerwise",
                     description="Deep fully-connected networks from scratch on NumPy.")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in _subcommand_modules():
        module.add_parser(subparsers)
    return parser


def main(argv=None):
    """Entry point of the ``layerwise`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args) or 0
    except KeyboardInterrupt:
        sys.stderr.write("layerwise: interrupted\n")
        return 130
    except (CLIError, ValueError, TypeError, OSError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        sys.stderr.write(f"layerwise {args.command}: error: {message}\n")
        return 2


if __name__ == "__main__":  # pragma: no cover
    # Run through the package's module, not this copy loaded as __main__, so
    # that the exception classes the commands raise are the ones caught.
    from layerwise.cli import main as _main

    sys.exit(_main())
