"""Experiment 2: no regularisation vs L2 vs inverted dropout (the course's protocol).

Net [n_x, 20, 3, 1] relu-relu-sigmoid, Xavier weights from RandomState(3),
batch gradient descent with learning rate 0.3 for 30 000 iterations; L2 with
lambd 0.7; dropout with keep_prob 0.86 on both hidden layers. The course's
reg_utils applies 1/m to each gradient (the engine's default).

The course's dropout forward starts with ``np.random.seed(1)``, so every
iteration draws the *same* masks; the lab reproduces that by handing a fresh
``RandomState(1)`` to every forward pass.
"""

from __future__ import annotations

import os

import numpy as np

from ..initializers import initialize_parameters_deep
from ..training import TrainConfig
from .agreement import annotate, summary
from .common import (Result, Table, binary_accuracy, fmt, grid_predictor,
                     make_network, run_record, train_full_batch)
from .data import football

NAME = "regularization"
TITLE = "Regularisation: none vs L2 vs dropout"

RUNS = {
    "none": {"lambd": 0.0, "keep_prob": None, "label": "no regularisation"},
    "l2": {"lambd": 0.7, "keep_prob": None, "label": "L2, lambd = 0.7"},
    "dropout": {"lambd": 0.0, "keep_prob": [0.86, 0.86], "label": "dropout, keep_prob = 0.86"},
}
HIDDEN = [20, 3]
LEARNING_RATE = 0.3
ITERATIONS, QUICK_ITERATIONS = 30000, 10000
DATA_SEED = 42
PUBLISHED = {  # the course's data.mat, full budget
    "none": {"train_accuracy": 0.9478672985781991, "test_accuracy": 0.915,
             "costs": {0: 0.6557412523481002, 10000: 0.16329987525724216,
                       20000: 0.13851642423255986}},
    "l2": {"train_accuracy": 0.9383886255924171, "test_accuracy": 0.93,
           "costs": {0: 0.6974484493131264, 10000: 0.2684918873282239, 20000: 0.2680916337127301}},
    "dropout": {"train_accuracy": 0.9289099526066351, "test_accuracy": 0.95,
                "costs": {0: 0.6543912405149825, 10000: 0.0610169865749056,
                          20000: 0.060582435798513114}},
}


def is_course_data(X_train, Y_train, X_test, Y_test):
    """True for the course's data.mat (recognised by its shapes, sums and label counts)."""
    return (X_train.shape == (2, 211) and X_test.shape == (2, 200)
            and np.isclose(X_train.sum(), -40.087648097999995, rtol=1e-12, atol=0)
            and np.isclose(X_test.sum(), -37.94197603129829, rtol=1e-12, atol=0)
            and int(Y_train.sum()) == 106 and int(Y_test.sum()) == 87)


def train_runs(X_train, Y_train, X_test, Y_test, iterations, *, seed=0, progress=None):
    """Train the three runs; returns ``{run: (record, engine)}``."""
    dims = [X_train.shape[0], *HIDDEN, 1]
    out = {}
    for name, spec in RUNS.items():
        params = initialize_parameters_deep(dims, "xavier", rng=np.random.RandomState(3 + seed))
        engine = make_network(dims, ["relu", "relu", "sigmoid"], params)
        # A fresh RandomState(1) per forward pass = the course's np.random.seed(1) per call.
        config = TrainConfig(optimizer="gd", learning_rate=LEARNING_RATE, epochs=iterations,
                             lambd=spec["lambd"], keep_prob=spec["keep_prob"] or 1.0,
                             dropout_seed=1 + seed if spec["keep_prob"] else None)
        kwargs = {"progress": progress} if progress else {}
        costs, final = train_full_batch(engine, X_train, Y_train, config, run=name, **kwargs)
        record = run_record(costs=costs, final_cost=final,
                            train_accuracy=binary_accuracy(engine, X_train, Y_train),
                            test_accuracy=binary_accuracy(engine, X_test, Y_test))
        out[name] = (record, engine)
    return out


