"""scikit-learn estimators on layerwise networks: :class:`DeepClassifier`, :class:`DeepRegressor`.

Importing this package imports scikit-learn; ``import layerwise`` alone does not.
"""

from .classifier import DeepClassifier
from .regressor import DeepRegressor

__all__ = ["DeepClassifier", "DeepRegressor"]
