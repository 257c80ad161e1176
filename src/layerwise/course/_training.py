"""The notebooks' ``model()`` loops, run by layerwise's one training loop.

Every ``two_layer_model``, ``L_layer_model`` and ``model`` of the course is the
same loop -- forward, cost, backward, update -- with its own arithmetic and
its own bookkeeping. Here the loop is a :class:`~layerwise.training.Trainer`
whose :class:`~layerwise.training.TrainConfig` states the notebook's
arithmetic (:data:`COURSE_ARITHMETIC` plus the notebook's own options), and
the bookkeeping -- printing and keeping costs -- is a callback that sees each
iteration's (or epoch's) cost as the notebook's loop body would.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..network import Network
from ..training import Callback, Trainer, TrainConfig

#: What every notebook's loop does that a library does not: raw logarithms (the
#: cost may be ``inf``), any real ``Y``, and no divergence check.
COURSE_ARITHMETIC = {"clip_probabilities": False, "check_targets": False,
                     "on_divergence": "continue"}


class _EachEpoch(Callback):
    """Calls ``report(epoch, cost, trainer)`` after every epoch (one iteration of batch GD)."""

    def __init__(self, report):
        self.report = report

    def on_epoch_end(self, trainer, epoch, logs):
        self.report(epoch, logs["cost"], trainer)
        return False


def check_iterations(name, value):
    """``value`` as an int; the course's ``range(value)`` refuses anything else."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__} {value!r}")
    return int(value)


def train(X, Y, layer_dims, parameters, iterations, report, **config):
    """Train the course's ``[LINEAR->RELU]*(L-1)->LINEAR->SIGMOID`` net from ``parameters``.

    Parameters
    ----------
    X : ndarray, shape (n_x, m); Y : array_like, shape (1, m)
    layer_dims : sequence of int, ``[n_x, n_1, ..., 1]``
    parameters : dict ``W1, b1, ...``, the notebook's initial values (not modified)
    iterations : int, epochs of the loop (none at all when <= 0, as ``range``)
    report : callable ``(epoch, cost, trainer)``, called after every epoch with
        the cost of that epoch's forward pass(es), before the update
    **config : TrainConfig fields on top of :data:`COURSE_ARITHMETIC`

    Returns
    -------
    parameters : dict of new arrays ``W1, b1, ...``, the trained values
    learning_rate : float, the rate after the last epoch (a schedule may change it)
    """
    net = Network(list(layer_dims), ["relu"] * (len(layer_dims) - 2) + ["sigmoid"],
                  init="zeros", loss="binary_cross_entropy")
    net.parameters = parameters
    learning_rate = config.get("learning_rate")
    if iterations > 0:
        settings = TrainConfig(**{**COURSE_ARITHMETIC, "epochs": iterations, **config})
        # rng=0: nothing of this loop is drawn from it (full batches, or the course's
        # reseeded shuffles and masks), and NumPy's global stream stays untouched.
        trainer = Trainer(net, settings, np.asarray(X), np.asarray(Y),
                          callbacks=[_EachEpoch(report)], rng=0)
        trainer.run()
        learning_rate = trainer.learning_rate
    return {key: value.copy() for key, value in net.parameters.items()}, learning_rate
