"""Experiment 10: a 3-class spiral with a softmax output.

Three interleaved spiral arms in the plane. A linear softmax classifier
(no hidden layer) against a net with two ReLU hidden layers, both trained with
Adam on mini-batches and the categorical cross-entropy.
"""

from __future__ import annotations

import os

import numpy as np

from ..data import one_hot
from ..initializers import initialize_parameters_deep
from ..training import TrainConfig
from .common import (Result, Table, class_accuracy, fmt, full_cost, grid_predictor, make_network,
                     run_record, train_mini_batches)

NAME = "softmax"
TITLE = "Softmax: three spiral arms"

N_PER_CLASS, N_CLASSES = 100, 3
RUNS = {"linear": [2, 3], "deep": [2, 32, 32, 3]}
LEARNING_RATE, BATCH_SIZE = 0.01, 32
EPOCHS, QUICK_EPOCHS = 300, 150


def spirals(n_per_class=N_PER_CLASS, seed=0, noise=0.2):
    """Three spiral arms: X (2, 3n) and integer labels (3n,), RandomState(seed)."""
    rng = np.random.RandomState(seed)
    X, labels = [], []
    for k in range(N_CLASSES):
        r = np.linspace(0.05, 1.0, n_per_class)
        t = np.linspace(4.0 * k, 4.0 * (k + 1), n_per_class)
        t += rng.standard_normal(n_per_class) * noise
        X.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        labels.append(np.full(n_per_class, k))
    return np.ascontiguousarray(np.vstack(X).T), np.concatenate(labels)


def run(ctx):
    """Run the experiment (see the module docstring)."""
    epochs = QUICK_EPOCHS if ctx.quick else EPOCHS
    X, labels = spirals(seed=60 + ctx.seed)
    Xt, labels_t = spirals(seed=61 + ctx.seed)
    Y = one_hot(labels, N_CLASSES)
    runs, engines = {}, {}
    for name, dims in RUNS.items():
        params = initialize_parameters_deep(dims, "he", rng=np.random.RandomState(13 + ctx.seed))
        acts = ["relu"] * (len(dims) - 2) + ["softmax"]
        engine = make_network(dims, acts, params, loss="categorical_cross_entropy")
        config = TrainConfig(optimizer="adam", learning_rate=LEARNING_RATE, epochs=epochs,
                             batch_size=BATCH_SIZE, shuffle_seed=3000 + ctx.seed)
        costs, _, last = train_mini_batches(engine, X, Y, config, run=name, progress=ctx.progress,
                                            cost_every=5)
        predicted = np.argmax(engine.forward_output(Xt), axis=0)
        per_class = [float(np.mean(predicted[labels_t == k] == k)) for k in range(N_CLASSES)]
        runs[name] = run_record(costs=costs, cost_every=5, final_cost=full_cost(engine, X, Y),
                                train_accuracy=class_accuracy(engine, X, labels),
                                test_accuracy=class_accuracy(engine, Xt, labels_t),
                                layer_dims=dims, test_accuracy_per_class=per_class)
        engines[name] = engine
    setup = {
        "data": f"3 spiral arms, {N_PER_CLASS} points each, angle noise 0.2; training set from "
                f"RandomState({60 + ctx.seed}), test set from RandomState({61 + ctx.seed})",
        "runs": {n: {"layer_dims": d, "activations": ["relu"] * (len(d) - 2) + ["softmax"]}
                 for n, d in RUNS.items()},
        "init": f"he from RandomState({13 + ctx.seed})",
        "loss": "categorical cross-entropy on one-hot labels",
        "optimizer": f"Adam, learning rate {LEARNING_RATE}, batches of {BATCH_SIZE}, shuffled "
                     f"with RandomState({3000 + ctx.seed} + epoch)",
        "epochs": epochs,
        "cost": "epoch cost every 5 epochs; final_cost = mean loss on the training set at the end",
    }
    table = Table(["net", "layer dims", "final cost", "train acc", "test acc",
                   "test acc per class"])
    for name, rec in runs.items():
        table.rows.append([name, str(rec["layer_dims"]), fmt(rec["final_cost"]),
                           fmt(rec["train_accuracy"]), fmt(rec["test_accuracy"]),
                           " / ".join(f"{a:.2f}" for a in rec["test_accuracy_per_class"])])
    figures = []
    if os.path.isdir(ctx.out_dir):
        from .. import plots

        panels = [{"title": f"{n} {RUNS[n]}\ntrain {r['train_accuracy']:.3f}, test "
                            f"{r['test_accuracy']:.3f} (test points shown)",
                   "predict": grid_predictor(engines[n]), "X": Xt.T, "labels": labels_t,
                   "X_extent": X.T} for n, r in runs.items()]
        regions = "softmax_regions.png"
        plots.decision_boundaries(os.path.join(ctx.out_dir, regions), panels,
                                  class_names=["arm 0", "arm 1", "arm 2"],
                                  suptitle="Decision regions of a softmax output")
        costs = "softmax_costs.png"
        plots.curves(os.path.join(ctx.out_dir, costs), [
            {"title": "Epoch cost (categorical cross-entropy)", "xlabel": "epoch",
             "ylabel": "cost", "logy": True,
             "series": [{"label": f"{n} {RUNS[n]}", "x": np.arange(len(r["costs"])) * 5,
                         "y": r["costs"]} for n, r in runs.items()]}])
        figures = [(regions, "Decision regions (argmax of the softmax) with the test points."),
                   (costs, "Training cost every 5 epochs.")]
    return Result(setup=setup, runs=runs, table=table, figures=figures, reading=_reading(runs))


def _reading(runs):
    lin, deep = runs["linear"], runs["deep"]
    lines = [f"A linear softmax can only cut the plane into three convex wedges: "
             f"{lin['test_accuracy']:.1%} test accuracy (chance is 33 %).",
             f"Two hidden ReLU layers bend the regions along the arms: "
             f"{deep['train_accuracy']:.1%} train, {deep['test_accuracy']:.1%} test."]
    if deep["test_accuracy"] <= lin["test_accuracy"]:
        lines.append("Unexpectedly, the deep net does not beat the linear one here.")
    return lines
