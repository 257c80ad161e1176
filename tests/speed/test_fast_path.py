"""The training engine's fast path is the course functions' arithmetic.

Oracles: ``L_model_forward`` / ``L_model_backward`` (the course vocabulary,
dict in, dict out) for the engine's gradients, and the course optimizer
functions ``update_parameters_with_*`` (per key, copying) for the optimizer
objects stepping the engine's flat ``theta``. float64 must agree to 1e-12;
float32 to float32 precision. A few checks are bitwise where the speed work
promises the very same operations (the optional numba Adam kernel, the epoch
gather of ``fit``).
"""

import numpy as np
import pytest

import layerwise as lw
from layerwise import optimizers as opt_mod
from layerwise.engine import Engine
from layerwise.propagation import L_model_backward, L_model_forward

CASES = [
    # (activations, loss, n_y)
    (["relu", "relu", "sigmoid"], "binary_cross_entropy", 1),
    (["tanh", "leaky_relu", "softmax"], "categorical_cross_entropy", 3),
    (["sigmoid", "tanh", "linear"], "mse", 2),
    (["leaky_relu", "relu", "tanh"], "mae", 2),
    (["relu", "sigmoid", "sigmoid"], "mse", 1),
    (["linear", "relu", "softmax"], "categorical_cross_entropy", 4),
]
TOL = {np.float64: dict(rtol=1e-12, atol=1e-14), np.float32: dict(rtol=2e-4, atol=2e-6)}


def _problem(acts, loss, n_y, dtype, m=37, seed=0):
    rng = np.random.RandomState(seed)
    dims = [5, 7, 6, n_y]
    params = lw.initialize_parameters_deep(dims, "xavier", rng=rng, dtype=dtype)
    for l in range(1, 4):  # non-zero biases, so the bias add is exercised
        params[f"b{l}"][...] = rng.standard_normal(params[f"b{l}"].shape) * 0.1
    X = rng.standard_normal((5, m)).astype(dtype)
    if loss == "binary_cross_entropy":
        Y = (rng.random_sample((1, m)) < 0.5).astype(dtype)
    elif loss == "categorical_cross_entropy":
        Y = lw.one_hot(rng.randint(0, n_y, m), n_y).astype(dtype)
    else:
        Y = rng.standard_normal((n_y, m)).astype(dtype)
    return dims, params, X, Y


def _course_grads(params, X, Y, acts, loss, lambd=0.0, masks=None, keep=None):
    kw = {} if masks is None else {"keep_prob": keep, "masks": masks}
    AL, caches = L_model_forward(X, params, acts, **kw)
    grads = L_model_backward(AL, Y, caches, loss=loss, lambd=lambd)
    cost_sum = float(np.sum(lw.losses.get_loss(loss).per_element(AL, Y)))
    return AL, grads, cost_sum


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("acts, loss, n_y", CASES)
@pytest.mark.parametrize("mean_in_delta", [False, True])
def test_engine_gradients_match_course_functions(acts, loss, n_y, dtype, mean_in_delta):
    dims, params, X, Y = _problem(acts, loss, n_y, dtype)
    AL_ref, ref, cost_ref = _course_grads(params, X, Y, acts, loss)
    engine = Engine(dims, acts, loss, dtype, params, mean_in_delta=mean_in_delta)
    loss_sum = engine.forward_backward(X, Y)
    assert engine.dtheta.dtype == dtype
    np.testing.assert_allclose(loss_sum, cost_ref, **TOL[dtype], err_msg="loss sum vs course")
    for key, g in engine.grads.items():
        assert g.dtype == dtype, key
        np.testing.assert_allclose(g, ref[key], **TOL[dtype], err_msg=f"engine {key} vs course")
    np.testing.assert_allclose(engine.predict_output(X), AL_ref, **TOL[dtype],
                               err_msg="predict_output vs L_model_forward")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_engine_l2_and_dropout_match_course_functions(dtype):
    acts, loss = ["relu", "tanh", "sigmoid"], "binary_cross_entropy"
    dims, params, X, Y = _problem(acts, loss, 1, dtype, m=41, seed=3)
    keep, lambd = [0.8, 0.6], 0.7
    engine = Engine(dims, acts, loss, dtype, params)
    # The engine draws its masks from rng; the course functions take them as given.
    rng_masks = np.random.RandomState(11)
    masks = [lw.regularization.dropout_mask((dims[l], X.shape[1]), keep[l - 1], rng_masks, dtype)
             for l in (1, 2)]
    _, ref, cost_ref = _course_grads(params, X, Y, acts, loss, lambd=lambd, masks=masks, keep=keep)
    loss_sum = engine.forward_backward(X, Y, keep_prob=keep, rng=np.random.RandomState(11),
                                       lambd=lambd)
    np.testing.assert_allclose(loss_sum, cost_ref, **TOL[dtype])
    for key, g in engine.grads.items():
        np.testing.assert_allclose(g, ref[key], **TOL[dtype], err_msg=f"{key} with L2 + dropout")
    m = X.shape[1]
    np.testing.assert_allclose(engine.l2_penalty(lambd, m),
                               lw.l2_penalty(params, lambd, m), rtol=1e-6 if dtype == np.float32 else 1e-14)


