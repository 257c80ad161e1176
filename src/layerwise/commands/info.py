"""``layerwise info MODEL``: what a model file holds, without running it."""

from __future__ import annotations

import os

from ._common import CLIError


def add_parser(subparsers):
    """Register ``info``."""
    p = subparsers.add_parser("info", help="describe a model file",
                              description="Show a model file's kind, layers, classes, features and "
                                          "training record.")
    p.add_argument("model", help="a layerwise model file")
    p.set_defaults(run=run)
    return p


def _short(items, limit=12):
    items = [str(i) for i in items]
    return ", ".join(items[:limit]) + (f" ... ({len(items)} in all)" if len(items) > limit else "")


def run(args):
    """Print a table describing the model; returns 0."""
    from rich.console import Console
    from rich.table import Table

    from ..estimators.model_file import load_model

    if not os.path.exists(args.model):
        raise CLIError(f"model file {args.model} does not exist")
    model, meta = load_model(args.model)  # loads fully: a damaged file is reported here
    net = model if meta["kind"] == "Network" else model.network_
    t = Table(title=f"layerwise model: {args.model}", show_header=False)
    t.add_column("", style="bold")
    t.add_column("")
    t.add_row("kind", meta["kind"])
    t.add_row("format", f"{meta['format']} version {meta['format_version']}")
    t.add_row("layers", " -> ".join(str(d) for d in meta["layer_dims"]))
    t.add_row("activations", ", ".join(meta["activations"]))
    t.add_row("loss", meta["loss"])
    t.add_row("dtype", meta["dtype"])
    t.add_row("parameters", f"{net.n_parameters:,}")
    extra = meta.get("extra") or {}
    section = meta.get("estimator")
    if section:
        if section.get("feature_names"):
            t.add_row("features", _short(section["feature_names"]))
        else:
            t.add_row("features", str(section["n_features_in"]))
        if "classes" in section:
            t.add_row("classes", _short(section["classes"]["values"]))
        norm = meta.get("normalisation") or {}
        t.add_row("normalisation", ", ".join(f"{k}: {v}" for k, v in norm.items() if v) or "none")
        t.add_row("epochs trained", str(section["n_iter"]))
        if section.get("loss_curve"):
            t.add_row("training cost (last epoch)", f"{section['loss_curve'][-1]:.4f}")
        if section.get("best_validation_score") is not None:
            metric = "accuracy" if "classes" in section else "R²"
            t.add_row(f"best validation {metric}", f"{section['best_validation_score']:.4f}")
    for key in ("target", "task", "trained_on", "n_train", "n_validation", "fit_seconds"):
        if key in extra:
            t.add_row(key.replace("_", " "), str(extra[key]))
    t.add_row("file size", f"{os.path.getsize(args.model):,} bytes")
    Console().print(t)
    return 0
