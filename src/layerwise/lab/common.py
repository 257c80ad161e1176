"""What every lab experiment shares: its context, its result, the training loops.

An experiment is a module with ``NAME``, ``TITLE`` and ``run(ctx) -> Result``.
It trains a :class:`~layerwise.network.Network` with the one training loop,
:class:`~layerwise.training.Trainer` (the course's dict-copying functions would
not fit the lab's time budget); the course's protocols are options of its
:class:`~layerwise.training.TrainConfig` (``shuffle_seed``, ``dropout_seed``,
``mean_in_output_delta``). It writes its figures into ``ctx.out_dir`` and
returns numbers only -- the runner times it, prints its table and hands it to
the report.

Cost conventions (issue 3): a recorded cost is the whole objective being
minimised -- ``1/m * loss_sum`` plus the L2 term when ``lambd > 0`` -- on the
forward pass that precedes that step's update; ``costs`` holds iterations (or
epochs) 0, cost_every, 2 cost_every, ...; ``final_cost`` is the same objective
one forward pass after the last update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..data import accuracy, predictions_from_output
from ..losses import compute_cost
from ..network import Network
from ..training import Callback, Trainer

COST_EVERY = 100


def _no_progress(run, done, total):
    return None


@dataclass
class Context:
    """Everything an experiment needs from the command line.

    Attributes
    ----------
    quick : bool, scaled-down budgets
    seed : int, added to every seed of the lab (0 = the course's own seeds)
    data : dict or None, a loaded ``--data`` set (see :mod:`layerwise.lab.data`)
    out_dir : str, where figures go (the report's temporary directory)
    progress : callable ``(run, done, total)``, called as runs advance
    """

    quick: bool = False
    seed: int = 0
    data: dict | None = None
    out_dir: str = "."
    progress: Callable = _no_progress


@dataclass
class Table:
    """A small table: column titles and rows of cells (numbers or text)."""

    columns: list
    rows: list = field(default_factory=list)


@dataclass
class Result:
    """What an experiment returns.

    Attributes
    ----------
    setup : dict, the exact protocol (JSON-ready)
    runs : dict, run name -> run record (see :func:`run_record`)
    table : Table, shown in the terminal and the report
    figures : list of (file name relative to the report, caption)
    reading : list of str, sentences written from the numbers
    extra : dict, more JSON-ready numbers kept in results.json
    seconds : float, filled in by the runner
    """

    setup: dict
    runs: dict
    table: Table
    figures: list = field(default_factory=list)
    reading: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    seconds: float = 0.0


def _float(x):
    """A JSON-safe float: None for None, NaN and infinities."""
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


def run_record(*, costs=(), cost_every=COST_EVERY, final_cost=None, train_accuracy=None,
               test_accuracy=None, **extra):
    """One run's entry of results.json (extra keys are kept)."""
    record = {
        "train_accuracy": _float(train_accuracy),
        "test_accuracy": _float(test_accuracy),
        "final_cost": _float(final_cost),
        "cost_every": int(cost_every),
        "costs": [_float(c) for c in costs],
    }
    record.update(extra)
    return record


def binary_accuracy(net, X, Y):
    """Fraction of columns where ``AL > 0.5`` equals the 0/1 label (the course's predict)."""
    if X is None:
        return None
    return accuracy(predictions_from_output(net.forward_output(X), "sigmoid"), Y)


def class_accuracy(net, X, labels):
    """Fraction of columns whose argmax output equals the integer label."""
    return accuracy(predictions_from_output(net.forward_output(X), "softmax"), labels)


def make_network(layer_dims, activations, parameters, *, loss="binary_cross_entropy"):
    """A float64 :class:`Network` holding a copy of ``parameters``."""
    net = Network(layer_dims, activations, init="zeros", loss=loss)
    net.parameters = parameters
    return net


class _Ticker(Callback):
    """Reports a run's progress about a hundred times, whatever its length."""

    def __init__(self, progress, run, total):
        self.progress, self.run, self.total = progress, run, total
        self.every = max(1, total // 100)
        progress(run, 0, total)

    def on_epoch_end(self, trainer, epoch, logs):
        done = epoch + 1
        if done % self.every == 0 or done == self.total:
            self.progress(self.run, done, self.total)
        return False


def train(net, X, Y, config, *, run="run", progress=_no_progress, callbacks=()):
    """Train ``net`` on ``(X, Y)`` under ``config`` with the one loop; returns the Trainer."""
    ticker = _Ticker(progress, run, config.epochs)
    trainer = Trainer(net, config, X, Y, callbacks=[ticker, *callbacks], rng=0)
    trainer.run()
    return trainer


def train_full_batch(net, X, Y, config, *, run="run", progress=_no_progress,
                     cost_every=COST_EVERY):
    """Batch gradient descent, the course's ``model()`` loop of the first notebooks.

    One epoch of ``config`` is one iteration (``batch_size`` None: one update
    per pass over all of X).

    Returns
    -------
    costs : list of float, the objective at iterations 0, cost_every, ...
    final_cost : float, the objective after the last update
    """
    trainer = train(net, X, Y, config, run=run, progress=progress)
    return trainer.history.cost[::cost_every], trainer.training_objective()


def train_mini_batches(net, X, Y, config, *, run="run", progress=_no_progress,
                       cost_every=COST_EVERY):
    """Mini-batch training, the course's ``model()`` loop of the optimisation notebook.

    With ``config.shuffle_seed`` epoch ``i`` (from 0) shuffles with
    ``RandomState(shuffle_seed + i).permutation(m)`` and cuts consecutive
    batches (the last one smaller), as the course's ``random_mini_batches``.

    Returns
    -------
    costs : list, epoch costs at epochs 0, cost_every, ...
    learning_rates : list, the rate used in each recorded epoch
    last_epoch_cost : float
    """
    history = train(net, X, Y, config, run=run, progress=progress).history
    return history.cost[::cost_every], history.learning_rate[::cost_every], history.cost[-1]


def full_cost(net, X, Y):
    """The mean loss over all of X at the current parameters (one forward pass, no dropout)."""
    return compute_cost(net.forward_output(X), Y, net.loss)


def grid_predictor(net):
    """A function ``(points (k, 2) rows) -> class per row`` for decision-boundary plots."""
    def predict(points):
        AL = net.forward_output(np.ascontiguousarray(points.T))
        return predictions_from_output(AL, "sigmoid" if AL.shape[0] == 1 else "softmax").ravel()
    return predict


def fmt(x, digits=4):
    """Short text for a table cell (None -> '-')."""
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e5):
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}f}"
