"""``layerwise predict MODEL DATA [--proba]``: predictions as CSV on stdout.

Feature columns are matched by name when the model knows its feature names
(any order; the training target column is ignored if present), else by count.
The whole output is built before anything is written, so an error leaves no
partial output.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import warnings

import numpy as np

from ..errors import CLIError
from ..files import atomic_write, check_output_path
from ._common import add_table_options, load_estimator_model, read_table

#: Significant digits of printed predictions and probabilities (a network's
#: outputs carry no more meaning than that).
DIGITS = 6


def add_parser(subparsers):
    """Register ``predict``."""
    p = subparsers.add_parser("predict", help="predict with a trained model (CSV to stdout)",
                              formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                              description="Predict every row of DATA (CSV or .npz) with MODEL; "
                                          "writes CSV to stdout (or --out).")
    p.add_argument("model", help="model file from `layerwise train` or an estimator's save()")
    p.add_argument("data", help="CSV/TSV/Parquet/Feather file with a header row, or .npz with "
                                "an array X")
    p.add_argument("--proba", action="store_true",
                   help="also write one probability column per class (classifiers)")
    p.add_argument("--out", help="write the CSV to this file instead of stdout")
    add_table_options(p)
    p.set_defaults(run=run)
    return p


def _features(table, model, path):
    names = getattr(model, "feature_names_in_", None)
    expected = model.n_features_in_
    if names is not None and table.feature_names is not None:
        names = [str(n) for n in names]
        missing = [n for n in names if n not in table.feature_names]
        extra = [n for n in table.feature_names if n not in names]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if extra:
                parts.append(f"unexpected {', '.join(extra)}")
            raise CLIError(f"{path} has {len(table.feature_names)} feature columns but the model "
                           f"expects {expected} ({'; '.join(parts)})")
        order = [table.feature_names.index(n) for n in names]
        return table.X[:, order]
    if table.X.shape[1] != expected:
        raise CLIError(f"{path} has {table.X.shape[1]} feature columns but the model expects {expected}")
    return table.X


def run(args):
    """Predict and write CSV; returns 0."""
    if args.out:
        check_output_path(args.out, inputs=[args.model, args.data])
    model, meta = load_estimator_model(args.model)
    target = (meta.get("extra") or {}).get("target")
    table = read_table(args.data, target, require_target=False, sep=args.sep,
                       decimal=args.decimal)
    X = _features(table, model, args.data)
    is_classifier = hasattr(model, "classes_")
    if args.proba and not is_classifier:
        raise CLIError("--proba needs a classifier; this model is a regressor")
    with warnings.catch_warnings():
        # Plain arrays for a model fitted with names: the columns were matched above.
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        if is_classifier:
            proba = model.predict_proba(X)
            labels = model.classes_[np.argmax(proba, axis=1)]
        else:
            values = np.asarray(model.predict(X)).reshape(X.shape[0], -1)
    name = target or "prediction"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if is_classifier:
        header = [name] + ([f"proba_{c}" for c in model.classes_] if args.proba else [])
        writer.writerow(header)
        for i, label in enumerate(labels):
            row = [label.item() if hasattr(label, "item") else label]
            if args.proba:
                row += [f"{p:.{DIGITS}g}" for p in proba[i]]
            writer.writerow(row)
    else:
        cols = [name] if values.shape[1] == 1 else [f"{name}_{k}" for k in range(values.shape[1])]
        writer.writerow(cols)
        for row in values:
            writer.writerow([f"{v:.{DIGITS}g}" for v in row])
    if args.out:
        atomic_write(args.out, buffer.getvalue())
    else:
        sys.stdout.write(buffer.getvalue())
    return 0
