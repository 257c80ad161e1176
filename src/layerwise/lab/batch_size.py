"""Experiment 6: batch gradient descent vs mini-batches vs stochastic gradient descent.

Equal epochs (passes over the data), one learning rate for all: the cost of
the whole training set after every epoch, against epochs and against the
wall-clock time spent in training (evaluation not counted).
"""

from __future__ import annotations

import os
import time

import numpy as np

from ..initializers import initialize_parameters_deep
from ..optimizers import GradientDescent
from .common import Result, Table, binary_accuracy, fmt, full_cost, make_engine, run_record

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


def train(engine, X, Y, batch_size, epochs, seed, tick):
    """Mini-batch GD; returns costs after epochs 0..epochs (0 = before training) and times."""
    m = X.shape[1]
    optimizer = GradientDescent(LEARNING_RATE)
    params, grads = engine.flat_params, engine.flat_grads
    state = optimizer.init(params)
    costs, seconds, spent = [full_cost(engine, X, Y)], [0.0], 0.0
    for epoch in range(epochs):
        start = time.perf_counter()
        perm = np.random.RandomState(seed + epoch).permutation(m)
        Xs, Ys = X[:, perm], Y[:, perm]
        for k in range(0, m, batch_size):
            engine.forward_backward(Xs[:, k:k + batch_size], Ys[:, k:k + batch_size])
            optimizer.update(grads, state, params)
        spent += time.perf_counter() - start
        costs.append(full_cost(engine, X, Y))
        seconds.append(spent)
        tick(epoch + 1)
    return costs, seconds


def run(ctx):
    """Run the experiment (see the module docstring)."""
    epochs = QUICK_EPOCHS if ctx.quick else EPOCHS
    X, Y, Xt, Yt = load_data(ctx.seed)
    runs = {}
    for name, batch_size in RUNS.items():
        params = initialize_parameters_deep(LAYER_DIMS, "he",
                                            rng=np.random.RandomState(7 + ctx.seed))
        engine = make_engine(LAYER_DIMS, ACTIVATIONS, params)
        ctx.progress(name, 0, epochs)
        costs, seconds = train(engine, X, Y, batch_size, epochs, 2000 + ctx.seed,
                               lambda e, n=name: ctx.progress(n, e, epochs))
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
        series = lambda xkey: [{"label": f"{n} ({r['batch_size']})",  # noqa: E731
                                "x": (np.arange(len(r["costs"])) if xkey == "epoch"
                                      else r["seconds"]), "y": r["costs"], "marker": "."}
                               for n, r in runs.items()]
        plots.curves(os.path.join(ctx.out_dir, path), [
            {"title": "Cost against epochs", "xlabel": "epoch", "ylabel": "training-set cost",
             "series": series("epoch"), "logy": True},
            {"title": "Cost against training time", "xlabel": "seconds spent training",
             "ylabel": "training-set cost", "series": series("time"), "logy": True}])
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
    per_update = {n: r["seconds"][-1] / r["updates"] * 1e6 for n, r in runs.items()}
    lines.append(f"Per epoch, stochastic GD costs {s['seconds'][-1] / epochs * 1e3:.1f} ms against "
                 f"{b['seconds'][-1] / epochs * 1e3:.2f} ms for batch GD: one update takes "
                 f"{per_update['stochastic']:.0f} us on 1 example vs {per_update['batch']:.0f} us "
                 f"on {b['batch_size']} -- vectorisation makes large batches nearly free per "
                 "example.")
    mid = {n: r for n, r in runs.items() if n.startswith("minibatch")}
    good = min(mid, key=lambda n: mid[n]["final_cost"])
    lines.append(f"Mini-batches sit in between: many updates per epoch at vectorised speed "
                 f"({good} reaches {runs[good]['final_cost']:.3f} in "
                 f"{runs[good]['seconds'][-1]:.2f} s of training), which is why they are the "
                 "default.")
    return lines
