"""The data a sweep trains on: loaded once, split once, sent to each worker once.

A built-in data set by name (scikit-learn's bundled ``digits``,
``breast_cancer``, ``wine``, ``iris``, ``diabetes``; the lab's ``football``)
or a file: CSV or Parquet with a target column, or ``.npz`` with arrays ``X``
(n_samples, n_features) and ``y`` (n_samples,). Every trial of a sweep sees
the same training/validation split (stratified for classification, drawn from
the spec's seed) and the same standardisation (the training part's mean and
standard deviation), so that trials differ only in what is searched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ..data import Standardizer, one_hot
from .spaces import SpecError
from .spec import builtin_task

#: An integer-valued target with at most this many distinct values counts as classes (task auto).
MAX_AUTO_CLASSES = 20


@dataclass(frozen=True)
class SweepData:
    """Training and validation arrays in the network's convention (columns are examples).

    Attributes
    ----------
    X_train : ndarray, shape (n_x, m_train);  Y_train : ndarray, shape (n_y, m_train)
    X_val : ndarray, shape (n_x, m_val);      Y_val : ndarray, shape (n_y, m_val)
    task : {"classification", "regression"}
    classes : list or None, the class labels (row k of a one-hot Y is ``classes[k]``)
    output_activation : {"sigmoid", "softmax", "linear"}
    """

    X_train: np.ndarray
    Y_train: np.ndarray
    X_val: np.ndarray
    Y_val: np.ndarray
    task: str
    classes: list | None
    output_activation: str
    feature_mean: np.ndarray | None = None
    feature_scale: np.ndarray | None = None

    def preprocessing(self):
        """What a model trained on this data expects of new inputs, as JSON-able metadata."""
        return {"task": self.task, "classes": self.classes,
                "standardize": None if self.feature_mean is None else
                {"mean": self.feature_mean.ravel().tolist(), "scale": self.feature_scale.ravel().tolist()}}

    @property
    def n_x(self):
        return self.X_train.shape[0]

    @property
    def n_y(self):
        return self.Y_train.shape[0]


def _builtin(name, seed):
    if name == "football":
        from ..lab.data import football

        X_train, Y_train, X_test, Y_test = football(seed=seed)
        return np.hstack([X_train, X_test]).T, np.hstack([Y_train, Y_test]).ravel().astype(int)
    import sklearn.datasets

    loader = getattr(sklearn.datasets, f"load_{name}")
    X, y = loader(return_X_y=True)
    return np.asarray(X, dtype=np.float64), np.asarray(y)


def _from_file(path, target):
    if not os.path.exists(path):
        raise SpecError(f"data.path: {path} does not exist")
    lower = path.lower()
    if lower.endswith(".npz"):
        try:
            with np.load(path, allow_pickle=False) as arrays:
                if "X" not in arrays.files or "y" not in arrays.files:
                    raise SpecError(f"data.path: {path} needs arrays 'X' and 'y'; it holds "
                                    f"{', '.join(arrays.files) or 'nothing'}")
                X, y = arrays["X"], np.ravel(arrays["y"])
        except (ValueError, OSError) as exc:
            raise SpecError(f"data.path: {path} is not a readable .npz ({str(exc).splitlines()[0]})") from None
        if X.ndim != 2 or X.shape[0] != y.shape[0] or X.size == 0:
            raise SpecError(f"data.path: {path}: X must be (n_samples, n_features) with one y per row; "
                            f"got X {X.shape}, y {y.shape}")
        columns = None
    else:
        import pandas as pd

        try:
            frame = pd.read_parquet(path) if lower.endswith((".parquet", ".pq")) else pd.read_csv(path)
        except ImportError as exc:
            raise SpecError(f"data.path: reading {path} needs {exc.name or 'pyarrow'} (pip install pyarrow)") from None
        except Exception as exc:  # pandas raises many kinds; all mean "not a readable table"
            raise SpecError(f"data.path: {path} is not a readable table ({str(exc).splitlines()[0]})") from None
        if target not in frame.columns:
            raise SpecError(f"data.target: {path} has no column {target!r}; its columns are "
                            f"{', '.join(map(str, frame.columns))}")
        y = frame[target].to_numpy()
        features = frame.drop(columns=[target])
        bad = [c for c in features.columns if not pd.api.types.is_numeric_dtype(features[c].dtype)]
        if bad:
            raise SpecError(f"data.path: {path}: column {bad[0]!r} is not numeric; features must be numbers")
        if features.shape[1] == 0:
            raise SpecError(f"data.path: {path} has no feature columns besides {target!r}")
        X, columns = features.to_numpy(dtype=np.float64), list(features.columns)
    if np.iscomplexobj(X) or not np.issubdtype(X.dtype, np.number):
        raise SpecError(f"data.path: {path}: X must hold real numbers; got dtype {X.dtype}")
    X = X.astype(np.float64)
    if not np.all(np.isfinite(X)):
        r, c = np.argwhere(~np.isfinite(X))[0]
        where = f"column {columns[c]!r}" if columns else f"column {c}"
        raise SpecError(f"data.path: {path}: missing or infinite value at row {r}, {where}")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise SpecError(f"data.path: {path}: the target holds missing or infinite values")
    return X, y


def _task(y, requested):
    if requested != "auto":
        return requested
    if y.dtype.kind in "OUSb":
        return "classification"
    integral = np.all(np.equal(np.mod(y, 1), 0))
    return "classification" if integral and len(np.unique(y)) <= MAX_AUTO_CLASSES else "regression"


def load_data(data_spec, seed=0):
    """Load, split and standardise the data a spec names.

    Parameters
    ----------
    data_spec : dict, ``SweepSpec.data``
    seed : int, the spec's seed (the split, and the lab generators' draws)

    Returns
    -------
    SweepData
    """
    from sklearn.model_selection import train_test_split

    if "name" in data_spec:
        X, y = _builtin(data_spec["name"], seed)
        task = builtin_task(data_spec["name"]) if data_spec.get("task", "auto") == "auto" else data_spec["task"]
    else:
        X, y = _from_file(data_spec["path"], data_spec.get("target"))
        task = _task(y, data_spec.get("task", "auto"))
    fraction = data_spec.get("validation_fraction", 0.2)
    classes = None
    if task == "classification":
        classes, labels = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise SpecError(f"data: the target has a single class ({classes[0]!r}); nothing to classify")
        stratify = labels if np.min(np.bincount(labels)) >= 2 else None
    else:
        if y.dtype.kind not in "iuf":
            raise SpecError("data.task: regression needs a numeric target")
        labels, stratify = y.astype(np.float64), None
    try:
        X_tr, X_va, y_tr, y_va = train_test_split(X, labels, test_size=fraction, random_state=seed,
                                                  stratify=stratify)
    except ValueError as exc:
        raise SpecError(f"train.validation_fraction: cannot split {len(y)} samples "
                        f"({str(exc).splitlines()[0]})") from None
    mean = scale = None
    if data_spec.get("standardize", True):
        scaler = Standardizer().fit(X_tr.T)
        X_tr, X_va = scaler.transform(X_tr.T), scaler.transform(X_va.T)
        mean, scale = scaler.mean_, scaler.scale_
    else:
        X_tr, X_va = X_tr.T, X_va.T
    if task == "classification":
        if len(classes) == 2:
            Y_tr, Y_va, output = y_tr.reshape(1, -1).astype(np.float64), y_va.reshape(1, -1).astype(np.float64), "sigmoid"
        else:
            Y_tr, Y_va, output = one_hot(y_tr, len(classes)), one_hot(y_va, len(classes)), "softmax"
        classes = [c.item() if hasattr(c, "item") else c for c in classes]
    else:
        Y_tr, Y_va, output = y_tr.reshape(1, -1), y_va.reshape(1, -1), "linear"
    return SweepData(np.ascontiguousarray(X_tr), np.ascontiguousarray(Y_tr, dtype=np.float64),
                     np.ascontiguousarray(X_va), np.ascontiguousarray(Y_va, dtype=np.float64),
                     task, classes, output, mean, scale)
