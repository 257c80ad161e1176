"""The playground's data: planar classification sets, seeded, and CSV uploads.

Every generator returns ``X`` of shape (2, m) (one point per column, as
everywhere in layerwise) and integer labels ``y`` of shape (m,). The same
``(name, n_points, noise, classes, seed)`` always gives the same points, so a
configuration in the page's URL names its data exactly; the Python snippet the
page exports calls :func:`make_dataset` with the same arguments.

``noise`` is a number in [0, 1]; what it means depends on the set (the
standard deviation of a jitter in the data's units for circles, moons, XOR
and spiral; the spread of the Gaussian blobs). The course's football data
(:func:`layerwise.lab.data.football`) brings its own label noise, so there
``noise`` is ignored.
"""

from __future__ import annotations

import math
import os
import tempfile

import numpy as np

from ..tables import read_csv

#: Data sets by name, with the numbers of classes each can have.
DATASETS = {
    "circles": (2,),
    "xor": (2,),
    "gaussians": (2, 3, 4, 5),
    "spiral": (2, 3, 4, 5),
    "moons": (2,),
    "football": (2,),
}

#: Largest accepted CSV upload, in bytes.
MAX_CSV_BYTES = 1_000_000
#: Most rows accepted from a CSV upload (the page draws every point).
MAX_CSV_ROWS = 5000
#: Most classes a CSV may hold (the page has this many colours).
MAX_CLASSES = 5


def _circles(n, noise, rng):
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=n, noise=noise * 0.5, factor=0.5, random_state=rng)
    return X.T, y


def _moons(n, noise, rng):
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n, noise=noise * 0.5, random_state=rng)
    # Centre the moons on the origin: their natural box is [-1, 2] x [-0.5, 1].
    X = (X - np.array([0.5, 0.25])) / 1.5
    return X.T, y


def _gaussians(n, noise, classes, rng):
    from sklearn.datasets import make_blobs

    angles = 2 * np.pi * np.arange(classes) / classes + np.pi / 4
    centers = 0.6 * np.column_stack([np.cos(angles), np.sin(angles)])
    X, y = make_blobs(n_samples=n, centers=centers, cluster_std=0.1 + 0.4 * noise,
                      random_state=rng)
    return X.T, y


def _xor(n, noise, rng):
    # Uniform in the square, kept off the axes (as in the classic XOR picture),
    # labelled by the sign of x1 * x2, then jittered.
    X = rng.uniform(-1.0, 1.0, size=(2, n))
    X += np.where(X > 0, 0.05, -0.05)
    y = (X[0] * X[1] > 0).astype(np.int64)
    X = X + rng.normal(0.0, 0.5 * noise, size=X.shape)
    return X, y


def _spiral(n, noise, classes, rng):
    # ``classes`` interleaved arms: radius grows from the centre, the angle
    # with it, each arm turned by 2 pi / classes.
    y = np.arange(n) % classes
    r = rng.uniform(0.05, 1.0, size=n)
    theta = 1.5 * np.pi * r + 2 * np.pi * y / classes + rng.normal(0.0, 1.0 * noise + 0.05, size=n)
    X = np.vstack([r * np.cos(theta), r * np.sin(theta)])
    return X, y


