"""Experiment 6: batch gradient descent vs mini-batches vs stochastic gradient descent.

Equal epochs (passes over the data), one learning rate for all: the cost of
the whole training set after every epoch, against epochs and against the
wall-clock time spent in training (evaluation not counted).
"""

from __future__ import annotations

import os

import numpy as np

from ..initializers import initialize_parameters_deep
from ..network import Network
from ..training import Callback, TrainConfig
from .common import (Result, Table, binary_accuracy, fmt, full_cost, make_network, run_record,
                     train)

NAME = "batch-size"
TITLE = "Batch size: batch GD vs mini-batches vs stochastic"

LAYER_DIMS = [2, 16, 8, 1]
ACTIVATIONS = ["relu", "relu", "sigmoid"]
M_TRAIN = 512
RUNS = {"batch": M_TRAIN, "minibatch_256": 256, "minibatch_128": 128, "minibatch_64": 64,
        "stochastic": 1}
LEARNING_RATE = 0.05
EPOCHS, QUICK_EPOCHS = 30, 10


def load_data(seed=0):
    """make_moons: 512 training points (RandomState(30 + seed)), 256 test (31 + seed)."""
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=M_TRAIN, noise=.2, random_state=np.random.RandomState(30 + seed))
    Xt, yt = make_moons(n_samples=256, noise=.2, random_state=np.random.RandomState(31 + seed))
    return (np.ascontiguousarray(X.T), y.reshape(1, -1).astype(float),
            np.ascontiguousarray(Xt.T), yt.reshape(1, -1).astype(float))


class _FullCost(Callback):
    """The cost of the whole training set after every epoch (off the update clock)."""

    def __init__(self, X, Y):
        self.X, self.Y, self.costs = X, Y, []

    def on_epoch_end(self, trainer, epoch, logs):
        self.costs.append(full_cost(trainer.network, self.X, self.Y))
        return False


def train_run(net, X, Y, batch_size, epochs, seed, progress, run):
    """Mini-batch GD; returns costs after epochs 0..epochs (0 = before training) and times.

    The times count updates only (``History.seconds``); a one-epoch warm-up on
    a copy of the network runs first, so that the first timed epoch does not
    pay for NumPy's and the BLAS's first calls.
    """
    config = TrainConfig(optimizer="gd", learning_rate=LEARNING_RATE, epochs=epochs,
                         batch_size=batch_size, shuffle_seed=seed)
    warm_up = Network.from_spec(net.spec(), net.flat_parameters)
    train(warm_up, X, Y, config.replace(epochs=1))
    recorder = _FullCost(X, Y)
    initial = full_cost(net, X, Y)
    history = train(net, X, Y, config, run=run, progress=progress, callbacks=[recorder]).history
    return [initial, *recorder.costs], [0.0, *np.cumsum(history.seconds).tolist()]


