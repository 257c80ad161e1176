"""Model files for the estimators, in the format of :mod:`layerwise.io`.

Besides the network's ``layer_dims``, ``activations``, ``loss`` and ``dtype``
(see :mod:`layerwise.model_metadata`), the metadata holds an ``"estimator"``
section::

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
bools, integers (exactly, at any size the dtype holds), floats and strings
round trip; other object labels are refused when saving.

Everything in the section is checked -- types, bounds (at most
:data:`MAX_CLASSES` classes of at most :data:`MAX_LABEL_CHARS` characters),
agreement with the network (a classifier's output is sigmoid or softmax with
the matching cross-entropy, one unit per class) -- before any array is read.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..io import ModelFileError, read_model_file, write_model_file
from ..model_metadata import (check_network_metadata, check_only_arrays, network_metadata,
                              parameter_shapes)
from ..network import Network

#: Most classes a model file may hold.
MAX_CLASSES = 10_000
#: Longest string label (characters).
MAX_LABEL_CHARS = 1024
#: Most epochs a model file may record.
MAX_EPOCHS = 10**9


# --------------------------------------------------------------------- labels
def encode_labels(labels):
    """``{"dtype": ..., "values": [...]}`` for a 1-D label array; TypeError if JSON cannot hold it."""
    labels = np.asarray(labels)
    kind = labels.dtype.kind
    if kind == "U" and labels.dtype.itemsize // 4 > MAX_LABEL_CHARS:
        raise TypeError(f"classes_ of dtype {labels.dtype} cannot be stored in a model file: "
                        f"labels are at most {MAX_LABEL_CHARS} characters")
    if kind in "biuU":
        return {"dtype": labels.dtype.str, "values": labels.tolist()}
    if kind == "f":
        if not np.all(np.isfinite(labels)):
            raise TypeError("classes_ holds NaN or infinity, which a model file cannot store")
        return {"dtype": labels.dtype.str, "values": labels.tolist()}
    if kind == "O" and all(isinstance(v, str) for v in labels.tolist()):
        if any(len(v) > MAX_LABEL_CHARS for v in labels.tolist()):
            raise TypeError(f"classes_ holds labels longer than {MAX_LABEL_CHARS} characters, "
                            "which a model file cannot store")
        return {"dtype": "object", "values": labels.tolist()}
    types = sorted({type(v).__name__ for v in labels.tolist()})
    raise TypeError(f"classes_ of dtype {labels.dtype} ({', '.join(types)}) cannot be stored in a "
                    "model file; use str, int, float or bool labels")


def decode_labels(spec):
    """Inverse of :func:`encode_labels`; raises ValueError on anything else, before allocating."""
    if not isinstance(spec, dict) or set(spec) != {"dtype", "values"} or \
            not isinstance(spec["values"], list):
        raise ValueError("labels must be {'dtype': ..., 'values': [...]}")
    values, dtype = spec["values"], spec["dtype"]
    if len(values) > MAX_CLASSES:
        raise ValueError(f"{len(values):,} classes; a model file holds at most {MAX_CLASSES:,}")
    if dtype == "object":
        if not all(isinstance(v, str) and len(v) <= MAX_LABEL_CHARS for v in values):
            raise ValueError(f"object labels must all be strings of at most {MAX_LABEL_CHARS} "
                             "characters")
        return np.array(values, dtype=object)
    if not isinstance(dtype, str) or len(dtype) > 12:
        raise ValueError(f"unsupported label dtype {str(dtype)[:20]!r}")
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"unsupported label dtype {dtype!r}") from None
    if dt.kind not in "biufU" or (dt.kind == "U" and dt.itemsize // 4 > MAX_LABEL_CHARS):
        raise ValueError(f"unsupported label dtype {dtype!r}")
    if dt.kind == "b":
        ok = all(isinstance(v, bool) for v in values)
    elif dt.kind == "U":
        ok = all(isinstance(v, str) and len(v) <= dt.itemsize // 4 for v in values)
    elif dt.kind == "f":
        ok = all(isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)
                 for v in values)
    else:  # integers, kept exact: Python ints checked against the dtype's range
        info = np.iinfo(dt)
        ok = all(isinstance(v, int) and not isinstance(v, bool) and info.min <= v <= info.max
                 for v in values)
    if not ok:
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


# ------------------------------------------------------------- metadata checks
def _is_int(value, low=0, high=MAX_EPOCHS):
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _finite_floats(name, values):
    if not isinstance(values, list) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in values):
        raise ValueError(f"{name} must be a list of finite numbers")


def check_estimator_metadata(meta, cls):
    """Raise ``ValueError`` unless ``meta`` describes a valid ``cls`` (before any array is read).

    Returns
    -------
    dict of the checked network fields (as :func:`check_network_metadata`)
    """
    net = check_network_metadata(meta, kinds=(cls.__name__,))
    dims, acts = net["layer_dims"], net["activations"]
    section = meta.get("estimator")
    if not isinstance(section, dict):
        raise ValueError("the 'estimator' section is missing")
    params = section.get("params")
    if not isinstance(params, dict):
        raise ValueError("estimator params must be a JSON object")
    unknown = sorted(set(params) - set(cls().get_params(deep=False)))
    if unknown:
        raise ValueError(f"unknown {cls.__name__} parameters {unknown[:4]}")
    tuples = section.get("tuple_params", [])
    if not isinstance(tuples, list) or not all(isinstance(p, str) and
                                               isinstance(params.get(p), list) for p in tuples):
        raise ValueError("tuple_params must name list-valued params")
    if not _is_int(section.get("n_features_in"), 1, 2**31) or section["n_features_in"] != dims[0]:
        raise ValueError(f"n_features_in {str(section.get('n_features_in'))[:20]} disagrees with "
                         f"layer_dims {dims}")
    names = section.get("feature_names")
    if names is not None and (not isinstance(names, list) or len(names) != dims[0] or
                              not all(isinstance(n, str) for n in names)):
        raise ValueError(f"feature_names must be {dims[0]} strings")
    if not _is_int(section.get("n_iter")):
        raise ValueError(f"n_iter must be an integer in [0, {MAX_EPOCHS}]; got "
                         f"{str(section.get('n_iter'))[:20]}")
    for key in ("loss_curve", "validation_loss_curve", "validation_scores"):
        _finite_floats(key, section.get(key))
    best = section.get("best_validation_score")
    if best is not None:
        _finite_floats("best_validation_score", [best])
    if cls.__name__ == "DeepClassifier":
        classes = decode_labels(section.get("classes"))
        k = classes.size
        want = ("sigmoid", "binary_cross_entropy", 1) if k == 2 else \
            ("softmax", "categorical_cross_entropy", k)
        # A multilabel model: one sigmoid unit per label, labels 0..k-1 (as MLPClassifier).
        multilabel = (acts[-1], net["loss"], dims[-1]) == ("sigmoid", "binary_cross_entropy", k) \
            and k >= 2 and np.array_equal(classes, np.arange(k))
        if k < 2 or classes.ndim != 1 or ((acts[-1], net["loss"], dims[-1]) != want
                                           and not multilabel):
            raise ValueError(f"{k} classes need a {want[0]} output of {want[2]} unit(s) with "
                             f"{want[1]}; the network has {acts[-1]}, {dims[-1]} unit(s), "
                             f"{net['loss']}")
        if np.unique(classes).size != k:
            raise ValueError("classes are not distinct")
    else:
        n_outputs, y_ndim = section.get("n_outputs"), section.get("y_ndim")
        if not _is_int(n_outputs, 1, 2**31) or dims[-1] != n_outputs or y_ndim not in (1, 2) \
                or (y_ndim == 1 and n_outputs != 1):
            raise ValueError(f"n_outputs {str(n_outputs)[:20]} / y_ndim {str(y_ndim)[:20]} "
                             f"disagree with the output layer of {dims[-1]}")
    normalisation = meta.get("normalisation", {"input": None, "target": None})
    if not isinstance(normalisation, dict) or set(normalisation) - {"input", "target"}:
        raise ValueError("normalisation must be {'input': ..., 'target': ...}")
    allowed = dict(parameter_shapes(dims))
    for part, size in (("input", dims[0]), ("target", dims[-1])):
        method = normalisation.get(part)
        if method is None:
            continue
        if method != "standardize":
            raise ValueError(f"unknown {part} normalisation {str(method)[:20]!r}")
        for stat in ("mean", "scale"):
            spec = meta["arrays"].get(f"{part}_{stat}")
            if spec is None or tuple(spec["shape"]) != (size,) or spec["dtype"] != "<f8":
                raise ValueError(f"{part} normalisation arrays must be float64 ({size},)")
            allowed[f"{part}_{stat}"] = (size,)
    check_only_arrays(meta, allowed)
    return net


# -------------------------------------------------------------------- the mixin
class EstimatorFileMixin:
    """``save`` and ``load`` for the estimators (mixed into their shared base class)."""

    def save(self, path, *, extra=None):
        """Write the fitted estimator to ``path`` (layerwise model format, see :mod:`layerwise.io`).

        ``extra`` is an optional JSON-able dict stored with it.
        """
        meta, arrays = self._file_contents()
        meta["extra"] = dict(extra or {})
        write_model_file(path, arrays, meta)

    @classmethod
    def load(cls, path):
        """Read an estimator written by :meth:`save`; never unpickles anything.

        Raises
        ------
        ModelFileError
            If the file is not a model file of this kind, is damaged, forged,
            too large or of a newer format version.
        """
        return load_estimator(path, cls)

    def _file_contents(self):
        """Metadata and arrays describing this fitted estimator (see the module docstring)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        net = self.network_
        params, unstored, tuples = {}, [], []
        for name, value in self.get_params(deep=False).items():
            ok, encoded = _jsonable(value)
            if ok:
                params[name] = encoded
                if isinstance(value, tuple):  # JSON has only lists; remember which were tuples
                    tuples.append(name)
            else:
                unstored.append(name)
        names = getattr(self, "feature_names_in_", None)
        section = {"params": params, "tuple_params": tuples, "unstored_params": unstored,
                   "n_features_in": int(self.n_features_in_),
                   "feature_names": None if names is None else [str(n) for n in names],
                   "n_iter": int(self.n_iter_),
                   "loss_curve": [float(v) for v in self.loss_curve_],
                   "validation_loss_curve": [float(v) for v in self.validation_loss_curve_],
                   "validation_scores": [float(v) for v in self.validation_scores_],
                   "best_validation_score": self.best_validation_score_}
        if hasattr(self, "classes_"):
            section["classes"] = encode_labels(self.classes_)
        if hasattr(self, "n_outputs_"):
            section["n_outputs"], section["y_ndim"] = int(self.n_outputs_), int(self.y_ndim_)
        arrays = dict(net.parameters)
        normalisation = {"input": None, "target": None}
        for part in ("input", "target"):
            mean = getattr(self, f"{part}_mean_", None)
            if mean is not None:
                normalisation[part] = "standardize"
                arrays[f"{part}_mean"] = np.asarray(mean, dtype=np.float64)
                arrays[f"{part}_scale"] = np.asarray(getattr(self, f"{part}_scale_"), dtype=np.float64)
        meta = network_metadata(net)
        meta.update(kind=type(self).__name__, estimator=section, normalisation=normalisation)
        return meta, arrays

    @classmethod
    def from_file_contents(cls, path, meta, arrays):
        """Rebuild an estimator from a model file's ``meta`` and ``arrays``.

        ``meta`` must have passed :func:`check_estimator_metadata` (as
        :meth:`load` and :func:`layerwise.estimators.load_model` ensure); the
        arrays are checked here (finite weights, positive finite scales).
        """
        net = Network.from_arrays(meta, arrays, path=path)
        section = meta["estimator"]
        params = dict(section["params"])
        for name in section.get("tuple_params", []):
            params[name] = tuple(params[name])
        try:
            cls(**params)
        except (TypeError, ValueError) as exc:
            raise ModelFileError(f"{path!r} holds invalid {cls.__name__} parameters: {exc}") from None
        dims = net.layer_dims
        best = section.get("best_validation_score")
        fitted = {"n_features_in_": section["n_features_in"], "n_iter_": section["n_iter"],
                  "loss_curve_": [float(v) for v in section["loss_curve"]],
                  "validation_loss_curve_": [float(v) for v in section["validation_loss_curve"]],
                  "validation_scores_": [float(v) for v in section["validation_scores"]],
                  "best_validation_score_": None if best is None else float(best)}
        if section.get("feature_names") is not None:
            fitted["feature_names_in_"] = np.array(section["feature_names"], dtype=object)
        if "classes" in section:
            fitted["classes_"] = decode_labels(section["classes"])
        else:
            fitted["n_outputs_"], fitted["y_ndim_"] = section["n_outputs"], section["y_ndim"]
        for part, size in (("input", dims[0]), ("target", dims[-1])):
            if meta.get("normalisation", {}).get(part) is None:
                continue
            mean, scale = arrays[f"{part}_mean"], arrays[f"{part}_scale"]
            if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(scale)) and np.all(scale > 0)):
                raise ModelFileError(f"{path!r}: {part} normalisation needs finite means and "
                                     "positive finite scales")
            fitted[f"{part}_mean_"], fitted[f"{part}_scale_"] = mean, scale
        return cls.from_network(net, params, fitted)


def load_estimator(path, cls):
    """Read a ``cls`` (an estimator class) written by :meth:`EstimatorFileMixin.save`."""
    def check(meta):
        kind = meta.get("kind")
        if kind != cls.__name__:
            hint = "; load it with layerwise.Network.load" if kind == "Network" else ""
            raise ModelFileError(f"{path!r} holds a {str(kind)[:40]!r}, not a {cls.__name__}{hint}")
        check_estimator_metadata(meta, cls)

    arrays, meta = read_model_file(path, check_metadata=check)
    return cls.from_file_contents(path, meta, arrays)
