"""What every lab experiment shares: its context, its result, the training loops.

An experiment is a module with ``NAME``, ``TITLE`` and ``run(ctx) -> Result``.
It trains with :class:`layerwise.engine.Engine` and an optimizer object (the
course's dict-copying functions would not fit the lab's time budget), writes
its figures into ``ctx.out_dir`` and returns numbers only -- the runner times
it, prints its table and hands it to the report.

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
from ..engine import Engine
from ..losses import compute_cost

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


class ReseededRandom:
    """A random source that starts over from ``RandomState(seed)`` whenever asked.

    The course's dropout forward calls ``np.random.seed(1)`` first, so each
    forward pass draws exactly what a fresh ``RandomState(1)`` draws. Seeding
    a RandomState costs ~0.1 ms -- more than the rest of an iteration -- so
    this object draws once and replays: after :meth:`restart`, its k-th
    ``random(shape)`` call returns what a fresh ``RandomState(seed)``'s k-th
    call would.
    """

    def __init__(self, seed):
        self._source = np.random.RandomState(seed)
        self._draws = []
        self._next = 0

    def restart(self):
        """Go back to the state of a freshly seeded generator; returns self."""
        self._next = 0
        return self

    def random(self, size):
        """Uniform draws in [0, 1) of shape ``size`` (as ``RandomState.random``)."""
        if self._next == len(self._draws):
            self._draws.append(self._source.random(size))
        draw = self._draws[self._next]
        if draw.shape != tuple(np.atleast_1d(size)):
            raise ValueError(f"ReseededRandom replays draws of shape {draw.shape}; "
                             f"asked for {size}")
        self._next += 1
        return draw


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


def binary_accuracy(engine, X, Y):
    """Fraction of columns where ``AL > 0.5`` equals the 0/1 label (the course's predict)."""
    if X is None:
        return None
    return accuracy(predictions_from_output(engine.predict_output(X), "sigmoid"), Y)


def class_accuracy(engine, X, labels):
    """Fraction of columns whose argmax output equals the integer label."""
    return accuracy(predictions_from_output(engine.predict_output(X), "softmax"), labels)


def make_engine(layer_dims, activations, parameters, *, loss="binary_cross_entropy",
                mean_in_delta=False):
    """An :class:`Engine` holding a copy of ``parameters``."""
    return Engine(layer_dims, activations, loss, parameters=parameters,
                  mean_in_delta=mean_in_delta)


def _ticker(progress, run, total):
    step = max(1, total // 100)

    def tick(done):
        if done % step == 0 or done == total:
            progress(run, done, total)

    progress(run, 0, total)
    return tick


def train_full_batch(engine, X, Y, optimizer, iterations, *, run="run", progress=_no_progress,
                     cost_every=COST_EVERY, lambd=0.0, keep_prob=None, dropout_rng=None):
    """Batch gradient descent (one update per pass over all of X).

    Parameters
    ----------
    engine : Engine
    X : ndarray (n_x, m); Y : ndarray (1, m)
    optimizer : an optimizer object (``init``/``update``)
    iterations : int
    lambd : float, L2 strength (cost and gradient)
    keep_prob : list of floats or None, dropout on the hidden layers
    dropout_rng : callable returning the random source for an iteration's
        masks (called once per forward pass)

    Returns
    -------
    costs : list of float, at iterations 0, cost_every, ...
    final_cost : float, the objective after the last update
    """
    m = X.shape[1]
    params, grads = engine.flat_params, engine.flat_grads
    state = optimizer.init(params)
    tick = _ticker(progress, run, iterations)
    costs = []

    def objective():
        rng = dropout_rng() if dropout_rng is not None else None
        loss_sum = engine.forward_backward(X, Y, keep_prob=keep_prob, rng=rng, lambd=lambd)
        return 1.0 / m * loss_sum + engine.l2_penalty(lambd, m)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for i in range(iterations):
            cost = objective()
            if i % cost_every == 0:
                costs.append(cost)
            optimizer.update(grads, state, params)
            tick(i + 1)
        final_cost = objective()
    return costs, final_cost


def train_mini_batches(engine, X, Y, optimizer, epochs, batch_size, *, epoch_seed,
                       run="run", progress=_no_progress, cost_every=COST_EVERY, schedule=None,
                       on_epoch=None):
    """Mini-batch training, the course's ``model()`` loop of the optimisation notebook.

    Epoch ``i`` (from 0) shuffles with ``RandomState(epoch_seed(i)).permutation(m)``
    and cuts consecutive batches (the last one smaller). The epoch's cost is
    the sum of per-example losses over its batches (each on the forward pass
    before that batch's update) divided by m. After epoch ``i`` the learning
    rate becomes ``schedule(lr0, i)`` when a schedule is given.

    Returns
    -------
    costs : list, epoch costs at epochs 0, cost_every, ...
    learning_rates : list, the rate used in each recorded epoch
    last_epoch_cost : float
    """
    m = X.shape[1]
    params, grads = engine.flat_params, engine.flat_grads
    state = optimizer.init(params)
    lr0 = optimizer.learning_rate
    tick = _ticker(progress, run, epochs)
    costs, rates = [], []
    total = 0.0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for i in range(epochs):
            rate = optimizer.learning_rate
            perm = np.random.RandomState(epoch_seed(i)).permutation(m)
            Xs, Ys = X[:, perm], Y[:, perm]
            total = 0.0
            for k in range(0, m, batch_size):
                total += engine.forward_backward(Xs[:, k:k + batch_size], Ys[:, k:k + batch_size])
                optimizer.update(grads, state, params)
            if i % cost_every == 0:
                costs.append(total / m)
                rates.append(rate)
            if schedule is not None:
                optimizer.learning_rate = schedule(lr0, i)
            if on_epoch is not None:
                on_epoch(i, total / m)
            tick(i + 1)
    return costs, rates, total / m


def full_cost(engine, X, Y):
    """The mean loss over all of X at the current parameters (one forward pass, no dropout)."""
    return compute_cost(engine.predict_output(X), Y, engine.loss.name)


def grid_predictor(engine):
    """A function ``(points (k, 2) rows) -> class per row`` for decision-boundary plots."""
    def predict(points):
        AL = engine.predict_output(np.ascontiguousarray(points.T))
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
