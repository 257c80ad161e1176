"""The command line's error and signal classes (one module, imported by every subcommand).

:class:`CLIError` is a problem with the user's input, reported as one line on
stderr with exit status 2 (the lab's errors are CLIErrors too).
:class:`Terminated` is SIGTERM turned into an exception, so that it unwinds
like Ctrl-C (``KeyboardInterrupt``): temporary files are removed and a fit
keeps what it has learned; the command then exits with status 143.
"""

from __future__ import annotations


class CLIError(ValueError):
    """An error to report to the user as one line (exit status 2)."""


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM (exit status 143)."""
