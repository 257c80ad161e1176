"""``layerwise train DATA --target COLUMN``: fit a network on a CSV or ``.npz`` file.

Features are standardised with the training rows' statistics (kept in the
model file), labels are encoded, a validation split is held out for early
stopping and reporting, and the model plus a training-curve PNG are written.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
import warnings

from ..cli import CLIError
from ..training import TrainConfig, TrainingDivergedError
from ._common import MAX_AUTO_CLASSES, choose_task, read_table


def add_parser(subparsers):
    """Register ``train``."""
    p = subparsers.add_parser(
        "train", help="train a network on a CSV or .npz file",
        description="Train a deep network on DATA (CSV with a header row, or .npz with arrays X, y "
                    "and optional feature_names). Task 'auto': classification if the target has a "
                    "non-numeric value, or only integer values with at most "
                    f"{MAX_AUTO_CLASSES} distinct ones; regression otherwise.")
    p.add_argument("data", help="CSV file with a header row, or .npz file")
    p.add_argument("--target", help="name of the target column (required for CSV)")
    p.add_argument("--task", choices=("auto", "classify", "regress"), default="auto")
    p.add_argument("--hidden", default="64,32", help="hidden layer sizes, e.g. 64,32 (default)")
    p.add_argument("--activation", default="relu",
                   help="hidden activation(s): one name or one per layer, comma-separated")
    p.add_argument("--epochs", type=int, default=200, help="maximum epochs (default 200)")
    p.add_argument("--optimizer", choices=("adam", "gd", "momentum", "rmsprop"), default="adam")
    p.add_argument("--learning-rate", type=float, default=None)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--l2", type=float, default=0.0)
    p.add_argument("--validation", type=float, default=0.2,
                   help="fraction of rows held out for validation (default 0.2)")
    p.add_argument("--patience", type=int, default=20,
                   help="stop after this many epochs without a better validation score "
                        "(accuracy or R²) (default 20)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dtype", choices=("float32", "float64"), default="float64")
    p.add_argument("--out", default="model.lw", help="model file to write (default model.lw)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)
    return p


def _sizes(text):
    try:
        sizes = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise CLIError(f"--hidden must be comma-separated integers like 64,32; got {text!r}") from None
    if any(n < 1 for n in sizes):
        raise CLIError(f"--hidden sizes must be >= 1; got {text!r}")
    return sizes


def curve_path(model_path):
    """Where the training-curve PNG goes: ``model.lw`` -> ``model_curve.png``."""
    root, _ = os.path.splitext(model_path)
    return root + "_curve.png"


def run(args):
    """Train, save the model and its curve, print a summary; returns 0."""
    from ..estimators import DeepClassifier, DeepRegressor
    from ..estimators.model_file import save_estimator

    if not args.data.lower().endswith(".npz") and not args.target:
        raise CLIError("--target COLUMN is required for a CSV file")
    # --epochs, --validation, --l2 ... are checked once, by the estimator's TrainConfig.
    hidden = _sizes(args.hidden)
    acts = [a.strip() for a in args.activation.split(",")]
    activation = acts[0] if len(acts) == 1 else tuple(acts)
    table = read_table(args.data, args.target)
    task, y = choose_task(table.y, args.task)
    m = table.X.shape[0]
    n_val = math.ceil(args.validation * m)  # as train_test_split rounds
    if m < 10 or n_val < 2:
        raise CLIError(f"{args.data} has {m} rows; training with a validation split needs at "
                       "least 10 rows")
    common = dict(hidden_layer_sizes=hidden, activation=activation, optimizer=args.optimizer,
                  learning_rate=args.learning_rate, batch_size=args.batch_size, epochs=args.epochs,
                  l2=args.l2, early_stopping=True, validation_fraction=args.validation,
                  n_iter_no_change=args.patience, standardize=True, random_state=args.seed,
                  verbose=0 if args.quiet else 1, dtype=args.dtype)
    if task == "classify":
        import numpy as np

        classes, counts = np.unique(y, return_counts=True)
        if classes.size < 2:
            raise CLIError(f"the target {table.target!r} has a single class {classes[0]!r}; "
                           "nothing to classify")
        estimator = DeepClassifier(**common)
    else:
        estimator = DeepRegressor(**common)
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
    if estimator.interrupted_:
        # Ctrl-C ended the fit between two updates: nothing is saved, exit 130.
        raise KeyboardInterrupt
    seconds = time.perf_counter() - start
    if table.feature_names is not None:
        import numpy as np

        # Set after fit rather than passing a DataFrame: pandas is not a dependency.
        estimator.feature_names_in_ = np.asarray(table.feature_names, dtype=object)
    png = curve_path(args.out)
    fd, tmp_png = tempfile.mkstemp(prefix=".layerwise-", suffix=".png",
                                   dir=os.path.dirname(os.path.abspath(png)))
    os.close(fd)
    try:
        _plot_curve(estimator, task, tmp_png, title=os.path.basename(args.data))
        save_estimator(estimator, args.out, extra={
            "target": table.target, "task": task, "trained_on": os.path.basename(args.data),
            "n_train": m - n_val, "n_validation": n_val, "fit_seconds": round(seconds, 3)})
        os.replace(tmp_png, png)
    finally:
        if os.path.exists(tmp_png):
            os.remove(tmp_png)
    _summary(estimator, task, table, args, seconds, png, m)
    return 0


def _plot_curve(estimator, task, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = range(1, len(estimator.loss_curve_) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(epochs, estimator.loss_curve_, label="training cost")
    if estimator.validation_loss_curve_:
        ax1.plot(epochs, estimator.validation_loss_curve_, label="validation cost")
    best = getattr(estimator, "best_epoch_", None)
    if best is not None:
        for ax in (ax1, ax2):
            ax.axvline(best + 1, color="grey", linestyle=":", label=f"best epoch ({best + 1})")
    ax1.set_yscale("log")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("cost (log scale)")
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
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)


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
    t.add_row("features", f"{table.X.shape[1]} (standardised)")
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
    t.add_row("training cost", f"{estimator.loss_curve_[at]:.4f}")
    if estimator.validation_loss_curve_:
        t.add_row("validation cost", f"{estimator.validation_loss_curve_[at]:.4f}")
    if estimator.validation_scores_:
        metric = "accuracy" if task == "classify" else "R²"
        t.add_row(f"validation {metric}", f"{estimator.validation_scores_[at]:.4f}")
    t.add_row("fit time", f"{seconds:.2f} s")
    t.add_row("model", args.out)
    t.add_row("training curve", png)
    Console().print(t)
