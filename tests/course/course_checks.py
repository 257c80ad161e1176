"""The course tests' comparison, restated: types, lengths, shapes, then values.

As the course's ``multiple_test`` (C1 ``test_utils``, C2 ``dlai_tools``): a
result must have the expected container type and the same number of items or
keys (an extra key fails), arrays the same shape, and values equal to
``np.testing.assert_array_almost_equal``'s default 6 decimals.
"""

import numpy as np


def course_compare(result, expected, path="output"):
    """Raise AssertionError (naming the item) unless ``result`` matches ``expected``."""
    if isinstance(expected, dict):
        assert isinstance(result, dict), f"{path}: expected a dict, got {type(result).__name__}"
        assert len(result) == len(expected), (
            f"{path}: {len(result)} keys {sorted(result)} against the course's {sorted(expected)}")
        for key, value in expected.items():
            assert key in result, f"{path}: no key {key!r}"
            course_compare(result[key], value, f"{path}[{key!r}]")
    elif isinstance(expected, (tuple, list)):
        assert isinstance(result, type(expected)), (
            f"{path}: expected a {type(expected).__name__}, got {type(result).__name__}")
        assert len(result) == len(expected), f"{path}: {len(result)} items, course {len(expected)}"
        for i, (r, e) in enumerate(zip(result, expected)):
            course_compare(r, e, f"{path}[{i}]")
    elif isinstance(expected, np.ndarray):
        assert isinstance(result, np.ndarray), (
            f"{path}: expected an ndarray, got {type(result).__name__}")
        assert result.shape == expected.shape, f"{path}: shape {result.shape} != {expected.shape}"
        np.testing.assert_array_almost_equal(result, expected, err_msg=path)
    else:
        np.testing.assert_array_almost_equal(result, expected, err_msg=path)
