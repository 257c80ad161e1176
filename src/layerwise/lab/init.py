"""Experiment 1: zeros vs random x10 vs He initialisation (the course's protocol).

make_circles(n_samples=300, noise=.05) from RandomState(1) for training and
(100, RandomState(2)) for test; net [2, 10, 5, 1] relu-relu-sigmoid; weights
from RandomState(3); batch gradient descent, learning rate 0.01, 15 000
iterations. The course's init_utils folds 1/m into the output dZ, hence
``mean_in_delta=True``.
"""

from __future__ import annotations

import os

import numpy as np

from ..initializers import initialize_parameters_deep
from ..training import TrainConfig
from .agreement import annotate, on_purpose, summary
from .common import (Result, Table, binary_accuracy, fmt, grid_predictor, make_network,
                     run_record, train_full_batch)

NAME = "init"
TITLE = "Initialisation: zeros vs random x10 vs He"

LAYER_DIMS = [2, 10, 5, 1]
ACTIVATIONS = ["relu", "relu", "sigmoid"]
RUNS = {"zeros": ("zeros", {}, "zeros"), "random": ("random", {"scale": 10}, "random x10"),
        "he": ("he", {}, "He")}
ITERATIONS, QUICK_ITERATIONS = 15000, 6000
LEARNING_RATE = 0.01
#: The course's printed numbers (numpy 2.4 series; see the notes' course_numbers.md).
PUBLISHED = {
    "zeros": {"costs": {1000: 0.6931471805599453, 14000: 0.6931471805599453},
              "train_accuracy": 0.5, "test_accuracy": 0.5},
    "random": {"costs": {1000: 0.6247924745506072, 7000: 0.47157999220550006,
                         14000: 0.38276694641706693},
               "train_accuracy": 0.83, "test_accuracy": 0.86},
    "he": {"costs": {0: 0.8830537463419761, 1000: 0.6879825919728063, 7000: 0.31178034648444414,
                     14000: 0.07357895962677363},
           "train_accuracy": 0.9933333333333333, "test_accuracy": 0.96},
}


def load_circles(seed=0):
    """The course's circles: (X_train (2, 300), Y_train, X_test (2, 100), Y_test)."""
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=300, noise=.05, random_state=np.random.RandomState(1 + seed))
    Xt, yt = make_circles(n_samples=100, noise=.05, random_state=np.random.RandomState(2 + seed))
    return (np.ascontiguousarray(X.T), y.reshape(1, -1).astype(float),
            np.ascontiguousarray(Xt.T), yt.reshape(1, -1).astype(float))


def run(ctx):
    """Run the experiment (see the module docstring)."""
    iterations = QUICK_ITERATIONS if ctx.quick else ITERATIONS
    X, Y, Xt, Yt = load_circles(ctx.seed)
    runs, engines = {}, {}
    for name, (method, kwargs, _) in RUNS.items():
        params = initialize_parameters_deep(LAYER_DIMS, method,
                                            rng=np.random.RandomState(3 + ctx.seed), **kwargs)
        engine = make_network(LAYER_DIMS, ACTIVATIONS, params)
        config = TrainConfig(optimizer="gd", learning_rate=LEARNING_RATE, epochs=iterations,
                             mean_in_output_delta=True)
        costs, final = train_full_batch(engine, X, Y, config, run=name, progress=ctx.progress)
        runs[name] = run_record(costs=costs, final_cost=final,
                                train_accuracy=binary_accuracy(engine, X, Y),
                                test_accuracy=binary_accuracy(engine, Xt, Yt))
        engines[name] = engine
    setup = {
        "data": f"make_circles(n_samples=300, noise=.05) from RandomState({1 + ctx.seed}) for "
                f"training; make_circles(n_samples=100, noise=.05) from "
                f"RandomState({2 + ctx.seed}) for test",
        "layer_dims": LAYER_DIMS, "activations": ACTIVATIONS,
        "init": f"zeros; random: randn x 10; he: randn x sqrt(2 / n_prev); weights drawn from "
                f"RandomState({3 + ctx.seed}), W1 first; biases 0",
        "optimizer": f"batch gradient descent, learning rate {LEARNING_RATE}",
        "iterations": iterations,
        "gradient_scaling": "1/m folded into the output dZ (the course's init_utils)",
        "cost": "1/m sum of binary cross-entropy losses on the forward pass before each update; "
                "probabilities clipped to [tiny, 1 - eps] so the cost stays finite",
    }
    extra = {}
    if ctx.seed == 0 and not ctx.quick:
        extra["published_comparison"] = _compare(runs)
    table = Table(["run", "cost at it. 0", "final cost", "train acc", "test acc"])
    for name, rec in runs.items():
        table.rows.append([RUNS[name][2], fmt(rec["costs"][0]), fmt(rec["final_cost"]),
                           fmt(rec["train_accuracy"]), fmt(rec["test_accuracy"])])
    figures = _figures(ctx, runs, engines, X, Y, Xt) if os.path.isdir(ctx.out_dir) else []
    return Result(setup=setup, runs=runs, table=table, figures=figures,
                  reading=_reading(runs, extra), extra=extra)


