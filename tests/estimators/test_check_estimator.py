"""scikit-learn's own estimator checks, every one of them, on small fast instances.

No check is expected to fail. ``check_array_api_input`` skips itself unless
SCIPY_ARRAY_API=1 is set; layerwise computes with NumPy only and does not
claim array-API support (the ``array_api_support`` tag is False).
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from layerwise.sklearn import DeepClassifier, DeepRegressor

# Few epochs and a larger step keep the ~120 checks quick; still enough for
# check_classifiers_train / check_regressors_train's score thresholds.
ESTIMATORS = [
    DeepClassifier((16,), epochs=50, learning_rate=0.01),
    DeepRegressor((16,), epochs=50, learning_rate=0.01),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda est: {})
def test_sklearn_check(estimator, check):
    check(estimator)


# Not yielded by check_estimator, but part of the estimator API: feature names
# from a DataFrame are recorded and checked at predict time.
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_dataframe_column_names_consistency(estimator):
    pytest.importorskip("pandas", reason="pandas is not installed (it is in the test extra)")
    from sklearn.utils.estimator_checks import check_dataframe_column_names_consistency

    check_dataframe_column_names_consistency(type(estimator).__name__, estimator)
