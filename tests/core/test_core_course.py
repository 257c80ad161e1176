"""Published course numbers, closed forms and semantics of the helpers.

Oracles: numbers printed by the course notebooks (/work/notes/course_numbers.md),
NumPy's own legacy draws (np.random.seed + randn), closed-form schedules,
hand-computed statistics, and replays of ``fit`` with the course functions.
"""

import numpy as np
import pytest

import layerwise as lw
from layerwise.lab.agreement import tolerance

COURSE = ["relu", "relu", "sigmoid"]


@pytest.fixture
def global_rng_state():
    state = np.random.get_state()
    yield
    np.random.set_state(state)


# --------------------------------------------------------------------- initialisation
def test_he_init_reproduces_course_numbers():
    params = lw.initialize_parameters_deep([2, 4, 1], "he", rng=np.random.RandomState(3))
    np.testing.assert_allclose(params["W1"], [[1.78862847, 0.43650985], [0.09649747, -1.8634927],
                                              [-0.2773882, -0.35475898], [-0.08274148, -0.62700068]],
                               rtol=0, atol=5e-9, err_msg="published initialize_parameters_he W1")
    np.testing.assert_allclose(params["W2"], [[-0.03098412, -0.33744411, -0.92904268, 0.62552248]],
                               rtol=0, atol=5e-9, err_msg="published initialize_parameters_he W2")
    np.testing.assert_array_equal(params["b1"], np.zeros((4, 1)))


def test_random_init_reproduces_course_numbers():
    params = lw.initialize_parameters_deep([3, 2, 1], "random", scale=10, rng=3)
    np.testing.assert_allclose(params["W1"], [[17.88628473, 4.36509851, 0.96497468],
                                              [-18.63492703, -2.77388203, -3.54758979]],
                               rtol=0, atol=5e-8, err_msg="published initialize_parameters_random W1")
    np.testing.assert_allclose(params["W2"], [[-0.82741481, -6.27000677]], rtol=0, atol=5e-9)


@pytest.mark.parametrize("method", ["he", "xavier", "random"])
def test_init_equals_seed_then_randn_draws(method, global_rng_state):
    dims = [5, 4, 3, 2]
    np.random.seed(3)
    expected = {}
    for l in range(1, len(dims)):
        W = np.random.randn(dims[l], dims[l - 1])
        factor = {"he": np.sqrt(2.0 / dims[l - 1]), "xavier": np.sqrt(1.0 / dims[l - 1]),
                  "random": 0.01}[method]
        expected[f"W{l}"] = W * factor
    for rng in (np.random.RandomState(3), 3):
        params = lw.initialize_parameters_deep(dims, method, rng=rng)
        for key, value in expected.items():
            np.testing.assert_allclose(params[key], value, rtol=1e-15, err_msg=f"{method} {key} rng={rng!r}")
    np.random.seed(3)  # rng=None uses the global state, as a course notebook would
    params = lw.initialize_parameters_deep(dims, method)
    np.testing.assert_allclose(params["W3"], expected["W3"], rtol=1e-15)
    # a Generator is accepted and draws standard normals in the same layer order
    gen = np.random.default_rng(7)
    params = lw.initialize_parameters_deep(dims, method, rng=np.random.default_rng(7))
    np.testing.assert_allclose(params["W1"] / expected["W1"] * np.random.RandomState(3).randn(4, 5),
                               gen.standard_normal((4, 5)), rtol=1e-12)


def test_zeros_init_and_dtype():
    params = lw.initialize_parameters_deep([3, 2, 1], "zeros", dtype=np.float32)
    assert all(not v.any() and v.dtype == np.float32 for v in params.values())


