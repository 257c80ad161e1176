"""Multilabel targets, sparse input, warm_start, shuffle, weighted standardisation and
the small-validation check of ``DeepClassifier``/``DeepRegressor``.

Oracles: scikit-learn's ``MLPClassifier`` on multilabel targets from the same
weights; the same data dense (for sparse input); repeated rows (for integer
weights); ``np.average`` (weighted statistics); the estimator refit from scratch.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from layerwise.sklearn import DeepClassifier, DeepRegressor


def quiet(fit, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit(*args, **kwargs)


@pytest.fixture(scope="module")
def multilabel():
    return make_multilabel_classification(n_samples=60, n_features=8, n_classes=4,
                                          random_state=0, return_indicator=True)


# -------------------------------------------------------------------- multilabel
def test_multilabel_attributes_and_outputs(multilabel):
    X, Y = multilabel
    clf = quiet(DeepClassifier(16, epochs=30, random_state=0).fit, X, Y)
    peer = quiet(MLPClassifier(16, max_iter=5, random_state=0).fit, X, Y)
    np.testing.assert_array_equal(clf.classes_, peer.classes_)  # 0..n_labels-1
    assert clf.coefs_[-1].shape == (16, 4)
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape and np.all((proba > 0) & (proba < 1))
    predicted = clf.predict(X)
    assert predicted.shape == Y.shape and predicted.dtype == Y.dtype
    np.testing.assert_array_equal(predicted, (proba > 0.5).astype(Y.dtype))


@pytest.mark.parametrize("sk_activation, activation", [("logistic", "sigmoid"), ("relu", "relu"),
                                                       ("tanh", "tanh"), ("identity", "linear")])
def test_multilabel_steps_equal_mlp(multilabel, sk_activation, activation):
    """Sigmoid outputs and BCE summed over labels: MLP's objective, step for step."""
    X, Y = multilabel
    X = X / X.max()
    peer = MLPClassifier(10, activation=sk_activation, solver="sgd", momentum=0, alpha=1e-3,
                         learning_rate_init=0.5, batch_size=len(X), shuffle=False, max_iter=1,
                         warm_start=True, random_state=0, tol=0, n_iter_no_change=10 ** 6)
    ours = DeepClassifier(10, activation=activation, optimizer="gd", learning_rate=0.5, l2=1e-3,
                          batch_size=None, standardize=False, random_state=0)
    quiet(peer.fit, X, Y)
    ours.partial_fit(X, Y, classes=[0, 1, 2, 3])
    for mine, theirs in zip(ours.coefs_ + ours.intercepts_, peer.coefs_ + peer.intercepts_):
        mine[...] = theirs
    peer.set_params(max_iter=15)
    quiet(peer.fit, X, Y)
    for _ in range(15):
        ours.partial_fit(X, Y)
    for mine, theirs in zip(ours.coefs_ + ours.intercepts_, peer.coefs_ + peer.intercepts_):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=5e-16)
    # The cost is BCE summed over the labels, averaged over the samples, as MLP's loss_.
    np.testing.assert_allclose(ours.loss_curve_[-1], peer.loss_curve_[-1], rtol=1e-12)


def test_multilabel_bad_targets(multilabel):
    X, Y = multilabel
    with pytest.raises(ValueError, match="0/1"):
        DeepClassifier(epochs=1).fit(X, Y * 2)
    clf = DeepClassifier(epochs=1).partial_fit(X, Y, classes=[0, 1, 2, 3])
    with pytest.raises(ValueError, match="4 labels"):
        clf.partial_fit(X, Y[:, :3])


# ------------------------------------------------------------------------ sparse
@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400], y[:400]


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_fit_predict_partial_fit_equal_dense(digits, fmt):
    X, y = digits
    Xs = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    # standardize=False: sparse input is scaled but not centred, dense input is centred.
    common = dict(hidden_layer_sizes=(32,), epochs=5, batch_size=64, random_state=0,
                  standardize=False)
    dense = quiet(DeepClassifier(**common).fit, X, y)
    sparse = quiet(DeepClassifier(**common).fit, Xs, y)
    for a, b in zip(dense.coefs_, sparse.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sparse.predict_proba(Xs), dense.predict_proba(X), atol=1e-10)
    np.testing.assert_array_equal(sparse.predict(Xs), sparse.predict(X))
    sparse.partial_fit(Xs, y)
    dense.partial_fit(X, y)
    np.testing.assert_allclose(sparse.predict_proba(Xs), dense.predict_proba(X), atol=1e-9)
    reg_d = quiet(DeepRegressor(**common).fit, X, y.astype(float))
    reg_s = quiet(DeepRegressor(**common).fit, Xs, y.astype(float))
    np.testing.assert_allclose(reg_s.predict(Xs), reg_d.predict(X), rtol=1e-9, atol=1e-9)


