"""What ``train``, ``predict`` and ``info`` share: reading tables (through
:mod:`layerwise.tables`), choosing the task, loading models (files are written
with :mod:`layerwise.files`).

Every problem with the user's input is raised as :class:`~layerwise.errors.CLIError`
with one line that names the file, the column and the row, so that the
dispatcher in :mod:`layerwise.cli` can print it and exit with status 2.
"""

from __future__ import annotations

import os
import re

import numpy as np

from .. import tables
from ..errors import CLIError
from ..tables import Table, parse_number  # noqa: F401  (Table: what read_table returns)

#: An integer-valued numeric target with at most this many distinct values is
#: treated as class labels (``--task auto``).
MAX_AUTO_CLASSES = 20


def add_table_options(parser):
    """``--sep`` and ``--decimal``, shared by the commands that read tables."""
    parser.add_argument("--sep", default=None,
                        help="CSV delimiter (default: sniffed among , ; TAB |; .tsv files: TAB)")
    parser.add_argument("--decimal", default=".",
                        help="decimal mark of the CSV's numbers (default: %(default)s)")


def read_table(path, target=None, *, require_target=True, sep=None, decimal="."):
    """Read ``path`` (CSV, TSV, Parquet, Feather or ``.npz``); see :func:`layerwise.tables.read_table`.

    Problems come back as :class:`CLIError` with the reader's one-line message.
    """
    try:
        return tables.read_table(path, target, require_target=require_target, sep=sep,
                                 decimal=decimal)
    except tables.TableError as exc:
        raise CLIError(str(exc)) from None


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
    values = [parse_number(t) for t in texts]
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
            bad = next(str(v) for v in y if parse_number(str(v)) is None)
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