# ------------------------------------------------------------------------ mini-batches
@pytest.mark.parametrize("m,size", [(300, 64), (10, 3), (8, 4), (5, 10), (7, 1)])
def test_random_mini_batches_is_one_permutation_then_consecutive_slices(m, size):
    X = np.arange(2 * m, dtype=float).reshape(2, m)
    Y = np.arange(m, dtype=float).reshape(1, m) * 10
    batches = lw.random_mini_batches(X, Y, size, rng=np.random.RandomState(11))
    perm = np.random.RandomState(11).permutation(m)
    expected_sizes = [size] * (m // size) + ([m % size] if m % size else [])
    assert [bx.shape[1] for bx, _ in batches] == expected_sizes
    for k, (bx, by) in enumerate(batches):
        cols = perm[k * size:(k + 1) * size]
        np.testing.assert_array_equal(bx, X[:, cols], err_msg=f"batch {k} X")
        np.testing.assert_array_equal(by, Y[:, cols], err_msg=f"batch {k} Y")
    # together the batches are a permutation of all columns, each exactly once
    np.testing.assert_array_equal(np.sort(np.concatenate([by for _, by in batches], axis=1)), Y)


def test_random_mini_batches_course_seed_and_1d_labels(global_rng_state):
    X = np.random.RandomState(0).randn(3, 148)
    y = np.arange(148.0)
    batches = lw.random_mini_batches(X, y, 64, rng=1)  # the course: np.random.seed(1); permutation
    np.random.seed(1)
    perm = np.random.permutation(148)
    assert [b[0].shape for b in batches] == [(3, 64), (3, 64), (3, 20)]
    np.testing.assert_array_equal(batches[2][1], y[perm[128:]].reshape(1, -1))


# --------------------------------------------------------------------------- schedules
def test_schedules_closed_form():
    assert lw.update_lr(0.5, 2, 1) == 0.5 / 3
    np.testing.assert_allclose([lw.update_lr(0.1, e, 1) for e in (0, 1000, 2000)], [0.1, 0.1 / 1001, 0.1 / 2001])
    assert lw.schedule_lr_decay(0.5, 10, 0.3, 100) == 0.5
    assert lw.schedule_lr_decay(0.5, 100, 0.3, 100) == 0.3846153846153846  # the course's printed value
    np.testing.assert_allclose([lw.schedule_lr_decay(0.1, e, 1) for e in (0, 999, 1000, 2500, 4000)],
                               [0.1, 0.1, 0.05, 0.1 / 3, 0.02])
    np.testing.assert_allclose(lw.exponential_decay(0.2, 3, 0.9), 0.2 * 0.729, rtol=1e-15)
    assert lw.Schedule("constant")(0.3, 50) == 0.3
    assert lw.Schedule("inverse_time", 0.5)(0.3, 4) == 0.3 / 3
    assert lw.Schedule("step", 1.0, 10)(0.3, 25) == 0.3 / 3
    np.testing.assert_allclose(lw.Schedule("exponential", 0.5)(0.8, 3), 0.1)


# ------------------------------------------------------------------- data helpers
def test_standardizer_uses_training_statistics_on_test_data():
    rng = np.random.default_rng(0)
    train = rng.normal([[1.0], [-5.0], [3.0]], [[2.0], [0.5], [0.0]], size=(3, 50))
    test = rng.normal(0.0, 1.0, size=(3, 7))
    scaler = lw.Standardizer().fit(train)
    mean = train.sum(axis=1, keepdims=True) / 50
    std = np.sqrt(((train - mean) ** 2).sum(axis=1, keepdims=True) / 50)
    std[2] = 1.0  # a constant feature is only centred
    np.testing.assert_allclose(scaler.transform(test), (test - mean) / std, rtol=1e-12)
    z = scaler.transform(train)
    np.testing.assert_allclose(z[:2].mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(z[:2].std(axis=1), 1, rtol=1e-12)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(test)), test, rtol=1e-12)
    assert scaler.transform(test.astype(np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="not fitted"):
        lw.Standardizer().transform(test)
    with pytest.raises(ValueError, match="X has 2 features"):
        scaler.transform(test[:2])


def test_one_hot():
    np.testing.assert_array_equal(lw.one_hot([2, 0, 1, 2]),
                                  [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]])
    assert lw.one_hot(np.array([[0, 1]]), 4).shape == (4, 2)
    with pytest.raises(ValueError, match="out of range for n_classes=2"):
        lw.one_hot([0, 2], 2)
    with pytest.raises(ValueError, match="labels must be >= 0"):
        lw.one_hot([-1, 0])


@pytest.mark.parametrize("test_size,n_test", [(0.25, 5), (0.2, 4), (3, 3)])
def test_train_test_split_is_a_paired_partition(test_size, n_test):
    X = np.arange(40.0).reshape(2, 20)
    Y = np.arange(20.0).reshape(1, 20)
    X_tr, X_te, Y_tr, Y_te = lw.train_test_split(X, Y, test_size, rng=0)
    assert X_te.shape == (2, n_test) and X_tr.shape == (2, 20 - n_test)
    np.testing.assert_array_equal(X_tr[1] - 20, Y_tr[0], err_msg="X and Y columns stay paired")
    np.testing.assert_array_equal(X_te[1] - 20, Y_te[0])
    np.testing.assert_array_equal(np.sort(np.concatenate([Y_tr, Y_te], axis=1)), Y)
    again = lw.train_test_split(X, Y, test_size, rng=0)
    np.testing.assert_array_equal(again[1], X_te, err_msg="same seed, same split")


