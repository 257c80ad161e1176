"""Model files for the estimators, in the format of :mod:`layerwise.io`.

Besides the network's ``layer_dims``, ``activations``, ``loss`` and ``dtype``,
the metadata holds an ``"estimator"`` section::

    {"params": {...},                    # constructor arguments that JSON can hold
     "tuple_params": [...], "unstored_params": [...],   # which were tuples; which JSON cannot hold
     "n_features_in": 4, "feature_names": ["a", "b", ...] | null,
     "classes": {"dtype": "<U6", "values": ["cat", "dog"]},   # classifier only
     "n_outputs": 1, "y_ndim": 1,                              # regressor only
     "n_iter": 200, "loss_curve": [...], "validation_loss_curve": [...],
     "validation_scores": [...], "best_validation_score": 0.97 | null}

and ``"normalisation": {"input": "standardize" | null, "target": ...}`` whose
statistics are the arrays ``input_mean``/``input_scale`` (n_features,) and
``target_mean``/``target_scale`` (n_outputs,). Class labels keep their dtype:
bools, integers, floats and strings round trip exactly; other object labels
are refused when saving.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..io import ModelFileError, network_from_file_contents, read_model_file, write_model_file

ESTIMATOR_KINDS = ("DeepClassifier", "DeepRegressor")


# --------------------------------------------------------------------- labels
def encode_labels(labels):
    """``{"dtype": ..., "values": [...]}`` for a 1-D label array; TypeError if JSON cannot hold it."""
    labels = np.asarray(labels)
    kind = labels.dtype.kind
    if kind in "biu":
        return {"dtype": labels.dtype.str, "values": labels.tolist()}
    if kind == "f":
        if not np.all(np.isfinite(labels)):
            raise TypeError("classes_ holds NaN or infinity, which a model file cannot store")
        return {"dtype": labels.dtype.str, "values": labels.tolist()}
    if kind == "U":
        return {"dtype": labels.dtype.str, "values": labels.tolist()}
    if kind == "O" and all(isinstance(v, str) for v in labels.tolist()):
        return {"dtype": "object", "values": labels.tolist()}
    types = sorted({type(v).__name__ for v in labels.tolist()})
    raise TypeError(f"classes_ of dtype {labels.dtype} ({', '.join(types)}) cannot be stored in a "
                    "model file; use str, int, float or bool labels")


def decode_labels(spec):
    """Inverse of :func:`encode_labels` (raises ValueError/TypeError on anything else)."""
    if not isinstance(spec, dict) or not isinstance(spec.get("values"), list):
        raise ValueError("labels must be {'dtype': ..., 'values': [...]}")
    values, dtype = spec["values"], spec.get("dtype")
    if dtype == "object":
        if not all(isinstance(v, str) for v in values):
            raise ValueError("object labels must all be strings")
        return np.array(values, dtype=object)
    dt = np.dtype(dtype)
    if dt.kind not in "biufU":
        raise ValueError(f"unsupported label dtype {dtype!r}")
    checks = {"b": lambda v: isinstance(v, bool), "U": lambda v: isinstance(v, str),
              "f": lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool)}
    ok = checks.get(dt.kind, lambda v: isinstance(v, int) and not isinstance(v, bool))
    if not all(ok(v) for v in values):
        raise ValueError(f"label values do not match their dtype {dtype!r}")
    return np.array(values, dtype=dt)


def _jsonable(value):
    if value is None or isinstance(value, (bool, str)):
        return True, value
    if isinstance(value, numbers.Integral):
        return True, int(value)
    if isinstance(value, numbers.Real):
        return bool(np.isfinite(value)), float(value)
    if isinstance(value, (list, tuple)):
        items = [_jsonable(v) for v in value]
        return all(ok for ok, _ in items), [v for _, v in items]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        items = {k: _jsonable(v) for k, v in value.items()}
        return all(ok for ok, _ in items.values()), {k: v for k, (_, v) in items.items()}
    return False, None


# ---------------------------------------------------------------------- save
def estimator_metadata(estimator):
    """Metadata and arrays describing a fitted estimator (see the module docstring)."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    net = estimator.network_
    params, unstored, tuples = {}, [], []
    for name, value in estimator.get_params(deep=False).items():
        ok, encoded = _jsonable(value)
        if ok:
            params[name] = encoded
            if isinstance(value, tuple):  # JSON has only lists; remember which were tuples
                tuples.append(name)
        else:
            unstored.append(name)
    names = getattr(estimator, "feature_names_in_", None)
    section = {"params": params, "tuple_params": tuples, "unstored_params": unstored,
               "n_features_in": int(estimator.n_features_in_),
               "feature_names": None if names is None else [str(n) for n in names],
               "n_iter": int(estimator.n_iter_),
               "loss_curve": [float(v) for v in estimator.loss_curve_],
               "validation_loss_curve": [float(v) for v in estimator.validation_loss_curve_],
               "validation_scores": [float(v) for v in estimator.validation_scores_],
               "best_validation_score": estimator.best_validation_score_}
    if hasattr(estimator, "classes_"):
        section["classes"] = encode_labels(estimator.classes_)
    if hasattr(estimator, "n_outputs_"):
        section["n_outputs"], section["y_ndim"] = int(estimator.n_outputs_), int(estimator.y_ndim_)
    arrays = dict(net.parameters)
    normalisation = {"input": None, "target": None}
    for part in ("input", "target"):
        mean = getattr(estimator, f"{part}_mean_", None)
        if mean is not None:
            normalisation[part] = "standardize"
            arrays[f"{part}_mean"] = np.asarray(mean, dtype=np.float64)
            arrays[f"{part}_scale"] = np.asarray(getattr(estimator, f"{part}_scale_"), dtype=np.float64)
    meta = {"kind": type(estimator).__name__, "layer_dims": list(net.layer_dims),
            "activations": list(net.activations), "loss": net.loss, "dtype": net.dtype.name,
            "estimator": section, "normalisation": normalisation}
    return meta, arrays


