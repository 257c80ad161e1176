"""The progress display of a running sweep (on stderr).

On a terminal, one live line drawn with rich::

    digits-grid ━━━━━━━━━━━━━━━━━━━━━━━━━━ 5/8 done · 2 running · 0 failed · 1 pruned · best val_accuracy 0.9722 (trial 3) · ETA 0:00:12

Elsewhere (logs, pipes) one plain line per finished trial with the same counts.
"""

from __future__ import annotations

import sys
import time

from optuna.trial import TrialState


def _clock(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class SweepProgress:
    """Counts of a sweep's trials, the best value so far, and an ETA.

    Parameters
    ----------
    spec : SweepSpec
    study : optuna.Study, read once at the start for the trials already done
    enabled : bool or None
        True: a live display; False: nothing; None: live on a terminal, else
        one line per finished trial.
    stream : file, default ``sys.stderr``
    """

    def __init__(self, spec, study, enabled=None, stream=None):
        self.spec, self.stream = spec, stream or sys.stderr
        if enabled is None:
            self.mode = "live" if getattr(self.stream, "isatty", lambda: False)() else "lines"
        else:
            self.mode = "live" if enabled else "off"
        trials = study.get_trials(deepcopy=False)
        retried = {t.user_attrs.get("retry_of") for t in trials}
        self.complete = sum(t.state == TrialState.COMPLETE for t in trials)
        self.pruned = sum(t.state == TrialState.PRUNED for t in trials)
        self.failed = sum(t.state == TrialState.FAIL and t.number not in retried for t in trials)
        self.running = 0
        self.best_value, self.best_trial = None, None
        for t in trials:
            if t.state == TrialState.COMPLETE:
                self._consider(t.number, t.value)
        self.finished_here, self.started = 0, time.perf_counter()
        self._live = None

    def _consider(self, number, value):
        better = (self.best_value is None
                  or (value > self.best_value if self.spec.direction == "maximize" else value < self.best_value))
        if better:
            self.best_value, self.best_trial = value, number

    @property
    def done(self):
        return self.complete + self.pruned + self.failed

    def eta(self):
        """Seconds left, from this session's pace (None before a trial finished here)."""
        if self.finished_here == 0:
            return None
        pace = (time.perf_counter() - self.started) / self.finished_here
        return max(0.0, (self.spec.trials - self.done) * pace)

    def status(self):
        """The counts as one line of text."""
        best = ("best —" if self.best_value is None
                else f"best {self.spec.metric} {self.best_value:.4g} (trial {self.best_trial})")
        eta = self.eta()
        return (f"{self.done}/{self.spec.trials} done · {self.running} running · {self.failed} failed · "
                f"{self.pruned} pruned · {best} · ETA {'—' if eta is None else _clock(eta)}")

    # ------------------------------------------------------------------ events
    def refresh(self, running):
        self.running = running
        if self._live is not None:
            self._live.update(self._renderable())

    def trial_done(self, number, state, value, note=None):
        """Count a trial that finished (COMPLETE, PRUNED or FAIL) and show it."""
        if state == "COMPLETE":
            self.complete += 1
            self._consider(number, value)
        elif state == "PRUNED":
            self.pruned += 1
        else:
            self.failed += 1
        self.finished_here += 1
        self.running = max(0, self.running - 1)
        if self.mode == "lines":
            shown = "" if value is None else f" {self.spec.metric}={value:.4g}"
            extra = f" ({note})" if note else ""
            self.stream.write(f"trial {number} {state}{shown}{extra} | {self.status()}\n")
            self.stream.flush()
        elif self._live is not None:
            self._live.console.print(f"trial {number} {state}"
                                     + ("" if value is None else f" {self.spec.metric}={value:.4g}")
                                     + (f" ({note})" if note else ""), highlight=False)
            self._live.update(self._renderable())

    def _renderable(self):
        from rich.progress_bar import ProgressBar
        from rich.table import Table

        grid = Table.grid(padding=(0, 1))
        grid.add_row(self.spec.name, ProgressBar(total=self.spec.trials, completed=self.done, width=30),
                     self.status())
        return grid

    def __enter__(self):
        if self.mode == "live":
            from rich.console import Console
            from rich.live import Live

            self._live = Live(self._renderable(), console=Console(file=self.stream), refresh_per_second=4,
                              transient=False)
            self._live.__enter__()
        return self

    def __exit__(self, *exc):
        if self._live is not None:
            self._live.update(self._renderable())
            self._live.__exit__(*exc)
            self._live = None
