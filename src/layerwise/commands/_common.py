"""What ``train``, ``predict`` and ``info`` share: reading tables, choosing the
task, loading models (files are written with :mod:`layerwise.files`).

Every problem with the user's input is raised as :class:`~layerwise.errors.CLIError`
with one line that names the file, the column and the row, so that the
dispatcher in :mod:`layerwise.cli` can print it and exit with status 2.
"""

from __future__ import annotations

import csv
import math
import os
import re
from dataclasses import dataclass

import numpy as np

from ..errors import CLIError

#: An integer-valued numeric target with at most this many distinct values is
#: treated as class labels (``--task auto``).
MAX_AUTO_CLASSES = 20


@dataclass
class Table:
    """A data set read from a CSV or ``.npz`` file.

    Attributes
    ----------
    X : ndarray of float64, shape (n_samples, n_features)
    feature_names : list of str, or None (an ``.npz`` without names)
    y : ndarray of str or numbers, shape (n_samples,), or None (no target column)
    target : str or None, the target column's name
    """

    X: np.ndarray
    feature_names: list | None
    y: np.ndarray | None
    target: str | None


def _number(text):
    try:
        value = float(text)
    except ValueError:
        return None
    return value


def read_csv(path, target=None, *, require_target=True):
    """Read a CSV with a header row; every column but ``target`` must be numeric and finite."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise CLIError(f"{path} is empty (expected a header row and data rows)")
    header = [h.strip() for h in rows[0]]
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise CLIError(f"{path} has duplicate column names: {', '.join(dupes)}")
    body = rows[1:]
    if not body:
        raise CLIError(f"{path} has a header but no data rows")
    if target is not None and target not in header:
        if require_target:
            raise CLIError(f"{path} has no column {target!r}; its columns are {', '.join(header)}")
        target = None
    t_index = header.index(target) if target is not None else None
    feature_names = [h for i, h in enumerate(header) if i != t_index]
    if not feature_names:
        raise CLIError(f"{path} has no feature columns besides the target {target!r}")
    X = np.empty((len(body), len(feature_names)))
    y = []
    for r, row in enumerate(body):
        line = r + 2  # 1-based, after the header
        if len(row) != len(header):
            raise CLIError(f"{path} line {line} has {len(row)} cells but the header has {len(header)}")
        j = 0
        for i, cell in enumerate(row):
            cell = cell.strip()
            if i == t_index:
                if cell == "" or cell.lower() in ("nan", "na", "null"):
                    raise CLIError(f"{path} line {line}: missing target value in column {target!r}")
                y.append(cell)
                continue
            value = _number(cell)
            if cell == "" or (value is not None and math.isnan(value)):
                raise CLIError(f"{path} line {line}: missing value (empty or NaN) in column "
                               f"{header[i]!r}; fill or drop it first")
            if value is None:
                raise CLIError(f"{path} line {line}: non-numeric value {cell!r} in column "
                               f"{header[i]!r}; features must be numbers")
            if not math.isfinite(value):
                raise CLIError(f"{path} line {line}: infinite value in column {header[i]!r}")
            X[r, j] = value
            j += 1
    return Table(X, feature_names, np.array(y) if t_index is not None else None, target)


def read_npz(path):
    """Read an ``.npz`` with arrays ``X`` (n, d), optional ``y`` (n,) and ``feature_names`` (d,)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except ValueError as exc:
        raise CLIError(f"{path} is not a readable .npz of numeric arrays ({exc})") from None
    if "X" not in arrays:
        raise CLIError(f"{path} has no array 'X' (it holds {', '.join(sorted(arrays)) or 'nothing'})")
    X = arrays["X"]
    if X.ndim != 2 or X.size == 0:
        raise CLIError(f"{path}: X must be a non-empty 2-D array (n_samples, n_features); got shape {X.shape}")
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool) or np.iscomplexobj(X):
        raise CLIError(f"{path}: X must hold real numbers; got dtype {X.dtype}")
    X = X.astype(np.float64)
    if not np.all(np.isfinite(X)):
        r, c = np.argwhere(~np.isfinite(X))[0]
        raise CLIError(f"{path}: X holds NaN or infinity (first at row {r}, column {c})")
    names = None
    if "feature_names" in arrays:
        names = [str(n) for n in np.ravel(arrays["feature_names"])]
        if len(names) != X.shape[1]:
            raise CLIError(f"{path}: {len(names)} feature_names for {X.shape[1]} columns of X")
    y = arrays.get("y")
    if y is not None:
        y = np.ravel(y)
        if y.shape[0] != X.shape[0]:
            raise CLIError(f"{path}: y has {y.shape[0]} entries but X has {X.shape[0]} rows")
        if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
            raise CLIError(f"{path}: y holds NaN or infinity")
    return Table(X, names, y, "y" if y is not None else None)


