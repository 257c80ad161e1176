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


_pending_stop = []  # the stop signals received during this command (main thread only)


def stop_on_signal(signum, frame):
    """Signal handler (SIGTERM; SIGINT too if installed): remember the request, then unwind.

    Remembered because a fit keeps what it has learned when interrupted (it
    catches the ``KeyboardInterrupt``); the command then calls
    :func:`raise_if_stop_requested` to stop instead of carrying on to write its
    outputs, and exits 143 rather than 130.
    """
    import signal

    exc = Terminated if signum == signal.SIGTERM else KeyboardInterrupt
    _pending_stop.append(exc)
    raise exc()


def raise_if_stop_requested():
    """Raise the stop request a caught signal left behind (see :func:`stop_on_signal`)."""
    if _pending_stop:
        raise _pending_stop[-1]()


def clear_stop_requests():
    """Forget earlier stop requests (a new command starts)."""
    _pending_stop.clear()