def _compare(runs):
    rows = [on_purpose({"run": "random", "what": "cost at iteration 0", "published": "inf",
                        "ours": runs["random"]["costs"][0]},
                       "the course prints inf where its log hits 0; layerwise clips "
                       "probabilities, so its cost is finite")]
    for name, pub in PUBLISHED.items():
        for it, value in pub["costs"].items():
            rows.append(annotate({"run": name, "what": f"cost at iteration {it}",
                                  "published": value, "ours": runs[name]["costs"][it // 100]},
                                 f"init.{name}.cost@{it}"))
        for key in ("train_accuracy", "test_accuracy"):
            rows.append(annotate({"run": name, "what": key, "published": pub[key],
                                  "ours": runs[name][key]}, f"init.{name}.{key}"))
    return rows


def _figures(ctx, runs, engines, X, Y, Xt):
    from .. import plots

    series = [{"label": RUNS[n][2], "x": np.arange(len(r["costs"])) * r["cost_every"],
               "y": r["costs"]} for n, r in runs.items()]
    cost_file = "init_costs.png"
    plots.curves(os.path.join(ctx.out_dir, cost_file), [
        {"title": "Training cost by initialisation", "xlabel": "iteration",
         "ylabel": "cost (log scale)", "series": series, "logy": True}])
    panels = [{"title": f"{RUNS[n][2]}: train {r['train_accuracy']:.2f}, test "
                        f"{r['test_accuracy']:.2f}",
               "predict": grid_predictor(engines[n]), "X": X.T, "labels": Y[0]}
              for n, r in runs.items()]
    boundary_file = "init_boundaries.png"
    plots.decision_boundaries(os.path.join(ctx.out_dir, boundary_file), panels,
                              suptitle="Decision boundaries after training (training set)")
    return [(cost_file, "Cost every 100 iterations for the three initialisations (log scale). "
                        "Random x10 starts with a huge (finite) cost where the course printed "
                        "inf."),
            (boundary_file, "What each network learned, with the training points on top.")]


def _reading(runs, extra):
    z, r, h = runs["zeros"], runs["random"], runs["he"]
    lines = []
    if z["train_accuracy"] == 0.5 and max(z["costs"]) - min(z["costs"]) < 1e-9:
        lines.append(f"Zeros never break symmetry: the cost stays at {z['costs'][0]:.6f} "
                     "(= ln 2) and the net predicts one class, 50 % on both sets.")
    else:
        lines.append(f"Zeros: train {z['train_accuracy']:.1%}, test {z['test_accuracy']:.1%}.")
    lines.append(f"Random x10 starts with a huge cost ({r['costs'][0]:.2f}; the course prints inf "
                 "because its log hits 0 -- layerwise clips probabilities, so the cost is finite) "
                 f"and ends at {r['final_cost']:.4f}: {r['train_accuracy']:.1%} train, "
                 f"{r['test_accuracy']:.1%} test.")
    better = h["test_accuracy"] > r["test_accuracy"]
    lines.append(f"He reaches {h['final_cost']:.4f} with {h['train_accuracy']:.1%} train and "
                 f"{h['test_accuracy']:.1%} test accuracy"
                 + (", the best of the three, as the notes claim." if better else
                    "; contrary to the notes, it does not beat random x10 on the test set here."))
    if "published_comparison" in extra:
        lines.append(summary(extra["published_comparison"]))
    return lines