def test_mean_in_delta_default_keeps_float64_rounding_and_speeds_float32():
    assert Engine([2, 3, 1], ["relu", "sigmoid"], "binary_cross_entropy").mean_in_delta is False
    assert Engine([2, 3, 1], ["relu", "sigmoid"], "binary_cross_entropy",
                  np.float32).mean_in_delta is True
    # float64 by default is bitwise L_model_backward (1/m applied to each dW, db)
    acts, loss = ["relu", "relu", "sigmoid"], "binary_cross_entropy"
    dims, params, X, Y = _problem(acts, loss, 1, np.float64)
    _, ref, _ = _course_grads(params, X, Y, acts, loss)
    e = Engine(dims, acts, loss, np.float64, params)
    e.forward_backward(X, Y)
    for key, g in e.grads.items():
        np.testing.assert_array_equal(g, ref[key], err_msg=key)


def test_engine_sample_weight_of_ones_changes_nothing_and_twos_double():
    acts, loss = ["relu", "relu", "sigmoid"], "binary_cross_entropy"
    dims, params, X, Y = _problem(acts, loss, 1, np.float64)
    e = Engine(dims, acts, loss, np.float64, params)
    base = e.forward_backward(X, Y)
    g0 = e.dtheta.copy()
    assert e.forward_backward(X, Y, sample_weight=np.ones(X.shape[1])) == base
    np.testing.assert_array_equal(e.dtheta, g0)
    np.testing.assert_allclose(e.forward_backward(X, Y, sample_weight=np.full(X.shape[1], 2.0)),
                               2 * base, rtol=1e-14)
    np.testing.assert_allclose(e.dtheta, 2 * g0, rtol=1e-13, atol=1e-16)


def test_float32_engine_stays_float32_end_to_end():
    acts, loss = ["relu", "relu", "softmax"], "categorical_cross_entropy"
    dims, params, X, Y = _problem(acts, loss, 3, np.float32)
    e = Engine(dims, acts, loss, np.float32, params)
    e.forward_backward(X, Y)
    buf = e._buffers_for(X.shape[1])
    for name in ("A", "dA", "dZ"):
        assert all(a.dtype == np.float32 for a in buf[name]), name
    for o in (lw.Adam(), lw.Momentum(), lw.RMSprop(), lw.GradientDescent()):
        state = o.init(e.flat_params)
        o.update(e.flat_grads, state, e.flat_params)
        assert e.theta.dtype == np.float32
        assert all(a.dtype == np.float32 for k, d in state.items() if isinstance(d, dict)
                   for a in d.values())


