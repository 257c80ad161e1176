"""What ``train``, ``predict`` and ``info`` share: reading tables (through
:mod:`layerwise.tables`), choosing the task, loading models, writing files
atomically.

Every problem with the user's input is raised as :class:`~layerwise.cli.CLIError`
with one line that names the file, the column and the row, so that the
dispatcher in :mod:`layerwise.cli` can print it and exit with status 2.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from .. import tables
from ..cli import CLIError
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
        values = [parse_number(str(v)) for v in y]
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
            bad = next(str(v) for v in y if parse_number(str(v)) is None)
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