def make_dataset(name, n_points=400, noise=0.1, classes=2, seed=0):
    """Draw one of the playground's data sets.

    Parameters
    ----------
    name : {"circles", "xor", "gaussians", "spiral", "moons", "football"}
    n_points : int >= 10, the number of points (train and test together)
    noise : float in [0, 1] (ignored by "football")
    classes : int, 2 for most sets; 2 to 5 for "gaussians" and "spiral"
    seed : int, the source of every random draw

    Returns
    -------
    X : ndarray, shape (2, n_points)
    y : ndarray of int64, shape (n_points,), labels 0 .. classes-1
    """
    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {', '.join(DATASETS)}; got {name!r}")
    if classes not in DATASETS[name]:
        raise ValueError(f"dataset {name!r} takes classes in {list(DATASETS[name])}; got {classes!r}")
    rng = np.random.RandomState(seed)
    if name == "circles":
        X, y = _circles(n_points, noise, rng)
    elif name == "moons":
        X, y = _moons(n_points, noise, rng)
    elif name == "gaussians":
        X, y = _gaussians(n_points, noise, classes, rng)
    elif name == "xor":
        X, y = _xor(n_points, noise, rng)
    elif name == "spiral":
        X, y = _spiral(n_points, noise, classes, rng)
    else:
        from ..lab.data import football

        # The course's data comes as separate draws for training and test;
        # both are drawn here and shuffled together by the split.
        n_half = n_points // 2
        X_train, Y_train, X_test, Y_test = football(n_half, n_points - n_half, seed=seed)
        X = np.hstack([X_train, X_test])
        y = np.concatenate([Y_train.ravel(), Y_test.ravel()]).astype(np.int64)
    return np.ascontiguousarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


def split(X, y, train_fraction, seed):
    """Split the columns into a training and a test part.

    Parameters
    ----------
    X : ndarray, shape (2, m)
    y : ndarray, shape (m,)
    train_fraction : float in (0, 1)
    seed : int

    Returns
    -------
    X_train (2, m_train), y_train (m_train,), X_test (2, m_test), y_test (m_test,)
    """
    m = X.shape[1]
    n_train = min(max(1, int(round(train_fraction * m))), m - 1)
    perm = np.random.RandomState(seed).permutation(m)
    train, test = perm[:n_train], perm[n_train:]
    return X[:, train], y[train], X[:, test], y[test]


def parse_csv_upload(data):
    """Read an uploaded CSV: two feature columns and a label column (the last).

    The text goes through the CLI's own reader
    (:func:`layerwise.tables.read_csv`), so the same problems --
    missing values, non-numeric features, ragged rows -- give the same
    messages. The last column is the label; its distinct values (numbers or
    strings) become classes 0, 1, ... in sorted order.

    Parameters
    ----------
    data : bytes, the file's contents (at most :data:`MAX_CSV_BYTES`)

    Returns
    -------
    X : ndarray, shape (2, m); y : ndarray of int64, shape (m,);
    labels : list of str, the original label of each class
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"the CSV upload must be bytes; got {type(data).__name__}")
    if len(data) > MAX_CSV_BYTES:
        raise ValueError(f"the CSV upload is {len(data)} bytes; at most {MAX_CSV_BYTES} are accepted")
    try:
        header = data.decode("utf-8-sig").splitlines()[0] if data.strip() else ""
    except UnicodeDecodeError:
        raise ValueError("the CSV upload is not UTF-8 text") from None
    columns = [c.strip() for c in header.split(",")] if header else []
    if len(columns) != 3:
        raise ValueError(f"the CSV needs a header with exactly 3 columns (two features, then the "
                         f"label), e.g. x1,x2,label; got {len(columns)}: {header[:80]!r}")
    fd, path = tempfile.mkstemp(suffix=".csv", prefix="layerwise-upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(bytes(data))
        table = read_csv(path, columns[-1])
    finally:
        os.unlink(path)
    if table.X.shape[0] < 4:
        raise ValueError(f"the CSV has {table.X.shape[0]} rows; at least 4 are needed")
    if table.X.shape[0] > MAX_CSV_ROWS:
        raise ValueError(f"the CSV has {table.X.shape[0]} rows; at most {MAX_CSV_ROWS} are accepted")
    raw = table.y
    try:  # numeric labels sort as numbers (2 before 10), others as text
        keys = np.array([float(v) for v in raw])
    except ValueError:
        keys = raw
    labels, y = np.unique(keys, return_inverse=True)
    if not 2 <= len(labels) <= MAX_CLASSES:
        raise ValueError(f"the label column {table.target!r} has {len(labels)} distinct values; "
                         f"expected 2 to {MAX_CLASSES} classes")
    names = [(f"{v:g}" if isinstance(v, (float, np.floating)) and math.isfinite(v) else str(v))
             for v in labels]
    return np.ascontiguousarray(table.X.T), y.astype(np.int64), names