def _published_rows(runs, iterations):
    rows = []
    for name, pub in PUBLISHED.items():
        rec = runs[name]
        for it, value in pub["costs"].items():
            if it < iterations:
                rows.append(annotate({"run": name, "what": f"cost at iteration {it}",
                                      "published": value, "ours": rec["costs"][it // 100]},
                                     f"regularization.{name}.cost@{it}"))
        for key in ("train_accuracy", "test_accuracy"):
            rows.append(annotate({"run": name, "what": key, "published": pub[key],
                                  "ours": rec[key]}, f"regularization.{name}.{key}"))
    return rows


def run(ctx):
    """Run the experiment (see the module docstring)."""
    iterations = QUICK_ITERATIONS if ctx.quick else ITERATIONS
    if ctx.data is not None:
        d = ctx.data
        X_train, Y_train, X_test, Y_test = d["X_train"], d["Y_train"], d["X_test"], d["Y_test"]
        source = f"--data {d['name']}"
    else:
        X_train, Y_train, X_test, Y_test = football(seed=DATA_SEED + ctx.seed)
        source = (f"built-in: layerwise.lab.data.football(n_train=200, n_test=200, "
                  f"seed={DATA_SEED + ctx.seed})")
    trained = train_runs(X_train, Y_train, X_test, Y_test, iterations, seed=ctx.seed,
                         progress=ctx.progress)
    runs = {name: rec for name, (rec, _) in trained.items()}

    setup = {
        "data": source,
        "n_train": int(X_train.shape[1]), "n_test": int(X_test.shape[1]),
        "layer_dims": [int(X_train.shape[0]), *HIDDEN, 1],
        "activations": ["relu", "relu", "sigmoid"],
        "init": f"xavier (randn / sqrt(n_prev)) from RandomState({3 + ctx.seed})",
        "optimizer": f"batch gradient descent, learning rate {LEARNING_RATE}",
        "iterations": iterations,
        "l2": "lambd 0.7: cost + lambd/(2m) sum ||W||^2, dW += lambd/m W",
        "dropout": (f"inverted dropout, keep_prob 0.86 on both hidden layers; masks drawn as by a "
                    f"fresh RandomState({1 + ctx.seed}) at every forward pass, so every iteration "
                    "uses the same masks (the course calls np.random.seed(1) inside its dropout "
                    "forward)"),
        "gradient_scaling": "1/m applied to each dW, db (the course's reg_utils)",
        "cost": "1/m sum of losses (+ L2 term), on the forward pass before each update; "
                "for dropout the dropped-out forward pass",
    }
    table = Table(["run", "final cost", "train acc", "test acc", "train - test"])
    for name, rec in runs.items():
        table.rows.append([RUNS[name]["label"], fmt(rec["final_cost"]), fmt(rec["train_accuracy"]),
                           fmt(rec["test_accuracy"]),
                           fmt(rec["train_accuracy"] - rec["test_accuracy"])])
    extra = {}
    course_data = ctx.data is not None and is_course_data(X_train, Y_train, X_test, Y_test)
    if course_data and not ctx.quick and ctx.seed == 0:
        extra["published_comparison"] = _published_rows(runs, iterations)

    figures = []
    if os.path.isdir(ctx.out_dir):
        figures = _figures(ctx, trained, X_train, Y_train, X_test, Y_test, iterations)
    return Result(setup=setup, runs=runs, table=table, figures=figures,
                  reading=_reading(runs, extra), extra=extra)


def _figures(ctx, trained, X_train, Y_train, X_test, Y_test, iterations):
    from .. import plots

    # Each curve ends at the final cost the table reports (after the last update), so the
    # figure and the table agree even where the cost still oscillates between samples.
    series = []
    for n, (rec, _) in trained.items():
        x, y = list(np.arange(len(rec["costs"])) * rec["cost_every"]), list(rec["costs"])
        if rec["final_cost"] is not None:
            x, y = x + [iterations], y + [rec["final_cost"]]
        series.append({"label": RUNS[n]["label"], "x": x, "y": y})
    cost_file = "regularization_costs.png"
    plots.curves(os.path.join(ctx.out_dir, cost_file), [
        {"title": "Training cost (the objective each run minimises)", "xlabel": "iteration",
         "ylabel": "cost", "series": series, "logy": True}])
    figures = [(cost_file, "Training cost of each run, every 100 iterations and after the last "
                "update (the table's final cost; log scale). "
                "The L2 run's cost includes its penalty; the dropout run's is that of the "
                "dropped-out network.")]
    if X_train.shape[0] == 2:
        panels = []
        for n, (rec, engine) in trained.items():
            panels.append({"title": f"{RUNS[n]['label']}\ntrain {rec['train_accuracy']:.3f}, "
                                    f"test {rec['test_accuracy']:.3f}",
                           "predict": grid_predictor(engine), "X": X_train.T,
                           "labels": Y_train[0], "X_extent": np.hstack([X_train, X_test]).T})
        train_file = "regularization_boundaries_train.png"
        plots.decision_boundaries(os.path.join(ctx.out_dir, train_file), panels,
                                  suptitle="Decision boundaries with the training set")
        for p in panels:
            p["X"], p["labels"] = X_test.T, Y_test[0]
        test_file = "regularization_boundaries_test.png"
        plots.decision_boundaries(os.path.join(ctx.out_dir, test_file), panels,
                                  suptitle="The same boundaries with the test set")
        figures += [(train_file, "Decision boundaries after training, training points on top."),
                    (test_file, "The same boundaries with the held-out test points.")]
    return figures


def _reading(runs, extra):
    none, l2, drop = runs["none"], runs["l2"], runs["dropout"]
    gap = {n: r["train_accuracy"] - r["test_accuracy"] for n, r in runs.items()}
    lines = [f"Without regularisation the net reaches {none['train_accuracy']:.1%} on the training "
             f"set and {none['test_accuracy']:.1%} on the test set (gap {gap['none']:+.1%})."]
    for n, r in (("l2", l2), ("dropout", drop)):
        verb = "raises test accuracy to" if r["test_accuracy"] > none["test_accuracy"] else (
            "leaves test accuracy at" if r["test_accuracy"] == none["test_accuracy"] else
            "lowers test accuracy to")
        lines.append(f"{RUNS[n]['label'].capitalize()} {verb} {r['test_accuracy']:.1%} (train "
                     f"{r['train_accuracy']:.1%}, gap {gap[n]:+.1%}).")
    if gap["none"] <= max(gap["l2"], gap["dropout"]):
        lines.append("Contrary to the notes' claim, regularisation did not narrow the train/test "
                     "gap here.")
    else:
        lines.append("Both regularisers narrow the train/test gap, as the notes claim: they give "
                     "up some training accuracy for a smoother boundary.")
    if "published_comparison" in extra:
        sentence = summary(extra["published_comparison"])
        lines.append("On the course's data.mat, " + sentence[0].lower() + sentence[1:])
    return lines