# ------------------------------------------------------------------- optimizers
def _flat_vs_course(dtype, opt, course_step, steps=4, init_state=None):
    """Step the engine's flat theta with ``opt`` and the per-key course function."""
    dims = [4, 6, 3]
    params = lw.initialize_parameters_deep(dims, "he", rng=5, dtype=dtype)
    engine = Engine(dims, ["tanh", "sigmoid"], "mse", dtype, params)
    state = opt.init(engine.flat_params)
    course_params = {k: v.copy() for k, v in params.items()}
    course_state = init_state(course_params)
    rng = np.random.RandomState(7)
    for t in range(1, steps + 1):
        engine.dtheta[...] = rng.standard_normal(engine.dtheta.shape).astype(dtype)
        grads = {k: v.copy() for k, v in engine.grads.items()}
        opt.update(engine.flat_grads, state, engine.flat_params)
        course_params, course_state = course_step(course_params, grads, course_state, t)
    return engine, course_params


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adam_on_flat_theta_equals_course_function(dtype):
    def step(p, g, st, t):
        p, v, s, _, _ = lw.update_parameters_with_adam(p, g, st[0], st[1], t, learning_rate=0.01)
        return p, (v, s)

    engine, ref = _flat_vs_course(dtype, lw.Adam(0.01), step, init_state=lw.initialize_adam)
    for k, v in engine.params.items():
        np.testing.assert_array_equal(v, ref[k], err_msg=f"Adam {k}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_momentum_on_flat_theta_equals_course_function(dtype):
    def step(p, g, v, t):
        return lw.update_parameters_with_momentum(p, g, v, 0.9, 0.05)

    engine, ref = _flat_vs_course(dtype, lw.Momentum(0.05, 0.9), step,
                                  init_state=lw.initialize_velocity)
    for k, v in engine.params.items():
        np.testing.assert_array_equal(v, ref[k], err_msg=f"momentum {k}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rmsprop_on_flat_theta_equals_course_function(dtype):
    def step(p, g, s, t):
        return lw.update_parameters_with_rmsprop(p, g, s, 0.9, 0.01, 1e-8)

    engine, ref = _flat_vs_course(dtype, lw.RMSprop(0.01, 0.9, 1e-8), step,
                                  init_state=lw.initialize_rmsprop)
    for k, v in engine.params.items():
        np.testing.assert_array_equal(v, ref[k], err_msg=f"RMSprop {k}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gd_on_flat_theta_equals_update_parameters(dtype):
    def step(p, g, st, t):
        return lw.update_parameters(p, g, 0.1), None

    engine, ref = _flat_vs_course(dtype, lw.GradientDescent(0.1), step, init_state=lambda p: None)
    for k, v in engine.params.items():
        np.testing.assert_array_equal(v, ref[k], err_msg=f"GD {k}")


def test_adam_matches_closed_form_first_step():
    # After one step from zero moments, v_hat = g and s_hat = g^2 exactly, so
    # theta moves by lr * g / (|g| + eps).
    g = np.array([0.5, -2.0, 1e-3, 0.0])
    p = {"theta": np.zeros(4)}
    o = lw.Adam(0.1)
    o.update({"dtheta": g}, o.init(p), p)
    np.testing.assert_allclose(p["theta"], -0.1 * g / (np.abs(g) + 1e-8), rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_numba_adam_kernel_is_bitwise_the_numpy_adam(dtype):
    pytest.importorskip("numba", reason="numba not installed: the optional kernel is not used")
    n = opt_mod.FUSED_MIN_SIZE + 17
    start = np.random.default_rng(0).standard_normal(n).astype(dtype)
    results = []
    for fused in (True, False):
        opt_mod._FUSED.clear()
        if not fused:
            opt_mod._FUSED["adam"] = None  # forces the NumPy operations
        o = lw.Adam(3e-3)
        p = {"theta": start.copy()}
        state = o.init(p)
        grad_rng = np.random.default_rng(1)
        for _ in range(5):
            o.update({"dtheta": grad_rng.standard_normal(n).astype(dtype)}, state, p)
        results.append((p["theta"].copy(), state["v"]["theta"].copy(), state["s"]["theta"].copy()))
    opt_mod._FUSED.clear()
    for a, b, name in zip(results[0], results[1], ("theta", "v", "s")):
        np.testing.assert_array_equal(a, b, err_msg=f"numba vs NumPy Adam: {name}")


# ------------------------------------------------------------------- the fit loop
@pytest.mark.parametrize("order", ["C", "F"])
def test_fit_batches_are_the_permuted_columns(order):
    """fit's one-gather-per-epoch equals slicing X[:, perm] (the obvious loop)."""
    rng = np.random.RandomState(0)
    X = np.asarray(rng.standard_normal((3, 50)), order=order)
    Y = (rng.random_sample((1, 50)) < 0.5).astype(float)
    w = rng.random_sample(50)
    net = lw.Network([3, 4, 1], seed=1)
    p0 = {k: v.copy() for k, v in net.parameters.items()}
    net.fit(X, Y, optimizer="gd", learning_rate=0.1, epochs=3, batch_size=16, verbose=0,
            rng=2, sample_weight=w)
    engine = Engine([3, 4, 1], ["relu", "sigmoid"], "binary_cross_entropy", parameters=p0)
    o = lw.GradientDescent(0.1)
    state = o.init(engine.flat_params)
    perm_rng = np.random.RandomState(2)
    for _ in range(3):
        perm = perm_rng.permutation(50)
        for a in range(0, 50, 16):
            idx = perm[a:a + 16]
            engine.forward_backward(X[:, idx], Y[:, idx], sample_weight=w[idx])
            o.update(engine.flat_grads, state, engine.flat_params)
    for k, v in net.parameters.items():
        np.testing.assert_array_equal(v, engine.params[k], err_msg=f"fit vs plain loop: {k}")