def run(ctx):
    """Run the experiment (see the module docstring)."""
    epochs = QUICK_EPOCHS if ctx.quick else EPOCHS
    X, Y, Xt, Yt = load_data(ctx.seed)
    runs = {}
    for name, batch_size in RUNS.items():
        params = initialize_parameters_deep(LAYER_DIMS, "he",
                                            rng=np.random.RandomState(7 + ctx.seed))
        engine = make_network(LAYER_DIMS, ACTIVATIONS, params)
        costs, seconds = train_run(engine, X, Y, batch_size, epochs, 2000 + ctx.seed,
                                   ctx.progress, name)
        runs[name] = run_record(costs=costs, cost_every=1, final_cost=costs[-1],
                                train_accuracy=binary_accuracy(engine, X, Y),
                                test_accuracy=binary_accuracy(engine, Xt, Yt),
                                batch_size=batch_size, updates=epochs * -(-M_TRAIN // batch_size),
                                seconds=seconds)
    setup = {
        "data": f"make_moons(n_samples={M_TRAIN}, noise=.2) from RandomState({30 + ctx.seed}) for "
                f"training, (256, RandomState({31 + ctx.seed})) for test",
        "layer_dims": LAYER_DIMS, "activations": ACTIVATIONS,
        "init": f"he from RandomState({7 + ctx.seed}) (the same weights for every run)",
        "optimizer": f"gradient descent, learning rate {LEARNING_RATE} for every batch size",
        "batch_sizes": RUNS, "epochs": epochs,
        "shuffle": f"epoch e permutes with RandomState({2000 + ctx.seed} + e)",
        "cost": "mean loss over the whole training set after each epoch (costs[0] = before "
                "training); seconds = time spent in training steps only",
    }
    table = Table(["run", "batch size", "updates", "final cost", "train acc", "test acc",
                   "train seconds"])
    for name, rec in runs.items():
        table.rows.append([name, rec["batch_size"], rec["updates"], fmt(rec["final_cost"]),
                           fmt(rec["train_accuracy"]), fmt(rec["test_accuracy"]),
                           f"{rec['seconds'][-1]:.3f}"])
    figures = []
    if os.path.isdir(ctx.out_dir):
        from .. import plots

        path = "batch_size_costs.png"
        by_epoch = [{"label": f"{n} ({r['batch_size']})", "x": np.arange(len(r["costs"])),
                     "y": r["costs"], "marker": "."} for n, r in runs.items()]
        # from the end of epoch 1 on, so that time can be on a log axis
        by_time = [{**s, "x": r["seconds"][1:], "y": r["costs"][1:]}
                   for s, r in zip(by_epoch, runs.values())]
        plots.curves(os.path.join(ctx.out_dir, path), [
            {"title": "Cost against epochs", "xlabel": "epoch", "ylabel": "training-set cost",
             "series": by_epoch, "logy": True, "legend": False},
            {"title": "Cost against training time (from epoch 1)",
             "xlabel": "seconds spent training (log scale)", "ylabel": "training-set cost",
             "series": by_time, "logy": True, "logx": True, "legend_loc": "upper right"}])
        figures.append((path, "Training-set cost after each epoch, against epochs (left) and "
                              "against the wall-clock time spent in training (right)."))
    return Result(setup=setup, runs=runs, table=table, figures=figures,
                  reading=_reading(runs, epochs))


def _reading(runs, epochs):
    best = min(runs, key=lambda n: runs[n]["final_cost"])
    b, s = runs["batch"], runs["stochastic"]
    lines = [f"After {epochs} epochs at learning rate {LEARNING_RATE}, batch GD (one update per "
             f"epoch, {b['updates']} in all) is still at cost {b['final_cost']:.3f}, while "
             f"stochastic GD ({s['updates']} updates) is at {s['final_cost']:.3f}; the lowest "
             f"cost is {best}'s ({runs[best]['final_cost']:.3f})."]
    # Medians of the epochs' times: one epoch slowed by another process on the machine
    # would otherwise inflate the mean (the first epoch no longer pays a cold start: a
    # warm-up epoch on a copy of the network runs before the timed ones).
    per_epoch = {n: float(np.median(np.diff(r["seconds"]))) for n, r in runs.items()}
    per_update = {n: per_epoch[n] / (r["updates"] / epochs) * 1e6 for n, r in runs.items()}
    lines.append(f"Per epoch (median), stochastic GD takes {per_epoch['stochastic'] * 1e3:.1f} ms "
                 f"against {per_epoch['batch'] * 1e3:.2f} ms for batch GD: one update takes "
                 f"{per_update['stochastic']:.0f} us on 1 example vs {per_update['batch']:.0f} us "
                 f"on {b['batch_size']} -- vectorisation makes large batches nearly free per "
                 "example.")
    target = b["final_cost"]
    reach = {n: time_to(r, target) for n, r in runs.items()}
    parts = [f"{n} {reach[n] * 1e3:.1f} ms" for n in runs if reach[n] is not None]
    lines.append(f"Training time needed to get down to batch GD's final cost ({target:.3f}, "
                 "checked at the end of each epoch): " + ", ".join(parts) + ".")
    fastest = min((n for n in runs if reach[n] is not None), key=lambda n: reach[n])
    if fastest.startswith("minibatch"):
        lines.append(f"Mini-batches win on the clock ({fastest} is fastest), as the notes say: "
                     "many updates per epoch, each at vectorised speed.")
    else:
        lines.append(f"Here {fastest} is fastest on the clock, not a mini-batch size as the notes "
                     "suggest; at this scale the per-update overhead is small enough.")
    return lines


def time_to(record, target):
    """Training seconds until the recorded cost first drops to ``target`` (None if never)."""
    for cost, seconds in zip(record["costs"], record["seconds"]):
        if cost is not None and cost <= target:
            return seconds
    return None