def save_estimator(estimator, path, extra=None):
    """Write a fitted estimator (plus an optional JSON-able ``extra`` dict) to ``path``."""
    meta, arrays = estimator_metadata(estimator)
    meta["extra"] = extra or {}
    write_model_file(path, meta, arrays)


# ---------------------------------------------------------------------- load
def estimator_from_file_contents(path, meta, arrays):
    """Rebuild an estimator from :func:`~layerwise.io.read_model_file`'s output, checking it."""
    from .classifier import DeepClassifier
    from .regressor import DeepRegressor

    cls = {"DeepClassifier": DeepClassifier, "DeepRegressor": DeepRegressor}[meta["kind"]]
    net = network_from_file_contents(path, meta, arrays)
    try:
        section = meta["estimator"]
        params = dict(section["params"])
        for name in section.get("tuple_params", []):
            params[name] = tuple(params[name])
        estimator = cls(**params)
        n_features = int(section["n_features_in"])
        dims = net.layer_dims
        if dims[0] != n_features:
            raise ValueError(f"layer_dims {dims} disagree with n_features_in {n_features}")
        if section.get("feature_names") is not None:
            names = np.array([str(n) for n in section["feature_names"]], dtype=object)
            if names.size != n_features:
                raise ValueError(f"{names.size} feature names for {n_features} features")
            estimator.feature_names_in_ = names
        if cls is DeepClassifier:
            classes = decode_labels(section["classes"])
            if classes.ndim != 1 or classes.size < 2 or dims[-1] != (1 if classes.size == 2 else classes.size):
                raise ValueError(f"{classes.size} classes disagree with the output layer of {dims[-1]}")
            estimator.classes_ = classes
        else:
            n_outputs, y_ndim = int(section["n_outputs"]), int(section["y_ndim"])
            if dims[-1] != n_outputs or y_ndim not in (1, 2) or (y_ndim == 1 and n_outputs != 1):
                raise ValueError(f"n_outputs {n_outputs} disagrees with the output layer of {dims[-1]}")
            estimator.n_outputs_, estimator.y_ndim_ = n_outputs, y_ndim
        for part, size in (("input", dims[0]), ("target", dims[-1])):
            if meta.get("normalisation", {}).get(part) is None:
                continue
            mean, scale = arrays[f"{part}_mean"], arrays[f"{part}_scale"]
            if mean.shape != (size,) or scale.shape != (size,) or not np.all(scale > 0):
                raise ValueError(f"{part} normalisation arrays have shapes {mean.shape}, "
                                 f"{scale.shape}; expected ({size},) with positive scales")
            setattr(estimator, f"{part}_mean_", mean)
            setattr(estimator, f"{part}_scale_", scale)
        estimator.n_features_in_ = n_features
        estimator.n_iter_ = int(section["n_iter"])
        estimator.loss_curve_ = [float(v) for v in section["loss_curve"]]
        estimator.validation_loss_curve_ = [float(v) for v in section["validation_loss_curve"]]
        estimator.validation_scores_ = [float(v) for v in section["validation_scores"]]
        estimator.best_validation_score_ = section.get("best_validation_score")
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(f"{path!r} describes no valid {meta.get('kind')}: {exc}") from None
    return type(estimator).from_network(net, estimator.get_params(), vars(estimator))


def load_estimator(path, expected=None):
    """Read an estimator written by :func:`save_estimator`; ``expected`` is a class to insist on."""
    meta, arrays = read_model_file(path)
    kind = meta.get("kind")
    wanted = expected.__name__ if expected is not None else None
    if kind not in ESTIMATOR_KINDS or (wanted is not None and kind != wanted):
        raise ModelFileError(f"{path!r} holds a {kind!r}, not a {wanted or ' or '.join(ESTIMATOR_KINDS)}")
    return estimator_from_file_contents(path, meta, arrays)


def load_model(path):
    """Read any layerwise model file: a ``Network``, ``DeepClassifier`` or ``DeepRegressor``.

    Returns
    -------
    model, metadata
    """
    meta, arrays = read_model_file(path)
    kind = meta.get("kind")
    if kind == "Network":
        return network_from_file_contents(path, meta, arrays), meta
    if kind in ESTIMATOR_KINDS:
        return estimator_from_file_contents(path, meta, arrays), meta
    raise ModelFileError(f"{path!r} holds an unknown kind of model {kind!r}")
