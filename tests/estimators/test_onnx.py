"""ONNX export: predictions through onnxruntime equal layerwise's to 1e-6.

Skips (visibly, with the reason) when onnx or onnxruntime is not installed;
the test extra installs both.
"""

import numpy as np
import pytest
from sklearn.datasets import make_blobs

onnx = pytest.importorskip("onnx", reason="onnx is not installed (pip install 'layerwise[onnx]')")
ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (pip install 'layerwise[onnx]')")

from layerwise.sklearn import DeepClassifier, DeepRegressor  # noqa: E402


def _run(path, X):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"X": X})[0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "sigmoid", "linear"])
@pytest.mark.parametrize("n_classes", [2, 4])
def test_classifier_parity(tmp_path, activation, dtype, n_classes):
    X, y = make_blobs(80, n_features=3, centers=n_classes, random_state=0)
    clf = DeepClassifier((6, 5), activation=activation, epochs=10, dtype=dtype, standardize=True,
                         random_state=0).fit(X, y)
    clf.to_onnx(tmp_path / "m.onnx")
    Xd = X.astype(dtype)
    np.testing.assert_allclose(_run(tmp_path / "m.onnx", Xd), clf.predict_proba(Xd), rtol=0, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_regressor_parity(tmp_path, dtype):
    X, y = make_blobs(80, n_features=3, centers=3, random_state=0)
    Y = np.column_stack([X @ [1.0, -2.0, 0.5], y.astype(float)])
    reg = DeepRegressor((8,), activation="tanh", epochs=10, dtype=dtype, standardize=True,
                        random_state=0).fit(X, Y)
    reg.to_onnx(tmp_path / "r.onnx")
    Xd = X.astype(dtype)
    expected = reg.predict(Xd)
    # Targets are in their own units here; compare at 1e-6 relative to their scale.
    np.testing.assert_allclose(_run(tmp_path / "r.onnx", Xd), expected, rtol=1e-6,
                               atol=1e-6 * np.abs(expected).max())
