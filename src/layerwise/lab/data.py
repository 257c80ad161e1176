"""The lab's data: built-in seeded generators and the ``--data`` loader.

``--data FILE`` replaces the built-in data of the ``regularization`` experiment.
Accepted files (rows are samples, labels 0/1):

* ``.mat`` -- the course's ``data.mat``: arrays ``X`` (m, n_x), ``y`` (m, 1),
  ``Xval`` (m_val, n_x), ``yval`` (m_val, 1);
* ``.npz`` -- the same four arrays under the same names;
* ``.csv`` -- a header line, then one sample per line: feature columns (any
  names), a column ``y`` (0/1) and a column ``split`` (``train`` or ``test``),
  e.g. ``x1,x2,y,split``.

Anything else -- a missing key, a wrong shape, non-numeric or non-finite values,
labels other than 0/1, an unreadable file -- raises ``ValueError`` with one line
that names the file and the problem, before any experiment runs.
"""

from __future__ import annotations

import csv
import os

import numpy as np

KEYS = ("X", "y", "Xval", "yval")


# --------------------------------------------------------------------- generators
def football(n_train=200, n_test=200, seed=0):
    """Two classes in the plane split by a wavy line, with a noisy boundary.

    Like the course's "football" data (where the goalkeeper should kick the
    ball so that his own team heads it): points in a square; the label says on
    which side of ``x2 = 0.35 sin(2.2 x1) + 0.1 x1`` a point lies, but near the
    line labels flip with a probability that decays with the distance, and a
    few points anywhere carry the wrong label. A small net fitted without
    regularisation bends its boundary around those points; the test set,
    drawn independently, shows that this does not generalise.

    Returns
    -------
    X_train (2, n_train), Y_train (1, n_train), X_test (2, n_test), Y_test (1, n_test)
    """
    rng = np.random.RandomState(seed)

    def draw(n):
        X = rng.uniform(-1.0, 1.0, size=(2, n))
        boundary = 0.35 * np.sin(2.2 * X[0]) + 0.1 * X[0]
        distance = X[1] - boundary
        labels = (distance > 0).astype(float)
        flip = rng.random_sample(n) < 0.45 * np.exp(-np.abs(distance) / 0.12)
        flip |= rng.random_sample(n) < 0.04
        labels[flip] = 1 - labels[flip]
        return X, labels.reshape(1, -1)

    X_train, Y_train = draw(n_train)
    X_test, Y_test = draw(n_test)
    return X_train, Y_train, X_test, Y_test


# ----------------------------------------------------------------------- loading
def _fail(path, message):
    raise ValueError(f"--data {path}: {message}")


def _numeric(path, key, value):
    if np.iscomplexobj(value):  # casting would silently drop the imaginary part
        _fail(path, f"{key} holds complex numbers; expected real numbers")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        _fail(path, f"{key} is not numeric")
    if not np.all(np.isfinite(array)):
        _fail(path, f"{key} holds NaN or infinite values")
    return array


def _read_mat(path):
    import scipy.io

    try:
        contents = scipy.io.loadmat(path)
    except Exception as exc:  # scipy raises several types for a bad file
        _fail(path, f"cannot read it as a MATLAB .mat file ({type(exc).__name__})")
    return contents


def _read_npz(path):
    try:
        with np.load(path, allow_pickle=False) as contents:
            return {k: contents[k] for k in contents.files}
    except Exception as exc:  # zipfile, pickle and format errors alike
        _fail(path, f"cannot read it as a .npz file ({type(exc).__name__})")


def _read_csv(path):
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        _fail(path, f"cannot read it ({type(exc).__name__})")
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        _fail(path, "the file is empty; expected a header like x1,x2,y,split")
    header = [h.strip() for h in rows[0]]
    if "y" not in header or "split" not in header:
        _fail(path, f"the header must name a 'y' and a 'split' column; got {','.join(header)}")
    features = [i for i, h in enumerate(header) if h not in ("y", "split")]
    if not features:
        _fail(path, "no feature columns besides 'y' and 'split'")
    iy, isplit = header.index("y"), header.index("split")
    parts = {"train": ([], []), "test": ([], [])}
    for line_no, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            _fail(path, f"line {line_no} has {len(row)} cells but the header has {len(header)}")
        split = row[isplit].strip().lower()
        split = {"val": "test", "validation": "test"}.get(split, split)
        if split not in parts:
            _fail(path, f"line {line_no}: split must be 'train' or 'test'; got {row[isplit]!r}")
        try:
            parts[split][0].append([float(row[i]) for i in features])
            parts[split][1].append(float(row[iy]))
        except ValueError:
            _fail(path, f"line {line_no} holds a value that is not a number")
    return {"X": parts["train"][0], "y": parts["train"][1],
            "Xval": parts["test"][0], "yval": parts["test"][1]}


def load_data_file(path):
    """Load a ``--data`` file (see the module docstring).

    Returns
    -------
    dict with ``X_train`` (n_x, m), ``Y_train`` (1, m), ``X_test`` (n_x, m_test),
    ``Y_test`` (1, m_test) in the column convention, and ``name`` (the file name).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        _fail(path, "no such file")
    ext = os.path.splitext(path)[1].lower()
    readers = {".mat": _read_mat, ".npz": _read_npz, ".csv": _read_csv}
    if ext not in readers:
        _fail(path, f"unknown file type {ext or '(none)'}; expected .mat, .npz or .csv")
    contents = readers[ext](path)
    missing = [k for k in KEYS if k not in contents]
    if missing:
        _fail(path, f"missing {', '.join(missing)} (expected keys X, y, Xval, yval)")
    arrays = {k: _numeric(path, k, contents[k]) for k in KEYS}
    for key in ("X", "Xval"):
        if arrays[key].ndim != 2 or arrays[key].shape[0] < 2 or arrays[key].shape[1] < 1:
            _fail(path, f"{key} must be a 2-D array with one sample per row (at least 2); "
                        f"got shape {arrays[key].shape}")
    if arrays["X"].shape[1] != arrays["Xval"].shape[1]:
        _fail(path, f"X has {arrays['X'].shape[1]} features but Xval has {arrays['Xval'].shape[1]}")
    out = {"name": os.path.basename(path)}
    for xkey, ykey, name in (("X", "y", "train"), ("Xval", "yval", "test")):
        X, y = arrays[xkey], arrays[ykey]
        if y.size != X.shape[0] or (y.ndim == 2 and 1 not in y.shape) or y.ndim > 2:
            _fail(path, f"{ykey} must hold one label per row of {xkey} ({X.shape[0]}); "
                        f"got shape {y.shape}")
        y = y.reshape(1, -1)
        if not np.all((y == 0) | (y == 1)):
            _fail(path, f"{ykey} must hold labels 0 or 1")
        out[f"X_{name}"] = np.ascontiguousarray(X.T)
        out[f"Y_{name}"] = y
    return out
