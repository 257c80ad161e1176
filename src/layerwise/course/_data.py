"""The course notebooks' data loaders, reading files relative to the working directory.

As in the notebooks: ``datasets/data.mat`` and the cat pictures
``datasets/train_catvnoncat.h5``, ``datasets/test_catvnoncat.h5`` are looked up
in ``./datasets``. They are the course's files and are not shipped with
layerwise; a missing file raises ``FileNotFoundError`` naming it and saying
where to put it (checked before h5py is imported, which is an optional extra:
``pip install 'layerwise[course]'``). The circles and moons are generated as
the notebooks do, from a local ``RandomState`` (NumPy's global state is left
untouched). The scatter plots the notebooks' loaders draw go through
:func:`layerwise.course._plots.scatter` and never need a display.
"""

from __future__ import annotations

import os

import numpy as np

from . import _plots

CAT_FILES = (os.path.join("datasets", "train_catvnoncat.h5"),
             os.path.join("datasets", "test_catvnoncat.h5"))
DATA_MAT = os.path.join("datasets", "data.mat")


def _missing(files, what):
    missing = [f for f in files if not os.path.isfile(f)]
    if missing:
        raise FileNotFoundError(
            f"{' and '.join(missing)} not found (looked in {os.getcwd()}): the course's {what} "
            f"is not shipped with layerwise; copy it from the notebook's own 'datasets' folder "
            f"into ./datasets/ next to your notebook")


def _cat_arrays():
    _missing(CAT_FILES, "cat/non-cat pictures")
    try:
        import h5py
    except ImportError:
        raise ImportError("reading datasets/train_catvnoncat.h5 needs h5py: "
                          "pip install h5py (or pip install 'layerwise[course]')") from None
    with h5py.File(CAT_FILES[0], "r") as train, h5py.File(CAT_FILES[1], "r") as test:
        train_x = np.array(train["train_set_x"][:])
        train_y = np.array(train["train_set_y"][:]).reshape(1, -1)
        test_x = np.array(test["test_set_x"][:])
        test_y = np.array(test["test_set_y"][:]).reshape(1, -1)
        classes = np.array(test["list_classes"][:])
    return train_x, train_y, test_x, test_y, classes


def load_data():
    """C1 W4 A2: ``train_x_orig`` (209, 64, 64, 3), ``train_y`` (1, 209), test, ``classes``."""
    return _cat_arrays()


def load_cat_dataset():
    """The cat pictures flattened to (12288, m) and scaled by 1/255; labels (1, m); classes."""
    train_x, train_y, test_x, test_y, classes = _cat_arrays()
    train_x = train_x.reshape(train_x.shape[0], -1).T / 255
    test_x = test_x.reshape(test_x.shape[0], -1).T / 255
    return train_x, train_y, test_x, test_y, classes


def load_circles_dataset():
    """C2 W1 A1's ``load_dataset``: circles, 300 training points (seed 1) and 100 test (seed 2)."""
    from sklearn.datasets import make_circles

    train_X, train_Y = make_circles(n_samples=300, noise=.05, random_state=np.random.RandomState(1))
    test_X, test_Y = make_circles(n_samples=100, noise=.05, random_state=np.random.RandomState(2))
    _plots.scatter(train_X[:, 0], train_X[:, 1], train_Y)
    return train_X.T, train_Y.reshape(1, -1), test_X.T, test_Y.reshape(1, -1)


def load_moons_dataset():
    """C2 W2 A1's ``load_dataset``: moons, 300 points, seed 3, noise 0.2; no test set."""
    from sklearn.datasets import make_moons

    train_X, train_Y = make_moons(n_samples=300, noise=.2, random_state=np.random.RandomState(3))
    _plots.scatter(train_X[:, 0], train_X[:, 1], train_Y)
    return train_X.T, train_Y.reshape(1, -1)


def load_2D_dataset():
    """``datasets/data.mat`` (the "football" data): train (2, 211), (1, 211); test (2, 200)."""
    _missing([DATA_MAT], "football data (data.mat, C2 W1 A2)")
    from scipy.io import loadmat

    data = loadmat(DATA_MAT)
    train_X, train_Y = data["X"].T, data["y"].T
    test_X, test_Y = data["Xval"].T, data["yval"].T
    _plots.scatter(train_X[0, :], train_X[1, :], train_Y.ravel())
    return train_X, train_Y, test_X, test_Y


def load_planar_dataset(randomness, seed):
    """reg_utils' (second) planar data: 50 points on two noisy spirals; X (2, 50), Y (1, 50) uint8.

    Radii ``0.3 t^2`` (class 0, t up to 4 pi) and ``0.2 t^2`` (class 1, t up to 4 pi
    from 1), each plus ``randomness`` times standard normal noise after ``seed(seed)``.
    """
    rng = np.random.RandomState(seed)
    m, n = 50, 25
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1), dtype="uint8")
    for j in range(2):
        ix = range(n * j, n * (j + 1))
        if j == 0:
            t = np.linspace(j, 4 * 3.1415 * (j + 1), n)
            r = 0.3 * np.square(t) + rng.randn(n) * randomness
        else:
            t = np.linspace(j, 2 * 3.1415 * (j + 1), n)
            r = 0.2 * np.square(t) + rng.randn(n) * randomness
        X[ix] = np.c_[r * np.cos(t), r * np.sin(t)]
        Y[ix] = j
    return X.T, Y.T


def load_params_and_grads(seed=1):
    """C2 W2 A1's test helper: ``W1, b1, W2, b2, dW1, db1, dW2, db2`` drawn after ``seed(seed)``."""
    rng = np.random.RandomState(seed)
    shapes = [(2, 3), (2, 1), (3, 3), (3, 1)] * 2
    return tuple(rng.randn(*shape) for shape in shapes)