def test_predict_and_accuracy():
    params = {"W1": np.array([[1.0], [-1.0]]), "b1": np.zeros((2, 1))}
    X = np.array([[2.0, -3.0, 0.5]])
    np.testing.assert_array_equal(lw.predict(X, params, ["sigmoid"]), [[1, 0, 1], [0, 1, 0]])
    np.testing.assert_array_equal(lw.predict(X, params, ["softmax"]), [[0, 1, 0]])
    assert lw.accuracy(np.array([[1, 0, 1]]), np.array([1, 1, 1])) == 2 / 3
    assert lw.accuracy(np.array([[0, 2]]), lw.one_hot([0, 1], 3)) == 0.5


# --------------------------------------------------------------------- gradient checks
def _course_gradcheck_case():
    rs = np.random.RandomState(1)
    x = rs.randn(4, 3)
    params = {}
    for key, shape in [("W1", (5, 4)), ("b1", (5, 1)), ("W2", (3, 5)), ("b2", (3, 1)),
                       ("W3", (1, 3)), ("b3", (1, 1))]:
        params[key] = rs.randn(*shape)
    return x, np.array([1, 1, 0]), params


def test_course_gradient_check_numbers():
    x, y, params = _course_gradcheck_case()
    AL, caches = lw.L_model_forward(x, params, COURSE)
    grads = lw.L_model_backward(AL, y, caches)
    difference = lw.gradient_check(params, grads, x, y, activations=COURSE)
    # Tolerances: the measured cross-CPU spread x 3 (layerwise.lab.agreement). The correct
    # backward's difference is rounding noise of the finite differences: one-ulp changes of
    # exp/log move it by up to 5.5e-3 (the buggy one's by 1.8e-9).
    np.testing.assert_allclose(difference, 1.1890913024229996e-07, atol=0,
                               rtol=tolerance("gradcheck.nd_fixed"),
                               err_msg="course N-D check, correct backward")
    assert difference < 2e-7
    buggy = dict(grads, dW2=grads["dW2"] * 2, db1=grads["db1"] * 4)  # the notebook's two bugs
    difference = lw.gradient_check(params, buggy, x, y, activations=COURSE)
    np.testing.assert_allclose(difference, 0.2850931567761623, atol=0,
                               rtol=tolerance("gradcheck.nd_buggy"),
                               err_msg="course N-D check, buggy backward")
    assert difference.blamed() == ["b1", "W2"]
    assert lw.gradient_check_1d(2, 4) == pytest.approx(2.919335883291695e-10, rel=1e-9)
    assert lw.gradient_check_1d(3, 4) == pytest.approx(7.814075313343006e-11, rel=1e-9)


def test_vector_dictionary_round_trip_and_course_call():
    _, _, params = _course_gradcheck_case()
    theta, keys = lw.dictionary_to_vector(params)
    assert theta.shape == (47, 1) and keys[:20] == ["W1"] * 20 and keys[-1] == "b3"
    np.testing.assert_array_equal(theta[:4, 0], params["W1"][0], err_msg="row-major flattening")
    back = lw.vector_to_dictionary(theta)  # the course's one-argument call
    for key in params:
        np.testing.assert_array_equal(back[key], params[key])
    grads = {"d" + k: v for k, v in params.items()}
    np.testing.assert_array_equal(lw.gradients_to_vector(grads), theta)
    other = lw.initialize_parameters_deep([3, 2, 2], rng=0)
    vector, _ = lw.dictionary_to_vector(other)
    for template in (other, [3, 2, 2]):
        again = lw.vector_to_dictionary(vector, template)
        for key in other:
            np.testing.assert_array_equal(again[key], other[key])


# ------------------------------------------------------------------- model files
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"])
def test_save_load_round_trip_predicts_bit_identically(tmp_path, act, dtype):
    out = {"sigmoid": "sigmoid", "softmax": "softmax"}.get(act, "linear")
    dims = [4, 6, 5, 3 if out == "softmax" else 2]
    net = lw.Network(dims, [act, act, out], seed=5, dtype=dtype, init="xavier")
    X = np.random.default_rng(1).standard_normal((4, 30)).astype(dtype)
    path = tmp_path / f"{act}.lw"
    net.save(path)
    loaded = lw.Network.load(path)
    assert (loaded.layer_dims, loaded.activations, loaded.loss, loaded.dtype) == \
        (net.layer_dims, net.activations, net.loss, net.dtype)
    for key, value in net.parameters.items():
        np.testing.assert_array_equal(loaded.parameters[key], value, err_msg=key)
        assert loaded.parameters[key].dtype == dtype
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))
    assert [p.name for p in tmp_path.iterdir()] == [f"{act}.lw"], "no temporary file left behind"


