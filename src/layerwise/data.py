"""Data helpers in the column convention: normalisation, one-hot, splits,
mini-batches, predictions and accuracy.

``X`` is (n_x, m) and ``Y`` is (n_y, m): one example per column.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import as_float_array, check_finite, check_positive_int
from ._rng import as_rng


#: Examples (columns) taken at a time by :func:`_column_major_moments`.
MOMENT_BLOCK = 4096


def _column_major_moments(X, block=MOMENT_BLOCK):
    """``X.mean(axis=1, keepdims=True)`` and ``X.var(axis=1, keepdims=True)`` of a
    column-major ``X`` (n_x, m), bit for bit, without a temporary of X's size.

    For this layout NumPy sums the columns one after the other, in order
    (each example is contiguous, so the reduction runs over the outer axis);
    that running sum is continued here ``block`` columns at a time, with the
    sum so far as the first row of each block, so every addition is one that
    NumPy does. ``X.var`` would hold ``X - mean`` whole; here it is one block.
    """
    rows = X.T  # C-ordered (m, n_x): row i is example i
    m, n = rows.shape
    buf = np.empty((min(block, m) + 1, n), dtype=X.dtype)
    total = None
    for start in range(0, m, block):
        k = min(block, m - start)
        buf[1:k + 1] = rows[start:start + k]
        total = _continue_sum(buf, k, total)
    mean = total / m
    total = None
    for start in range(0, m, block):
        k = min(block, m - start)
        deviations = buf[1:k + 1]
        np.subtract(rows[start:start + k], mean, out=deviations)
        deviations *= deviations
        total = _continue_sum(buf, k, total)
    return mean.reshape(-1, 1), (total / m).reshape(-1, 1)


def _continue_sum(buf, k, total):
    """``((total + buf[1]) + buf[2]) + ... + buf[k]`` row-wise (``total`` None: from ``buf[1]``)."""
    if total is None:
        return np.add.reduce(buf[1:k + 1], axis=0)
    buf[0] = total
    return np.add.reduce(buf[:k + 1], axis=0)


class Standardizer:
    """Learn each feature's mean and variance on the training set; apply them anywhere.

    ``transform(X) = (X - mean) / sqrt(var)``, per feature (row). A feature
    with zero variance is only centred.

    Attributes
    ----------
    mean_ : ndarray, shape (n_x, 1)
    var_ : ndarray, shape (n_x, 1)
    scale_ : ndarray, shape (n_x, 1), ``sqrt(var_)`` (1 where the variance is 0)

    Examples
    --------
    >>> scaler = Standardizer().fit(X_train)
    >>> X_train_n, X_test_n = scaler.transform(X_train), scaler.transform(X_test)
    """

    def fit(self, X, sample_weight=None):
        """Learn ``mean_`` and ``var_`` from ``X`` (n_x, m); returns self.

        ``sample_weight`` (m,), optional, weighs the columns: the weighted mean
        ``sum_i w_i x_i / sum_i w_i`` and the weighted variance around it, so
        that integer weights give the statistics of repeated columns.
        """
        X = check_finite("X", as_float_array("X", X))
        if sample_weight is None and X.flags.f_contiguous and not X.flags.c_contiguous:
            self.mean_, self.var_ = _column_major_moments(X)
        elif sample_weight is None:
            self.mean_ = X.mean(axis=1, keepdims=True)
            self.var_ = X.var(axis=1, keepdims=True)
        else:
            w = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
            if w.shape[0] != X.shape[1] or not np.all(np.isfinite(w)) or np.any(w < 0) \
                    or w.sum() <= 0:
                raise ValueError(f"sample_weight must hold {X.shape[1]} finite weights >= 0 with "
                                 f"a positive sum; got shape {w.shape}")
            self.mean_ = (X @ w / w.sum()).reshape(-1, 1).astype(X.dtype, copy=False)
            centred = X - self.mean_
            centred *= centred
            self.var_ = (centred @ w / w.sum()).reshape(-1, 1).astype(X.dtype, copy=False)
        scale = np.sqrt(self.var_)
        self.scale_ = np.where(scale > 0, scale, 1.0).astype(X.dtype)
        return self

    def transform(self, X):
        """``(X - mean_) / scale_``; X is (n_x, m) with the n_x seen in ``fit``."""
        if not hasattr(self, "mean_"):
            raise ValueError("this Standardizer is not fitted yet; call fit(X_train) first")
        X = check_finite("X", as_float_array("X", X))
        if X.shape[0] != self.mean_.shape[0]:
            raise ValueError(f"X has {X.shape[0]} features (rows); the Standardizer was fitted on "
                             f"{self.mean_.shape[0]}")
        return ((X - self.mean_) / self.scale_).astype(X.dtype, copy=False)

    def fit_transform(self, X):
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X):
        """Undo :meth:`transform`."""
        return np.asarray(X) * self.scale_ + self.mean_


def one_hot(labels, n_classes=None):
    """One-hot columns for integer class labels.

    Parameters
    ----------
    labels : array_like of int, shape (m,) or (1, m), values in 0..n_classes-1
    n_classes : int, optional, default ``max(labels) + 1``

    Returns
    -------
    Y : ndarray of float64, shape (n_classes, m); ``Y[labels[i], i] = 1``
    """
    labels = np.asarray(labels).ravel()
    if labels.size and not np.all(np.equal(np.mod(labels, 1), 0)):
        raise ValueError("labels must be integers 0..n_classes-1")
    labels = labels.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError(f"labels must be >= 0; got {labels.min()}")
    if n_classes is None:
        n_classes = int(labels.max()) + 1 if labels.size else 0
    n_classes = check_positive_int("n_classes", n_classes)
    if labels.size and labels.max() >= n_classes:
        raise ValueError(f"label {labels.max()} is out of range for n_classes={n_classes}")
    Y = np.zeros((n_classes, labels.size))
    Y[labels, np.arange(labels.size)] = 1.0
    return Y


def _paired_columns(X, Y):
    """``X`` and ``Y`` as arrays (a 1-D ``Y`` as one row) and their common m."""
    X, Y = np.asarray(X), np.asarray(Y)
    if Y.ndim == 1:
        Y = Y.reshape(1, -1)
    m = X.shape[1]
    if Y.shape[1] != m:
        raise ValueError(f"X has {m} examples (columns) but Y has {Y.shape[1]}")
    return X, Y, m


def train_test_split(X, Y, test_size=0.2, rng=None):
    """Split the columns of ``X`` and ``Y`` into a training and a test part.

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (n_y, m)
    test_size : float in (0, 1) (a fraction) or int (a count)
    rng : random source for the shuffle

    Returns
    -------
    X_train, X_test, Y_train, Y_test
    """
    X, Y, m = _paired_columns(X, Y)
    if isinstance(test_size, float):
        if not 0 < test_size < 1:
            raise ValueError(f"test_size as a fraction must be in (0, 1); got {test_size}")
        n_test = int(math.ceil(test_size * m))
    else:
        n_test = check_positive_int("test_size", test_size)
    if not 0 < n_test < m:
        raise ValueError(f"test_size leaves {m - n_test} training and {n_test} test examples; "
                         "both must be at least 1")
    perm = as_rng(rng).permutation(m)
    test, train = perm[:n_test], perm[n_test:]
    return X[:, train], X[:, test], Y[:, train], Y[:, test]


def random_mini_batches(X, Y, mini_batch_size=64, rng=None):
    """Shuffle the columns once and cut them into consecutive mini-batches.

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (n_y, m) or (m,)
    mini_batch_size : int >= 1
    rng : None, int, Generator or RandomState
        One ``rng.permutation(m)`` per call (the course's
        ``np.random.seed(seed); np.random.permutation(m)`` is ``rng=seed``).

    Returns
    -------
    list of (mini_batch_X, mini_batch_Y)
        Shapes (n_x, size) and (n_y, size); the last batch keeps the
        ``m % mini_batch_size`` remaining columns, if any.
    """
    mini_batch_size = check_positive_int("mini_batch_size", mini_batch_size)
    X, Y, m = _paired_columns(X, Y)
    permutation = as_rng(rng).permutation(m)
    shuffled_X, shuffled_Y = X[:, permutation], Y[:, permutation]
    return [(shuffled_X[:, k:k + mini_batch_size], shuffled_Y[:, k:k + mini_batch_size])
            for k in range(0, m, mini_batch_size)]


def predictions_from_output(AL, output_activation):
    """Turn a network output into predictions.

    Sigmoid: ``AL > 0.5`` as 0/1 integers, shape of ``AL``; softmax: the argmax
    class, shape (1, m); anything else: ``AL`` itself (regression).
    """
    if output_activation == "sigmoid":
        return (AL > 0.5).astype(np.int64)
    if output_activation == "softmax":
        return np.argmax(AL, axis=0).reshape(1, -1)
    return AL


def predict(X, parameters, activations=None):
    """Predict with a parameters dict, course style.

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
    parameters : dict ``W1, b1, ..., WL, bL``
    activations : list of L names, optional (default relu..., sigmoid)

    Returns
    -------
    predictions : ndarray, shape (1, m) -- 0/1 for a sigmoid output, the
        class index for softmax (values for other outputs)
    """
    from .propagation import L_model_forward

    AL, caches = L_model_forward(np.asarray(X), parameters, activations)
    return predictions_from_output(AL, caches.activations[-1])


def accuracy(predictions, Y):
    """Fraction of examples predicted right.

    Parameters
    ----------
    predictions : ndarray, shape (1, m) or (n_y, m)
        Labels (0/1, or class indices when ``Y`` is one-hot).
    Y : ndarray, shape (1, m), (m,) or one-hot (n_classes, m)

    Returns
    -------
    float in [0, 1]
    """
    predictions, Y = np.asarray(predictions), np.asarray(Y)
    if Y.ndim == 2 and Y.shape[0] > 1 and predictions.shape[0] == 1:
        Y = np.argmax(Y, axis=0).reshape(1, -1)
    if Y.ndim == 1:
        Y = Y.reshape(1, -1)
    predictions = predictions.reshape(Y.shape)
    return float(np.mean(np.all(predictions == Y, axis=0)))