def test_sparse_standardisation_scales_without_centring(digits):
    X, y = digits
    clf = quiet(DeepClassifier(8, epochs=1, random_state=0).fit, sp.csr_matrix(X), y)
    np.testing.assert_array_equal(clf.input_mean_, 0.0)  # centring would densify
    std = X.std(axis=0)
    np.testing.assert_allclose(clf.input_scale_, np.where(std > 0, std, 1.0), rtol=1e-12)


# ------------------------------------------------------------ warm_start, shuffle
def test_warm_start_continues_and_cold_start_restarts(digits):
    X, y = digits
    warm = quiet(DeepClassifier(16, epochs=3, warm_start=True, random_state=0).fit, X, y)
    first = [W.copy() for W in warm.coefs_]
    quiet(warm.fit, X, y)
    assert len(warm.loss_curve_) == 6 and warm.n_iter_ == 3
    six = quiet(DeepClassifier(16, epochs=6, random_state=0).fit, X, y)
    # Continuing for 3 more epochs is not the same as restarting ...
    assert not np.allclose(warm.coefs_[0], first[0])
    cold = DeepClassifier(16, epochs=3, warm_start=False, random_state=0)
    quiet(cold.fit, X, y)
    quiet(cold.fit, X, y)
    np.testing.assert_array_equal(cold.coefs_[0], first[0])  # ... which refitting is
    assert len(cold.loss_curve_) == 3
    assert six.n_iter_ == 6


def test_shuffle_false_takes_batches_in_order(digits):
    X, y = digits
    a = quiet(DeepClassifier(8, epochs=2, batch_size=50, shuffle=False, random_state=0).fit, X, y)
    b = quiet(DeepClassifier(8, epochs=2, batch_size=50, shuffle=False, random_state=0).fit, X, y)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    # Without shuffling the row order is the batch order: reversed rows train differently.
    c = quiet(DeepClassifier(8, epochs=2, batch_size=50, shuffle=False, random_state=0).fit,
              X[::-1], y[::-1])
    assert not np.allclose(a.coefs_[0], c.coefs_[0])


# --------------------------------------------------------- weighted standardisation
@pytest.mark.parametrize("kind", [DeepClassifier, DeepRegressor])
def test_integer_weights_equal_repeated_rows_with_standardize(kind):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3)) * [1.0, 10.0, 0.1] + [0.0, 5.0, -2.0]
    y = (X[:, 0] + (X[:, 2] + 2) * 10 > 0).astype(int) if kind is DeepClassifier \
        else X @ [1.0, 0.2, 3.0]
    w = rng.integers(0, 4, 40)
    common = dict(hidden_layer_sizes=(8,), optimizer="gd", learning_rate=0.1, batch_size=None,
                  epochs=30, l2=0.5, standardize=True, random_state=0, tol=None)
    weighted = quiet(kind(**common).fit, X, y, sample_weight=w)
    repeated = quiet(kind(**common).fit, np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(weighted.input_mean_, np.average(X, axis=0, weights=w), rtol=1e-12)
    np.testing.assert_allclose(weighted.input_scale_, repeated.input_scale_, rtol=1e-12)
    out = "predict_proba" if kind is DeepClassifier else "predict"
    np.testing.assert_allclose(getattr(weighted, out)(X), getattr(repeated, out)(X), atol=1e-9)


# ------------------------------------------------------------ small validation set
@pytest.mark.parametrize("kind", [DeepClassifier, DeepRegressor])
def test_validation_set_too_small_is_refused(kind):
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10) % 2
    with pytest.raises(ValueError, match=r"validation_fraction 0.1 of 10 examples holds out 1; "
                                         r"a validation set needs at least 2"):
        kind(early_stopping=True).fit(X, y)
    quiet(kind(early_stopping=True, validation_fraction=0.2, epochs=2).fit, X, y)  # 2 is enough


def test_multilabel_model_file_round_trip(multilabel, tmp_path):
    X, Y = multilabel
    clf = quiet(DeepClassifier(8, epochs=5, random_state=0).fit, X, Y)
    clf.save(tmp_path / "ml.lw")
    again = DeepClassifier.load(tmp_path / "ml.lw")
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(again.predict(X), clf.predict(X))
    assert again.predict(X).shape == Y.shape
