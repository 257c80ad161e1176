"""scikit-learn estimators on layerwise networks: :class:`DeepClassifier`, :class:`DeepRegressor`.

Importing this package imports scikit-learn; ``import layerwise`` alone does not.
"""

from .classifier import DeepClassifier
from .registry import ESTIMATORS, load_model
from .regressor import DeepRegressor

__all__ = ["DeepClassifier", "DeepRegressor", "ESTIMATORS", "load_model"]
