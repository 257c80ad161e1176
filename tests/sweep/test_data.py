"""Loading a sweep's data: built-in sets, CSV/Parquet/.npz files, the one fixed split."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_wine

from layerwise.sweep.data import load_data
from layerwise.sweep.spec import SpecError, parse_spec


def _data(data, seed=0):
    return load_data(parse_spec({"name": "d", "data": data,
                                 "search": {"params": {"learning_rate": [0.01]}}}).data, seed)


def test_builtin_digits_split_and_standardised():
    data = _data({"name": "digits"})
    assert data.task == "classification" and data.classes == list(range(10)) and data.output_activation == "softmax"
    assert data.X_train.shape == (64, 1437) and data.X_val.shape == (64, 360)  # 20 % held out
    assert data.Y_train.shape == (10, 1437) and np.all(data.Y_train.sum(axis=0) == 1)
    np.testing.assert_allclose(data.X_train.mean(axis=1), 0, atol=1e-12)  # standardised on the training part
    counts_train = data.Y_train.sum(axis=1) / 1437
    counts_val = data.Y_val.sum(axis=1) / 360
    np.testing.assert_allclose(counts_train, counts_val, atol=0.01)  # stratified
    again = _data({"name": "digits"})
    np.testing.assert_array_equal(again.X_val, data.X_val)  # the split is a function of the seed
    assert not np.array_equal(_data({"name": "digits"}, seed=1).X_val, data.X_val)


def test_builtin_regression_and_binary_and_lab():
    diabetes = _data({"name": "diabetes"})
    assert diabetes.task == "regression" and diabetes.output_activation == "linear" and diabetes.Y_train.shape[0] == 1
    cancer = _data({"name": "breast_cancer"})
    assert cancer.output_activation == "sigmoid" and set(np.unique(cancer.Y_train)) == {0.0, 1.0}
    football = _data({"name": "football"})
    assert football.X_train.shape[0] == 2 and football.X_train.shape[1] + football.X_val.shape[1] == 400


def test_csv_parquet_npz_agree(tmp_path):
    X, y = load_wine(return_X_y=True)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    frame["label"] = np.array(["a", "b", "c"])[y]
    frame.to_csv(tmp_path / "wine.csv", index=False)
    frame.to_parquet(tmp_path / "wine.parquet")
    np.savez(tmp_path / "wine.npz", X=X, y=y)
    builtin = _data({"name": "wine"})
    csv = _data({"path": str(tmp_path / "wine.csv"), "target": "label"})
    parquet = _data({"path": str(tmp_path / "wine.parquet"), "target": "label"})
    npz = _data({"path": str(tmp_path / "wine.npz")})
    assert csv.classes == ["a", "b", "c"] and npz.classes == [0, 1, 2]
    for other in (csv, parquet, npz):
        np.testing.assert_allclose(other.X_train, builtin.X_train, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(other.Y_val, builtin.Y_val)


def test_file_refusals(tmp_path):
    pd.DataFrame({"x": [1.0, 2.0, None, 4.0], "y": [0, 1, 0, 1]}).to_csv(tmp_path / "gap.csv", index=False)
    pd.DataFrame({"x": ["a", "b", "c", "d"], "y": [0, 1, 0, 1]}).to_csv(tmp_path / "text.csv", index=False)
    cases = [({"path": str(tmp_path / "missing.csv"), "target": "y"}, "data.path: .*missing.csv does not exist"),
             ({"path": str(tmp_path / "gap.csv"), "target": "y"}, "data.path: .*missing or infinite value at row 2, column 'x'"),
             ({"path": str(tmp_path / "text.csv"), "target": "y"}, "data.path: .*column 'x' is not numeric"),
             ({"path": str(tmp_path / "gap.csv"), "target": "label"}, "data.target: .*has no column 'label'"),
             ({"path": str(tmp_path / "gap.csv")}, "data.target: a CSV or Parquet file needs"),
             ({"path": str(tmp_path / "x.xlsx"), "target": "y"}, "data.path: expected a .csv, .parquet or .npz")]
    for data, message in cases:
        with pytest.raises(SpecError, match=message):
            _data(data)
