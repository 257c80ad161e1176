"""``History``: what a training run records, one entry per completed epoch.

Each epoch is appended as ONE record (a single ``list.append``), and the
per-quantity lists (``cost``, ``val_cost``, ...) are read from those records,
so the lists can never disagree in length -- whether the run ended normally,
stopped early, diverged or was interrupted at any instant.
"""

from __future__ import annotations

#: The quantities recorded per epoch, in the order of a record.
EPOCH_KEYS = ("cost", "learning_rate", "val_cost", "val_accuracy", "val_score", "seconds")


class History:
    """Per-epoch record of a training run.

    Attributes
    ----------
    cost : list of float
        Training objective of each epoch: the mean per-example loss over the
        epoch's mini-batches (each on the forward pass before its update), plus
        the L2 term of each batch on the same parameters, weighted by its size.
    learning_rate : list of float, the rate used in each epoch
    val_cost, val_accuracy, val_score : list
        On the validation data after each epoch (None without it; accuracy is
        None for regression outputs, score None without a scorer).
    seconds : list of float, the time each epoch spent in updates
    stopped_early : bool, early stopping ended the run
    converged : bool or None, the training cost stopped improving by ``tol``
        (None when no ``tol`` was set)
    interrupted : bool, Ctrl-C (or a KeyboardInterrupt) ended the run
    stop_reason : None or str, "epochs", "early_stopping", "converged",
        "callback", "interrupted" or "diverged"
    best_epoch : int or None, the epoch (from 0) whose weights early stopping restored
    """

    def __init__(self):
        self._records = []
        self.stopped_early = False
        self.converged = None
        self.interrupted = False
        self.stop_reason = None
        self.best_epoch = None

    # ----------------------------------------------------------------- records
    def append(self, record):
        """Add one epoch's record (a tuple in :data:`EPOCH_KEYS` order) in one step."""
        self._records.append(tuple(record))

    @property
    def epochs(self):
        """Number of completed epochs."""
        return len(self._records)

    def __len__(self):
        return len(self._records)

    def _column(self, i):
        return [r[i] for r in self._records]

    cost = property(lambda self: self._column(0), doc="Training cost per epoch.")
    learning_rate = property(lambda self: self._column(1), doc="Learning rate per epoch.")
    val_cost = property(lambda self: self._column(2), doc="Validation cost per epoch (or None).")
    val_accuracy = property(lambda self: self._column(3),
                            doc="Validation accuracy per epoch (or None).")
    val_score = property(lambda self: self._column(4), doc="Validation score per epoch (or None).")
    seconds = property(lambda self: self._column(5), doc="Seconds of updates per epoch.")

    def last(self, key):
        """The latest epoch's value of ``key`` (None before the first epoch)."""
        return self._records[-1][EPOCH_KEYS.index(key)] if self._records else None

    # --------------------------------------------------------------- plain data
    def to_dict(self):
        """Lists and flags as JSON types."""
        out = {key: self._column(i) for i, key in enumerate(EPOCH_KEYS)}
        out.update(stopped_early=self.stopped_early, converged=self.converged,
                   interrupted=self.interrupted, stop_reason=self.stop_reason,
                   best_epoch=self.best_epoch)
        return out

    @classmethod
    def from_dict(cls, data):
        """The inverse of :meth:`to_dict`."""
        history = cls()
        columns = [list(data.get(key, [])) for key in EPOCH_KEYS]
        n = len(columns[0])
        if any(len(c) != n for c in columns):
            raise ValueError("history lists of different lengths: "
                             + ", ".join(f"{k} {len(c)}" for k, c in zip(EPOCH_KEYS, columns)))
        history._records = [tuple(r) for r in zip(*columns)]
        for flag in ("stopped_early", "converged", "interrupted", "stop_reason", "best_epoch"):
            setattr(history, flag, data.get(flag, getattr(history, flag)))
        return history

    def __repr__(self):
        return (f"History(epochs={self.epochs}, stop_reason={self.stop_reason!r}, "
                f"best_epoch={self.best_epoch})")