# ------------------------------------------------------------------------ Network.fit
def _binary_data(m=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((2, m))
    Y = ((X[0] * X[1] > 0) ^ (rng.random(m) < 0.1)).astype(float).reshape(1, m)
    return X, Y


def test_history_replays_with_course_functions_and_follows_the_schedule():
    X, Y = _binary_data()
    X_val, Y_val = _binary_data(20, seed=1)
    net = lw.Network([2, 5, 1], seed=3)
    params = {k: v.copy() for k, v in net.parameters.items()}
    schedule = lw.Schedule("inverse_time", decay_rate=0.5)
    history = net.fit(X, Y, optimizer="gd", learning_rate=0.4, epochs=6, lr_schedule=schedule,
                      validation_data=(X_val, Y_val), verbose=0)
    expected_lr = [0.4] + [lw.update_lr(0.4, e, 0.5) for e in range(5)]
    np.testing.assert_allclose(history.learning_rate, expected_lr, rtol=1e-15,
                               err_msg="epoch e runs at schedule(lr0, e - 1)")
    costs, val_costs, val_accs = [], [], []
    for lr in expected_lr:  # the same training with the course functions
        AL, caches = lw.L_model_forward(X, params)
        costs.append(lw.compute_cost(AL, Y))
        params = lw.update_parameters(params, lw.L_model_backward(AL, Y, caches), lr)
        AL_val, _ = lw.L_model_forward(X_val, params)
        val_costs.append(lw.compute_cost(AL_val, Y_val))
        val_accs.append(lw.accuracy(lw.predict(X_val, params), Y_val))
    np.testing.assert_allclose(history.cost, costs, rtol=1e-12, err_msg="History.cost")
    np.testing.assert_allclose(history.val_cost, val_costs, rtol=1e-12, err_msg="History.val_cost")
    np.testing.assert_allclose(history.val_accuracy, val_accs, err_msg="History.val_accuracy")
    for key in params:
        np.testing.assert_allclose(net.parameters[key], params[key], rtol=1e-12, err_msg=key)
    assert history.epochs == 6 and not history.stopped_early and not history.interrupted


def test_history_cost_includes_l2_term():
    X, Y = _binary_data()
    net = lw.Network([2, 5, 1], seed=3)
    params = {k: v.copy() for k, v in net.parameters.items()}
    history = net.fit(X, Y, optimizer="gd", learning_rate=0.1, epochs=1, lambd=0.7, verbose=0)
    AL, _ = lw.L_model_forward(X, params)
    np.testing.assert_allclose(history.cost[0], lw.compute_cost(AL, Y, parameters=params, lambd=0.7),
                               rtol=1e-12)


class _Recorder(lw.Callback):
    def __init__(self):
        self.params = []

    def on_epoch_end(self, trainer, epoch, logs):
        self.params.append({k: v.copy() for k, v in trainer.network.parameters.items()})


def test_early_stopping_restores_the_best_weights():
    X, Y = _binary_data(60)
    X_val, Y_val = _binary_data(30, seed=9)
    net = lw.Network([2, 30, 30, 1], seed=0)
    recorder = _Recorder()
    history = net.fit(X, Y, optimizer="adam", learning_rate=0.05, epochs=400,
                      validation_data=(X_val, Y_val), callbacks=[recorder],
                      early_stopping=lw.EarlyStopping("val_cost", patience=5), verbose=0)
    assert history.stopped_early, "the noisy labels should make the validation cost turn up"
    best = int(np.argmin(history.val_cost))
    assert history.best_epoch == best
    assert history.epochs == best + 1 + 5, "stops after `patience` epochs without improvement"
    for key, value in net.parameters.items():
        np.testing.assert_array_equal(value, recorder.params[best][key], err_msg=key)
    np.testing.assert_allclose(net.evaluate(X_val, Y_val)["cost"], history.val_cost[best], rtol=1e-12)


def test_notes_class_api():
    X, Y = _binary_data()
    net = lw.NeuralNetwork([2, 10, 1], activations=["sigmoid", "sigmoid"], seed=0)
    before = net.evaluate(X, Y)["cost"]
    history = net.train(X, Y, batch_size=10, epochs=50, lr=1.0)
    assert net.feedforward(X).shape == (1, 40)
    assert history.cost[-1] < before
    assert set(net.backpropagation(X, Y)) >= {"dW1", "db1", "dW2", "db2", "dA0"}


def test_dropout_masks_follow_the_course_rand_stream():
    """Masks are ``rand(n_l, m) < keep_prob`` drawn layer by layer, as the course's np.random.rand."""
    params = lw.initialize_parameters_deep([3, 4, 5, 1], rng=0)
    X = np.random.default_rng(0).standard_normal((3, 6))
    _, caches = lw.L_model_forward(X, params, keep_prob=[0.86, 0.5], rng=np.random.RandomState(1))
    rs = np.random.RandomState(1)
    for (mask, keep), expected_keep, n in zip(caches.dropout, (0.86, 0.5), (4, 5)):
        assert keep == expected_keep
        np.testing.assert_array_equal(mask, (rs.rand(n, 6) < expected_keep).astype(float))
    # the kept activations are scaled by 1 / keep_prob
    A1 = lw.relu(params["W1"] @ X + params["b1"])
    np.testing.assert_allclose(caches.A[0], A1 * caches.dropout[0][0] / 0.86, rtol=1e-15)


@pytest.mark.parametrize("optimizer", ["adam", "momentum", "rmsprop", "gd"])
def test_minibatch_fit_replays_with_course_functions(optimizer):
    """fit(batch_size=b, rng=RandomState(s)) = the course loop: random_mini_batches with the same
    RandomState each epoch, one course update per mini-batch (Adam's t counts mini-batches)."""
    X, Y = _binary_data(50)
    net = lw.Network([2, 6, 3, 1], ["tanh", "relu", "sigmoid"], seed=1)
    params = {k: v.copy() for k, v in net.parameters.items()}
    lr = 0.02
    history = net.fit(X, Y, optimizer=optimizer, learning_rate=lr, epochs=3, batch_size=16,
                      rng=np.random.RandomState(5), verbose=0)
    rs = np.random.RandomState(5)
    v, s = lw.initialize_adam(params)
    t, costs = 0, []
    for _ in range(3):
        total = 0.0
        for bx, by in lw.random_mini_batches(X, Y, 16, rng=rs):
            AL, caches = lw.L_model_forward(bx, params, net.activations)
            total += lw.compute_cost(AL, by) * bx.shape[1]
            grads = lw.L_model_backward(AL, by, caches)
            t += 1
            if optimizer == "adam":
                params, v, s, _, _ = lw.update_parameters_with_adam(params, grads, v, s, t, lr)
            elif optimizer == "momentum":
                params, v = lw.update_parameters_with_momentum(params, grads, v, 0.9, lr)
            elif optimizer == "rmsprop":
                params, s = lw.update_parameters_with_rmsprop(params, grads, s, learning_rate=lr)
            else:
                params = lw.update_parameters(params, grads, lr)
        costs.append(total / 50)
    np.testing.assert_allclose(history.cost, costs, rtol=1e-12, err_msg="History.cost (mini-batch)")
    for key in params:
        np.testing.assert_allclose(net.parameters[key], params[key], rtol=1e-11, atol=1e-14, err_msg=key)


@pytest.mark.parametrize("act,loss", [("sigmoid", "binary_cross_entropy"),
                                      ("softmax", "categorical_cross_entropy"),
                                      ("linear", "mse"), ("tanh", "mse")])
def test_network_chooses_the_loss_from_the_output_activation(act, loss):
    assert lw.Network([2, 3, 2], ["relu", act]).loss == loss
    assert lw.Network([2, 3, 2], ["relu", act], loss="mae").loss == "mae"


def test_fit_refuses_an_optimizer_that_a_config_cannot_describe():
    # Every fit runs from a TrainConfig (saved with models, sent to sweep workers),
    # so an optimizer must be one the config can name; a user object is refused
    # with the choices, not half-supported.
    class HalfStep:
        learning_rate = 0.5

        def init(self, params):
            return {}

        def update(self, grads, state, params):
            return params, state

    X, Y = _binary_data()
    with pytest.raises(TypeError, match=r"optimizer must be one of \['gd', 'momentum', 'rmsprop', 'adam'\]"):
        lw.Network([2, 4, 1], seed=0).fit(X, Y, optimizer=HalfStep(), epochs=3, verbose=0)


def test_progress_bar_only_when_verbose(capsys):
    X, Y = _binary_data()
    lw.Network([2, 4, 1], seed=0).fit(X, Y, epochs=3, verbose=0)
    assert capsys.readouterr().out == ""
    lw.Network([2, 4, 1], seed=0).fit(X, Y, epochs=3, verbose=1)
    out = capsys.readouterr().out
    assert "epoch 3/3" in out and "cost" in out
