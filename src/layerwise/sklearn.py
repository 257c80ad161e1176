"""scikit-learn face of layerwise: ``from layerwise.sklearn import DeepClassifier, DeepRegressor``.

The estimators live in :mod:`layerwise.estimators`; this module is their
public address.
"""

from .estimators import DeepClassifier, DeepRegressor

__all__ = ["DeepClassifier", "DeepRegressor"]