def read_table(path, target=None, *, require_target=True):
    """Read ``path`` as CSV, or as ``.npz`` when it ends with ``.npz``."""
    if not os.path.exists(path):
        raise CLIError(f"{path} does not exist")
    if str(path).lower().endswith(".npz"):
        table = read_npz(path)
        if require_target and table.y is None:
            raise CLIError(f"{path} has no array 'y' to train on")
        return table
    try:
        return read_csv(path, target, require_target=require_target)
    except UnicodeDecodeError:
        raise CLIError(f"{path} is not a UTF-8 text CSV file") from None
    except csv.Error as exc:
        raise CLIError(f"{path} is not a readable CSV file ({exc})") from None


_INTEGER = re.compile(r"^[+-]?[0-9]+$")
#: Integers up to this size are exact in float64 (above it, neighbours collapse).
_EXACT_FLOAT_INT = 2**53


def _exact_numbers(y):
    """``(numeric, integers)`` for a target column.

    ``numeric`` is a float64 array (None if a value is not a number);
    ``integers`` is a list of exact Python ints when every value is an integer
    (written as one, or an integral float below 2**53), else None -- so that
    large integer labels never pass through float64.
    """
    y = np.asarray(y)
    if y.dtype.kind in "biu":
        return y.astype(np.float64), [int(v) for v in y.tolist()]
    if y.dtype.kind == "f":
        numeric = y.astype(np.float64)
        exact = np.all(numeric == np.round(numeric)) and np.all(np.abs(numeric) < _EXACT_FLOAT_INT)
        return numeric, ([int(v) for v in numeric.tolist()] if exact else None)
    texts = [str(v).strip() for v in y]
    if texts and all(_INTEGER.match(t) for t in texts):
        integers = [int(t) for t in texts]
        return np.array([float(v) for v in integers]), integers
    values = [_number(t) for t in texts]
    if any(v is None for v in values):
        return None, None
    numeric = np.array(values)
    exact = np.all(np.isfinite(numeric)) and np.all(numeric == np.round(numeric)) and \
        np.all(np.abs(numeric) < _EXACT_FLOAT_INT)
    return numeric, ([int(v) for v in values] if exact else None)


def choose_task(y, task="auto"):
    """Decide classification or regression and convert the target.

    The rule for ``task="auto"``: a target with any non-numeric value is
    classified; a numeric target whose values are all integers with at most
    :data:`MAX_AUTO_CLASSES` distinct values is classified too; anything else
    is regressed.

    Returns
    -------
    task : "classify" or "regress"
    y : labels -- int64 for integers that fit (exactly, never through float64),
        else the original text -- or float64 values for regression
    """
    y = np.asarray(y)
    numeric, integers = _exact_numbers(y)
    if numeric is not None and not np.all(np.isfinite(numeric)):
        raise CLIError("the target holds NaN or infinity")
    if task == "auto":
        if numeric is None or (integers is not None and len(set(integers)) <= MAX_AUTO_CLASSES):
            task = "classify"
        else:
            task = "regress"
    if task == "regress":
        if numeric is None:
            bad = next(str(v) for v in y if _number(str(v)) is None)
            raise CLIError(f"--task regress needs a numeric target; found {bad!r}")
        return task, numeric
    if integers is not None and all(-2**63 <= v < 2**63 for v in integers):
        return task, np.array(integers, dtype=np.int64)
    if y.dtype.kind in "biuf":
        return task, y  # numbers that are not all exact integers: keep them as they are
    return task, np.array([str(v).strip() for v in y])


def load_estimator_model(path):
    """Load a model file written by ``layerwise train`` or an estimator's ``save``."""
    from ..estimators import load_model

    if not os.path.exists(path):
        raise CLIError(f"model file {path} does not exist")
    model, meta = load_model(path)
    if meta.get("kind") == "Network":
        raise CLIError(f"{path} holds a bare Network (no feature names or labels); use a model "
                       "written by `layerwise train` or DeepClassifier/DeepRegressor.save")
    return model, meta
