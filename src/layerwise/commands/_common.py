"""What ``train``, ``predict`` and ``info`` share: reading tables, choosing the
task, loading models, writing files atomically.

Every problem with the user's input is raised as :class:`~layerwise.cli.CLIError`
with one line that names the file, the column and the row, so that the
dispatcher in :mod:`layerwise.cli` can print it and exit with status 2.
"""

from __future__ import annotations

import csv
import math
import os
import tempfile
from dataclasses import dataclass

import numpy as np

from ..cli import CLIError

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


def choose_task(y, task="auto"):
    """Decide classification or regression and convert the target.

    The rule for ``task="auto"``: a target with any non-numeric value is
    classified; a numeric target whose values are all integers with at most
    :data:`MAX_AUTO_CLASSES` distinct values is classified too; anything else
    is regressed.

    Returns
    -------
    task : "classify" or "regress"
    y : labels (int64 if integer-valued, else str) or float64 values
    """
    y = np.asarray(y)
    if y.dtype.kind in "biuf":
        numeric = y.astype(np.float64)
    else:
        values = [_number(str(v)) for v in y]
        numeric = None if any(v is None for v in values) else np.array(values)
    if numeric is not None and not np.all(np.isfinite(numeric)):
        raise CLIError("the target holds NaN or infinity")
    integral = numeric is not None and np.all(numeric == np.round(numeric))
    if task == "auto":
        if numeric is None or (integral and np.unique(numeric).size <= MAX_AUTO_CLASSES):
            task = "classify"
        else:
            task = "regress"
    if task == "regress":
        if numeric is None:
            bad = next(str(v) for v in y if _number(str(v)) is None)
            raise CLIError(f"--task regress needs a numeric target; found {bad!r}")
        return task, numeric
    if integral:
        return task, numeric.astype(np.int64)
    return task, np.array([str(v) for v in y])


def load_estimator_model(path):
    """Load a model file written by ``layerwise train`` or an estimator's ``save``."""
    from ..estimators.model_file import load_model

    if not os.path.exists(path):
        raise CLIError(f"model file {path} does not exist")
    model, meta = load_model(path)
    if meta.get("kind") == "Network":
        raise CLIError(f"{path} holds a bare Network (no feature names or labels); use a model "
                       "written by `layerwise train` or DeepClassifier/DeepRegressor.save")
    return model, meta


def atomic_write_text(path, text):
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".layerwise-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
