"""Learning-rate decay schedules.

A schedule maps ``(learning_rate0, epoch_num)`` to the learning rate for the
next epoch. The course's two are plain functions; :class:`Schedule` wraps any of
them for ``Network.fit(lr_schedule=...)``.
"""

from __future__ import annotations

import math

from ._checks import check_positive_float, check_positive_int


def update_lr(learning_rate0, epoch_num, decay_rate):
    """Inverse-time decay, ``lr0 / (1 + decay_rate * epoch_num)``.

    Parameters
    ----------
    learning_rate0 : float, the initial rate
    epoch_num : int, the epoch just finished (from 0)
    decay_rate : float >= 0

    Returns
    -------
    float, the rate for the next epoch
    """
    return learning_rate0 / (1 + decay_rate * epoch_num)


def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    """Stepwise inverse-time decay, ``lr0 / (1 + decay_rate * floor(epoch_num / time_interval))``.

    Parameters
    ----------
    learning_rate0 : float, the initial rate
    epoch_num : int, the epoch just finished (from 0)
    decay_rate : float >= 0
    time_interval : int >= 1, epochs between two decreases

    Returns
    -------
    float, the rate for the next epoch
    """
    return learning_rate0 / (1 + decay_rate * math.floor(epoch_num / time_interval))


def exponential_decay(learning_rate0, epoch_num, decay_rate=0.95):
    """Exponential decay, ``lr0 * decay_rate ** epoch_num``.

    Parameters
    ----------
    learning_rate0 : float, the initial rate
    epoch_num : int, the epoch just finished (from 0)
    decay_rate : float in (0, 1]

    Returns
    -------
    float, the rate for the next epoch
    """
    return learning_rate0 * decay_rate**epoch_num


class Schedule:
    """A named learning-rate schedule for ``fit``.

    Parameters
    ----------
    kind : {"constant", "inverse_time", "step", "exponential"}
        ``inverse_time`` is :func:`update_lr`, ``step`` is
        :func:`schedule_lr_decay`, ``exponential`` is :func:`exponential_decay`.
    decay_rate : float
    time_interval : int, for ``step``

    ``schedule(lr0, epoch)`` gives the rate used after epoch ``epoch`` (counting
    from 0); epoch 0 runs at ``lr0``, as in the course.
    """

    KINDS = ("constant", "inverse_time", "step", "exponential")

    def __init__(self, kind="inverse_time", decay_rate=1.0, time_interval=1000):
        from ._checks import check_choice

        self.kind = check_choice("lr_schedule", kind, self.KINDS)
        self.decay_rate = check_positive_float("decay_rate", decay_rate, allow_zero=True)
        self.time_interval = check_positive_int("time_interval", time_interval)

    def __call__(self, learning_rate0, epoch_num):
        if self.kind == "constant":
            return learning_rate0
        if self.kind == "inverse_time":
            return update_lr(learning_rate0, epoch_num, self.decay_rate)
        if self.kind == "step":
            return schedule_lr_decay(learning_rate0, epoch_num, self.decay_rate, self.time_interval)
        return exponential_decay(learning_rate0, epoch_num, self.decay_rate)

    def __repr__(self):
        return f"Schedule({self.kind!r}, decay_rate={self.decay_rate}, time_interval={self.time_interval})"


def get_schedule(lr_schedule):
    """Turn ``None``, a name, a :class:`Schedule` or a callable into a callable ``(lr0, epoch) -> lr``."""
    if lr_schedule is None:
        return None
    if isinstance(lr_schedule, str):
        return Schedule(lr_schedule)
    if callable(lr_schedule):
        return lr_schedule
    raise TypeError(
        f"lr_schedule must be None, one of {list(Schedule.KINDS)}, or a callable (lr0, epoch) -> lr; "
        f"got {type(lr_schedule).__name__}"
    )
