"""``layerwise datasets [NAME ...]``: scikit-learn's bundled data sets as CSV files.

The four data sets ship inside scikit-learn, so nothing is downloaded. Each
becomes ``NAME.csv`` with a header row: the features (names with spaces
turned into underscores) and the target as the last column, under the name
and with the labels given in :data:`DATASETS`. ``--holdout N`` moves N
seeded-random rows into ``NAME_new.csv`` without the target column, for
``layerwise predict``. Existing files are never overwritten without
``--force``; every file is written whole or not at all.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from ..errors import CLIError
from ..files import atomic_write, check_output_path

#: name -> (scikit-learn loader, target column, labels or None for a numeric target, description)
DATASETS = {
    "breast_cancer": ("load_breast_cancer", "diagnosis", ("malignant", "benign"),
                      "569 tumours x 30 measurements; diagnosis malignant/benign"),
    "wine": ("load_wine", "cultivar", ("cultivar_1", "cultivar_2", "cultivar_3"),
             "178 wines x 13 chemical measurements; 3 cultivars"),
    "diabetes": ("load_diabetes", "progression", None,
                 "442 patients x 10 baseline variables; disease progression after a year "
                 "(regression)"),
    "digits": ("load_digits", "digit", None,
               "1797 8x8 images of handwritten digits, pixels 0-16; digit 0-9"),
}


def add_parser(subparsers):
    """Register ``datasets``."""
    listing = "; ".join(f"{name}: {spec[3]}" for name, spec in DATASETS.items())
    p = subparsers.add_parser(
        "datasets", help="write scikit-learn's bundled data sets as CSV files",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description=f"Write scikit-learn's bundled data sets as CSV files (no download). {listing}.")
    p.add_argument("names", nargs="*", metavar="NAME", help="which data sets (default: all)")
    p.add_argument("--dir", default=".", help="directory to write into")
    p.add_argument("--holdout", type=int, default=0, metavar="N",
                   help="move N random rows to NAME_new.csv, without the target")
    p.add_argument("--seed", type=int, default=0, help="seed of the holdout rows")
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    p.set_defaults(run=run)
    return p


def frame_of(name):
    """The data set ``name`` as a pandas DataFrame, the target in the last column."""
    import pandas as pd
    import sklearn.datasets

    loader, target, labels, _ = DATASETS[name]
    bunch = getattr(sklearn.datasets, loader)()
    columns = [str(c).replace(" ", "_") for c in bunch.feature_names]
    frame = pd.DataFrame(bunch.data, columns=columns)
    if name == "digits":  # whole numbers 0-16: written as such, not as 0.0
        frame = frame.astype(np.int64)
    values = np.asarray(bunch.target)
    frame[target] = np.asarray(labels, dtype=object)[values] if labels is not None else values
    return frame


def run(args):
    """Write the CSV files and list them; returns 0."""
    names = args.names or list(DATASETS)
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        raise CLIError(f"unknown data set {unknown[0]!r}; choose from {', '.join(DATASETS)}")
    if args.holdout < 0:
        raise CLIError(f"--holdout must be >= 0; got {args.holdout}")
    if not os.path.isdir(args.dir):
        raise CLIError(f"--dir {args.dir} is not an existing directory")
    plans = []
    for name in names:
        frame = frame_of(name)
        if args.holdout >= len(frame):
            raise CLIError(f"--holdout {args.holdout} leaves no rows of {name} "
                           f"({len(frame)} rows)")
        stems = [name] + ([f"{name}_new"] if args.holdout else [])
        paths = [f"{stem}.csv" if args.dir == "." else os.path.join(args.dir, f"{stem}.csv")
                 for stem in stems]
        plans.append((name, frame, paths))
    existing = [p for _, _, paths in plans for p in paths if os.path.exists(p)]
    if existing and not args.force:
        raise CLIError(f"{existing[0]} exists; pass --force to overwrite it")
    for _, _, paths in plans:
        for path in paths:
            check_output_path(path, what="output")  # no links, no directories, writable
    for name, frame, paths in plans:
        target = DATASETS[name][1]
        if args.holdout:
            rng = np.random.default_rng(args.seed)
            held = np.zeros(len(frame), dtype=bool)
            held[rng.choice(len(frame), size=args.holdout, replace=False)] = True
            atomic_write(paths[1], frame[held].drop(columns=target).to_csv(index=False))
            frame = frame[~held]
        atomic_write(paths[0], frame.to_csv(index=False))
        for path in paths:
            rows = len(frame) if path == paths[0] else args.holdout
            print(f"{path}: {rows} rows, target {target!r}" if path == paths[0]
                  else f"{path}: {rows} rows, no target column")
    return 0
