"""``layerwise train DATA --target COLUMN``: fit a network on a CSV or ``.npz`` file.

Features are standardised with the training rows' statistics (kept in the
model file), labels are encoded, a validation split is held out for early
stopping and reporting, and the model plus a training-curve PNG are written.
"""

from __future__ import annotations

import argparse
import math
import os
import time
import warnings

from .._checks import format_bytes, physical_memory
from ..errors import CLIError, raise_if_stop_requested
from ..model_metadata import MAX_FILE_PARAMETERS, parameter_count
from ..training import TrainConfig, TrainingDivergedError
from ._common import MAX_AUTO_CLASSES, add_table_options, choose_task, read_table


def add_parser(subparsers):
    """Register ``train``."""
    p = subparsers.add_parser(
        "train", help="train a network on a CSV, TSV, Parquet, Feather or .npz file",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Train a deep network on DATA: a table with a header row (CSV with its "
                    "delimiter sniffed, TSV, Parquet, Feather) or an .npz with arrays X, y and "
                    "optional feature_names. Task 'auto': classification if the target has a "
                    "non-numeric value, or only integer values with at most "
                    f"{MAX_AUTO_CLASSES} distinct ones; regression otherwise.")
    p.add_argument("data", help="CSV/TSV/Parquet/Feather file with a header row, or .npz file")
    p.add_argument("--target", help="name of the target column (required except for .npz)")
    p.add_argument("--task", choices=("auto", "classify", "regress"), default="auto",
                   help="classification or regression")
    p.add_argument("--hidden", default="64,32", help="hidden layer sizes, comma-separated")
    p.add_argument("--activation", default="relu",
                   help="hidden activation(s): one name or one per layer, comma-separated")
    p.add_argument("--epochs", type=int, default=200, help="maximum epochs")
    p.add_argument("--optimizer", choices=("adam", "gd", "momentum", "rmsprop"), default="adam",
                   help="optimizer")
    p.add_argument("--learning-rate", type=float, default=None,
                   help="learning rate (None: the optimizer's own, 0.001 for adam, 0.01 otherwise)")
    p.add_argument("--batch-size", type=int, default=64, help="mini-batch size")
    p.add_argument("--l2", type=float, default=0.0, help="L2 strength")
    p.add_argument("--validation", type=float, default=0.2,
                   help="fraction of rows held out for validation and early stopping")
    p.add_argument("--patience", type=int, default=20,
                   help="stop after this many epochs without a better validation score "
                        "(accuracy or R²)")
    p.add_argument("--standardize", action=argparse.BooleanOptionalAction, default=True,
                   help="standardise the features (and a regression target) inside the model")
    p.add_argument("--seed", type=int, default=0, help="seed of weights, split and shuffling")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float64",
                   help="floating-point type of the network")
    p.add_argument("--out", default="model.lw",
                   help="model file to write (the curve goes to OUT_curve.png)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_table_options(p)
    p.set_defaults(run=run)
    return p


def _sizes(text):
    try:
        sizes = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise CLIError(f"--hidden must be comma-separated integers like 64,32; got {text!r}") from None
    if not sizes:
        raise CLIError(f"--hidden needs at least one layer size, like 64,32; got {text!r}")
    if any(n < 1 for n in sizes):
        raise CLIError(f"--hidden sizes must be >= 1; got {text!r}")
    return sizes


def _check_resources(hidden, n_features, n_outputs, m, dtype):
    """Refuse, before anything is allocated, a network or target too large for a model file or memory."""
    dims = [n_features, *hidden, n_outputs]
    count = parameter_count(dims)
    itemsize = 4 if dtype == "float32" else 8
    if count > MAX_FILE_PARAMETERS:
        raise CLIError(f"--hidden {','.join(map(str, hidden))} gives a {' -> '.join(map(str, dims))} "
                       f"network of {count:,} parameters ({format_bytes(count * itemsize)}); a "
                       f"model file holds at most {MAX_FILE_PARAMETERS:,}")
    # The widest layer's activations for every row, a few times over (forward and backward).
    needed = 4 * m * max(dims) * itemsize
    memory = physical_memory()
    if memory is not None and needed > memory:
        raise CLIError(f"training a {' -> '.join(map(str, dims))} network on {m:,} rows needs about "
                       f"{format_bytes(needed)}, more than this machine's memory "
                       f"({format_bytes(memory)})")


def curve_path(model_path):
    """Where the training-curve PNG goes: ``model.lw`` -> ``model_curve.png``."""
    root, _ = os.path.splitext(model_path)
    return root + "_curve.png"


def run(args):
    """Train, save the model and its curve, print a summary; returns 0."""
    import numpy as np

    from ..estimators import DeepClassifier, DeepRegressor
    from ..estimators.model_file import MAX_CLASSES
    from ..files import atomic_write, check_output_path

    if not args.data.lower().endswith(".npz") and not args.target:
        raise CLIError("--target COLUMN is required for a CSV file")
    # --epochs, --validation, --l2 ... are checked once, by the estimator's TrainConfig.
    hidden = _sizes(args.hidden)
    acts = [a.strip() for a in args.activation.split(",")]
    activation = acts[0] if len(acts) == 1 else tuple(acts)
    png = curve_path(args.out)
    # Both outputs are checked before anything runs: not an input, not a link or device.
    check_output_path(args.out, inputs=[args.data])
    check_output_path(png, inputs=[args.data, args.out], what="the curve file")
    table = read_table(args.data, args.target, sep=args.sep, decimal=args.decimal)
    task, y = choose_task(table.y, args.task)
    m = table.X.shape[0]
    n_val = math.ceil(args.validation * m)  # as train_test_split rounds
    if m < 10 or n_val < 2:
        raise CLIError(f"{args.data} has {m} rows; training with a validation split needs at "
                       "least 10 rows")
    n_outputs = 1
    if task == "classify":
        classes = np.unique(y)
        if classes.size < 2:
            raise CLIError(f"the target {table.target!r} has a single class {classes[0]!r}; "
                           "nothing to classify")
        if classes.size > MAX_CLASSES:
            raise CLIError(f"the target {table.target!r} has {classes.size:,} distinct classes; "
                           f"at most {MAX_CLASSES:,} (for a numeric target use --task regress)")
        n_outputs = 1 if classes.size == 2 else classes.size
    _check_resources(hidden, table.X.shape[1], n_outputs, m, args.dtype)
    common = dict(hidden_layer_sizes=hidden, activation=activation, optimizer=args.optimizer,
                  learning_rate=args.learning_rate, batch_size=args.batch_size, epochs=args.epochs,
                  l2=args.l2, early_stopping=True, validation_fraction=args.validation,
                  n_iter_no_change=args.patience, standardize=args.standardize, random_state=args.seed,
                  verbose=0 if args.quiet else 1, dtype=args.dtype)
    estimator = DeepClassifier(**common) if task == "classify" else DeepRegressor(**common)
    X = table.X
    start = time.perf_counter()
    try:
        # The estimator's warnings (an interrupt, a budget that ran out) become the
        # summary's words and the exit status, not extra lines on stderr.
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            estimator.fit(X, y)
    except TrainingDivergedError as exc:
        raise CLIError(f"training diverged: {exc}") from None
    raise_if_stop_requested()  # SIGTERM (exit 143) or Ctrl-C during the fit: write nothing
    if estimator.interrupted_:
        # Ctrl-C ended the fit between two updates: nothing is saved, exit 130.
        raise KeyboardInterrupt
    seconds = time.perf_counter() - start
    # The data is no longer needed: released before the curve is drawn, so that
    # plotting (matplotlib's memory) does not come on top of it.
    del X
    table.X = None
    if table.feature_names is not None:
        # Set after fit: the table is a plain array (estimators learn names only from DataFrames).
        estimator.feature_names_in_ = np.asarray(table.feature_names, dtype=object)
    figure = _plot_curve(estimator, task, title=os.path.basename(args.data), l2=args.l2)
    estimator.save(args.out, extra={
        "target": table.target, "task": task, "trained_on": os.path.basename(args.data),
        "n_train": m - n_val, "n_validation": n_val, "fit_seconds": round(seconds, 3)})
    atomic_write(png, figure, what="the curve file")
    _summary(estimator, task, table, args, seconds, png, m)
    return 0


def _plot_curve(estimator, task, title, l2=0.0):
    """The training-curve figure as PNG bytes."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = range(1, len(estimator.loss_curve_) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(epochs, estimator.loss_curve_,
             label="training cost" + (" (with L2 term)" if l2 > 0 else ""))
    if estimator.validation_loss_curve_:
        ax1.plot(epochs, estimator.validation_loss_curve_, label="validation cost")
    best = getattr(estimator, "best_epoch_", None)
    if best is not None:
        for ax in (ax1, ax2):
            ax.axvline(best + 1, color="grey", linestyle=":", label=f"best epoch ({best + 1})")
    ax1.set_yscale("log")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel(f"cost{_cost_units(estimator, task)}, log scale")
    ax1.legend()
    ax1.set_title("cost per epoch")
    metric = "accuracy" if task == "classify" else "R²"
    ax2.plot(epochs, estimator.validation_scores_, color="tab:green", label=f"validation {metric}")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel(f"validation {metric}")
    ax2.set_title(f"validation {metric}")
    ax2.legend(loc="lower right")
    fig.suptitle(f"layerwise train: {title}")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def _cost_units(estimator, task, with_l2=False):
    """What a cost is measured in, for its label: a regression's loss is the MSE
    fitted on the standardised target; a training cost includes the L2 term."""
    parts = ["MSE"] if task == "regress" else []
    if with_l2:
        parts.append("+ L2 term" if parts else "with L2 term")
    if task == "regress" and getattr(estimator, "target_scale_", None) is not None:
        parts[-1] += ","
        parts.append("standardised target")
    return f" ({' '.join(parts)})" if parts else ""


def _summary(estimator, task, table, args, seconds, png, m):
    from rich.console import Console
    from rich.table import Table

    net = estimator.network_
    t = Table(title="layerwise train: summary", show_header=False)
    t.add_column("", style="bold")
    t.add_column("")
    n_val = math.ceil(args.validation * m)  # as train_test_split rounds
    t.add_row("data", f"{args.data}  ({m} rows: {m - n_val} train, {n_val} validation)")
    t.add_row("target", f"{table.target}  -> {task}")
    t.add_row("features", f"{estimator.n_features_in_}" + (" (standardised)" if args.standardize else ""))
    if task == "classify":
        classes = [str(c) for c in estimator.classes_]
        shown = ", ".join(classes[:10]) + (" ..." if len(classes) > 10 else "")
        t.add_row("classes", f"{len(classes)}: {shown}")
    t.add_row("network", " -> ".join(str(d) for d in net.layer_dims)
              + f"  ({', '.join(net.activations)}; {net.loss})")
    lr = TrainConfig(optimizer=estimator.optimizer,
                     learning_rate=estimator.learning_rate).resolved_learning_rate
    t.add_row("optimizer", f"{args.optimizer}, learning rate {lr:g}, batch {args.batch_size}")
    stopped = "  (early stop)" if estimator.n_iter_ < args.epochs else ""
    t.add_row("epochs run", f"{estimator.n_iter_} of {args.epochs}{stopped}")
    best = getattr(estimator, "best_epoch_", None)
    at = len(estimator.loss_curve_) - 1 if best is None else best
    if best is not None:
        t.add_row("best epoch (restored)", str(best + 1))
    t.add_row(f"training cost{_cost_units(estimator, task, args.l2 > 0)}",
              f"{estimator.loss_curve_[at]:.4f}")
    if estimator.validation_loss_curve_:
        t.add_row(f"validation cost{_cost_units(estimator, task)}", f"{estimator.validation_loss_curve_[at]:.4f}")
        if task == "regress":
            # The validation cost is the mean squared error without the L2 term,
            # so its root, scaled back, is the RMSE in the target's own units.
            scale = getattr(estimator, "target_scale_", None)
            rmse = math.sqrt(estimator.validation_loss_curve_[at]) * (
                float(scale[0]) if scale is not None else 1.0)
            t.add_row("validation RMSE", f"{rmse:.4g} (in {table.target}'s units)")
    if estimator.validation_scores_:
        metric = "accuracy" if task == "classify" else "R²"
        t.add_row(f"validation {metric}", f"{estimator.validation_scores_[at]:.4f}")
    t.add_row("fit time", f"{seconds:.2f} s")
    t.add_row("model", args.out)
    t.add_row("training curve", png)
    Console().print(t)
