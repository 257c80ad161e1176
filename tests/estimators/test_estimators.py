"""DeepClassifier / DeepRegressor behaviour, each against an oracle that is not
the code under test: torch float64 for one training step, hand-built forward
passes from coefs_, sklearn's metrics and meta-estimators, label bookkeeping
worked by hand."""

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_blobs, make_classification, make_regression

from layerwise import initialize_parameters_deep
from layerwise.sklearn import DeepClassifier, DeepRegressor


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(200, n_features=2, centers=3, cluster_std=1.0, random_state=0)
    return X, y


def _manual_forward(est, X, hidden, output):
    """Forward pass from coefs_/intercepts_ in sklearn orientation (X @ W + b)."""
    funcs = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh,
             "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
             "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "linear": lambda z: z}
    A = X
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        Z = A @ W + b
        if i < len(est.coefs_) - 1:
            A = funcs[hidden[i]](Z)
        elif output == "softmax":
            e = np.exp(Z - Z.max(axis=1, keepdims=True))
            A = e / e.sum(axis=1, keepdims=True)
        else:
            A = funcs[output](Z)
    return A


def test_coefs_orientation_and_forward(blobs):
    X, y = blobs
    clf = DeepClassifier((5, 4), activation=["tanh", "leaky_relu"], epochs=5, random_state=0).fit(X, y)
    assert [W.shape for W in clf.coefs_] == [(2, 5), (5, 4), (4, 3)]
    assert [b.shape for b in clf.intercepts_] == [(5,), (4,), (3,)]
    assert clf.n_layers_ == 4 and clf.n_features_in_ == 2 and clf.n_iter_ == 5
    np.testing.assert_allclose(clf.predict_proba(X), _manual_forward(clf, X, ["tanh", "leaky_relu"], "softmax"),
                               rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("l2", [0.0, 0.5])
def test_one_gd_step_matches_torch_with_sample_weight_and_l2(l2):
    torch = pytest.importorskip("torch")
    rng = np.random.RandomState(0)
    X = rng.randn(12, 3)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    w = rng.randint(1, 4, size=12).astype(float)
    lr = 0.3
    clf = DeepClassifier((4,), activation="tanh", optimizer="gd", learning_rate=lr, epochs=1,
                         batch_size=None, l2=l2, random_state=7).fit(X, y, sample_weight=w)
    init = initialize_parameters_deep([3, 4, 1], "he", rng=np.random.RandomState(7))
    W1 = torch.tensor(init["W1"], requires_grad=True)
    b1 = torch.tensor(init["b1"], requires_grad=True)
    W2 = torch.tensor(init["W2"], requires_grad=True)
    b2 = torch.tensor(init["b2"], requires_grad=True)
    Xt, yt, wt = torch.tensor(X.T), torch.tensor(y[None, :], dtype=torch.float64), torch.tensor(w)
    p = torch.sigmoid(W2 @ torch.tanh(W1 @ Xt + b1) + b2)[0]
    per = -(yt[0] * torch.log(p) + (1 - yt[0]) * torch.log(1 - p))
    # Documented semantics: weighted mean of the losses, L2 of l2/(2 * sum(w)).
    cost = (wt * per).sum() / wt.sum() + l2 / (2 * wt.sum()) * ((W1 ** 2).sum() + (W2 ** 2).sum())
    cost.backward()
    expected = [(W1 - lr * W1.grad).detach().numpy().T, (W2 - lr * W2.grad).detach().numpy().T]
    for ours, ref in zip(clf.coefs_, expected):
        np.testing.assert_allclose(ours, ref, rtol=1e-10, err_msg="one GD step differs from torch")
    if l2 == 0:  # (the loop adds the L2 term at the end-of-epoch weights)
        np.testing.assert_allclose(clf.loss_curve_[0], float(cost.detach()), rtol=1e-10)


@pytest.mark.parametrize("labels", [np.array(["cat", "dog", "eel"]), np.array([True, False]),
                                    np.array([-3, 10]), np.array([1.0, 2.0, 4.0]),
                                    np.array(["no", "yes"], dtype=object)])
def test_any_label_type(labels):
    X, idx = make_blobs(90, n_features=2, centers=len(labels), cluster_std=0.5, random_state=1)
    y = labels[idx]
    clf = DeepClassifier((8,), epochs=100, learning_rate=0.01, standardize=True, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, np.unique(labels))
    pred = clf.predict(X)
    assert pred.dtype == clf.classes_.dtype
    assert np.mean(pred == y) > 0.9
    proba = clf.predict_proba(X)
    assert proba.shape == (90, len(labels))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    # Binary uses one sigmoid unit, multiclass a softmax layer.
    assert clf._network.activations[-1] == ("sigmoid" if len(labels) == 2 else "softmax")


def test_single_class_is_refused():
    with pytest.raises(ValueError, match="at least 2 classes"):
        DeepClassifier(epochs=1).fit(np.zeros((5, 2)), ["a"] * 5)


def test_partial_fit_continues_and_needs_classes(blobs):
    X, y = blobs
    clf = DeepClassifier((8,), learning_rate=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    steps_per_call = -(-len(y) // 200)
    assert clf._trainer_state["t"] == 1
    for _ in range(30):
        clf.partial_fit(X, y)
    assert clf._trainer_state["t"] == 1 + 30 * steps_per_call, \
        "Adam's step count (and moments) must carry over between calls"
    assert clf.n_iter_ == 31 and len(clf.loss_curve_) == 31
    assert clf.loss_curve_[-1] < clf.loss_curve_[1]
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X[:3], np.array([0, 1, 5]))
    # partial_fit after fit keeps training the same weights
    reg = DeepRegressor((4,), epochs=3, random_state=0).fit(X, y.astype(float))
    before = reg.coefs_[0].copy()
    reg.partial_fit(X, y.astype(float))
    assert reg.n_iter_ == 4 and not np.array_equal(before, reg.coefs_[0])


def test_class_weight_balanced_equals_explicit_weights():
    X, y = make_classification(120, n_features=4, weights=[0.8, 0.2], random_state=0)
    counts = np.bincount(y)
    explicit = len(y) / (2 * counts)[y]  # sklearn's 'balanced' formula, worked by hand
    a = DeepClassifier((6,), epochs=5, class_weight="balanced", random_state=0).fit(X, y)
    b = DeepClassifier((6,), epochs=5, random_state=0).fit(X, y, sample_weight=explicit)
    c = DeepClassifier((6,), epochs=5, class_weight={0: 1 / counts[0], 1: 1 / counts[1]},
                       random_state=0).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-10)
    np.testing.assert_allclose(a.predict_proba(X), c.predict_proba(X), rtol=1e-10)
    plain = DeepClassifier((6,), epochs=5, random_state=0).fit(X, y)
    assert not np.allclose(a.predict_proba(X), plain.predict_proba(X))


def test_early_stopping_restores_best_weights(blobs):
    X, y = blobs
    clf = DeepClassifier((32,), epochs=400, learning_rate=0.05, early_stopping=True,
                         validation_fraction=0.25, n_iter_no_change=5, random_state=0).fit(X, y)
    assert clf.n_iter_ < 400
    assert len(clf.validation_loss_curve_) == len(clf.validation_scores_) == clf.n_iter_
    # As scikit-learn's MLP: the held-out accuracy is watched, the first best epoch
    # is restored, and training stops once n_iter_no_change (5) is exceeded.
    best = int(np.argmax(clf.validation_scores_))
    assert clf.best_epoch_ == best and clf.n_iter_ == best + 1 + 5 + 1
    assert clf.best_validation_score_ == clf.validation_scores_[best] == max(clf.validation_scores_)
    # The restored weights reproduce the best epoch's validation loss and accuracy:
    # recompute them on the same split (stratified, seeded from the same RandomState).
    from sklearn.model_selection import train_test_split
    from sklearn.utils import check_random_state

    rs = check_random_state(0)
    rs.standard_normal(2 * 32)  # the initial weights' draws come first (W1: 32x2)
    rs.standard_normal(32 * 3)
    seed = rs.randint(0, 2**31 - 1)
    _, val = train_test_split(np.arange(len(y)), test_size=int(np.ceil(0.25 * len(y))),
                              stratify=y, random_state=seed)
    X_val, y_val = X[np.sort(val)], y[np.sort(val)]
    p = clf.predict_proba(X_val)
    val_loss = -np.mean(np.log(p[np.arange(len(y_val)), y_val]))
    np.testing.assert_allclose(val_loss, clf.validation_loss_curve_[best], rtol=1e-8)
    assert np.mean(p.argmax(axis=1) == y_val) == clf.validation_scores_[best]


def test_regressor_multi_output_and_standardize():
    X, Y = make_regression(150, n_features=5, n_targets=2, noise=1.0, random_state=0)
    Y = Y * 100 + 5000  # far from unit scale: standardize must handle it
    reg = DeepRegressor((32,), epochs=150, learning_rate=0.01, standardize=True, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (150, 2) and reg.n_outputs_ == 2
    assert reg.score(X, Y) > 0.95
    np.testing.assert_allclose(reg.input_mean_, X.mean(axis=0))
    np.testing.assert_allclose(reg.target_scale_, Y.std(axis=0))
    one = DeepRegressor((8,), epochs=3, random_state=0).fit(X, Y[:, 0])
    assert one.predict(X).shape == (150,)


def test_dtype_float32_follows_input(blobs):
    X, y = blobs
    clf = DeepClassifier((8,), epochs=3, random_state=0).fit(X.astype(np.float32), y)
    assert clf.coefs_[0].dtype == np.float32 and clf.predict_proba(X).dtype == np.float32
    clf64 = DeepClassifier((8,), epochs=3, dtype="float64", random_state=0).fit(X.astype(np.float32), y)
    assert clf64.coefs_[0].dtype == np.float64


@pytest.mark.parametrize("bad, match", [
    (dict(activation="softmax"), "activation"), (dict(activation=["relu"]), "one per hidden layer"),
    (dict(optimizer="lbfgs"), "optimizer"), (dict(epochs=0), "epochs"), (dict(l2=-1.0), "l2"),
    (dict(keep_prob=1.5), "keep_prob"), (dict(validation_fraction=1.0), "validation_fraction"),
    (dict(hidden_layer_sizes=(4, 0)), "hidden_layer_sizes"), (dict(dtype="int32"), "dtype")])
def test_bad_parameters_name_themselves(blobs, bad, match):
    X, y = blobs
    params = dict(hidden_layer_sizes=(4, 4), epochs=1)
    params.update(bad)
    with pytest.raises((ValueError, TypeError), match=match):
        DeepClassifier(**params).fit(X, y)


def test_feature_names_from_dataframe(blobs):
    pd = pytest.importorskip("pandas")
    X, y = blobs
    df = pd.DataFrame(X, columns=["left", "right"])
    clf = DeepClassifier((4,), epochs=2, random_state=0).fit(df, y)
    np.testing.assert_array_equal(clf.feature_names_in_, ["left", "right"])
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(df[["right", "left"]])


def test_pipeline_gridsearch_cross_val(blobs):
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = blobs
    pipe = make_pipeline(StandardScaler(), DeepClassifier((8,), epochs=40, learning_rate=0.01, random_state=0))
    assert pipe.fit(X, y).score(X, y) > 0.85
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8
    grid = GridSearchCV(pipe, {"deepclassifier__hidden_layer_sizes": [(4,), (16,)],
                               "deepclassifier__l2": [0.0, 1.0]}, cv=2).fit(X, y)
    assert grid.best_params_["deepclassifier__hidden_layer_sizes"] in [(4,), (16,)]
    assert grid.best_estimator_.score(X, y) > 0.85
    Xr, yr = make_regression(80, n_features=3, noise=0.1, random_state=0)
    assert cross_val_score(DeepRegressor((16,), epochs=100, learning_rate=0.01, standardize=True,
                                         random_state=0), Xr, yr, cv=2).min() > 0.8


def test_decision_boundary_display(blobs, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.inspection import DecisionBoundaryDisplay

    X, y = blobs
    clf = DeepClassifier((16,), epochs=40, learning_rate=0.01, random_state=0).fit(X, y)
    for method in ("predict", "predict_proba"):
        disp = DecisionBoundaryDisplay.from_estimator(clf, X, response_method=method, grid_resolution=30)
        disp.ax_.scatter(X[:, 0], X[:, 1], c=y, s=8)
    disp.figure_.savefig(tmp_path / "boundary.png")
    plt.close("all")
    assert (tmp_path / "boundary.png").stat().st_size > 1000


def test_pickle_keeps_training_state(blobs):
    import pickle

    X, y = blobs
    clf = DeepClassifier((8,), epochs=3, random_state=0).fit(X, y)
    twin = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(twin.predict_proba(X), clf.predict_proba(X))
    # The unpickled network's parameter dict still views its flat storage.
    twin.coefs_[0][0, 0] += 1.0
    assert twin._network.flat_parameters[0] == clf._network.flat_parameters[0] + 1.0
    twin.coefs_[0][0, 0] -= 1.0
    clf.partial_fit(X, y)
    twin.partial_fit(X, y)
    np.testing.assert_allclose(twin.predict_proba(X), clf.predict_proba(X), rtol=1e-12)


def test_digits_accuracy_at_test_budget():
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    from threadpoolctl import threadpool_limits

    clf = DeepClassifier((128, 64), epochs=50, batch_size=64, standardize=True, random_state=0)
    with threadpool_limits(limits=1):  # small matrices: threads only contend on a busy runner
        clf.fit(X_tr, y_tr)
    assert clf.score(X_te, y_te) >= 0.97
