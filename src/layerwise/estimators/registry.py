"""The estimator registry: every estimator class by the ``kind`` its model files record.

The one place that maps names to classes; :func:`load_model` uses it to read
any layerwise model file.
"""

from __future__ import annotations

from ..io import ModelFileError, read_model_file
from ..model_metadata import check_network_metadata, check_only_arrays, parameter_shapes
from ..network import Network
from .classifier import DeepClassifier
from .model_file import check_estimator_metadata
from .regressor import DeepRegressor

#: kind -> estimator class.
ESTIMATORS = {cls.__name__: cls for cls in (DeepClassifier, DeepRegressor)}


def load_model(path):
    """Read any layerwise model file: a ``Network``, ``DeepClassifier`` or ``DeepRegressor``.

    Returns
    -------
    model, metadata

    Raises
    ------
    ModelFileError
        For a damaged, forged or too large file, or an unknown kind of model.
    """
    def check(meta):
        kind = meta.get("kind")
        if kind == "Network":
            check_network_metadata(meta, kinds=("Network",))
            check_only_arrays(meta, parameter_shapes(meta["layer_dims"]))
        elif kind in ESTIMATORS:
            check_estimator_metadata(meta, ESTIMATORS[kind])
        else:
            raise ModelFileError(f"{path!r} holds an unknown kind of model {str(kind)[:40]!r}")

    arrays, meta = read_model_file(path, check_metadata=check)
    if meta["kind"] == "Network":
        return Network.from_arrays(meta, arrays, path=path), meta
    return ESTIMATORS[meta["kind"]].from_file_contents(path, meta, arrays), meta
