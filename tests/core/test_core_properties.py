"""Property tests (hypothesis): shapes, dtypes and numerical safety.

Oracle: the conventions of the issue -- X (n_x, m), W[l] (n_l, n_{l-1}),
b[l] (n_l, 1), grads shaped like what they differentiate, float32 in gives
float32 out -- checked on random layer sizes, batch sizes and activations.
"""

import warnings

import numpy as np
import pytest

import layerwise as lw

hypothesis = pytest.importorskip("hypothesis", reason="property tests need hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ACTS = ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"]
DTYPES = [np.float32, np.float64]
LOSS_FOR_OUTPUT = {"sigmoid": "binary_cross_entropy", "softmax": "categorical_cross_entropy",
                   "tanh": "mse", "relu": "mae", "leaky_relu": "mse", "linear": "mae"}


@st.composite
def networks(draw):
    dims = draw(st.lists(st.integers(1, 6), min_size=2, max_size=5))
    L = len(dims) - 1
    activations = draw(st.lists(st.sampled_from(ACTS), min_size=L, max_size=L))
    if activations[-1] == "softmax" and dims[-1] < 2:
        dims[-1] = 2
    return dims, activations, draw(st.integers(1, 7)), draw(st.sampled_from(DTYPES)), \
        draw(st.floats(0.3, 1.0)), draw(st.integers(0, 2**31 - 1))


def _targets(loss, n_y, m, rng, dtype):
    if loss == "categorical_cross_entropy":
        return lw.one_hot(rng.integers(0, n_y, m), n_y).astype(dtype)
    if loss == "binary_cross_entropy":
        return (rng.random((n_y, m)) < 0.5).astype(dtype)
    return rng.standard_normal((n_y, m)).astype(dtype)


@given(networks())
def test_forward_backward_shapes_and_dtypes(case):
    dims, activations, m, dtype, keep_prob, seed = case
    rng = np.random.default_rng(seed)
    loss = LOSS_FOR_OUTPUT[activations[-1]]
    params = lw.initialize_parameters_deep(dims, "he", rng=seed, dtype=dtype)
    for l in range(1, len(dims)):
        assert params[f"W{l}"].shape == (dims[l], dims[l - 1]) and params[f"W{l}"].dtype == dtype
        assert params[f"b{l}"].shape == (dims[l], 1) and params[f"b{l}"].dtype == dtype
    X = rng.standard_normal((dims[0], m)).astype(dtype)
    Y = _targets(loss, dims[-1], m, rng, dtype)
    AL, caches = lw.L_model_forward(X, params, activations, keep_prob=keep_prob, rng=seed)
    assert AL.shape == (dims[-1], m) and AL.dtype == dtype
    assert len(caches) == len(dims) - 1
    cost = lw.compute_cost(AL, Y, loss, parameters=params, lambd=0.1)
    assert isinstance(cost, float) and np.isfinite(cost)
    grads = lw.L_model_backward(AL, Y, caches, loss=loss, lambd=0.1)
    for l in range(1, len(dims)):
        for key, ref in ((f"dW{l}", params[f"W{l}"]), (f"db{l}", params[f"b{l}"])):
            assert grads[key].shape == ref.shape, key
            assert grads[key].dtype == dtype, f"{key} is {grads[key].dtype}, expected {np.dtype(dtype)}"
        assert grads[f"dA{l - 1}"].shape == (dims[l - 1], m)
        assert grads[f"dA{l - 1}"].dtype == dtype
    new = lw.update_parameters(params, grads, 0.1)
    assert all(new[k].dtype == dtype and new[k].shape == params[k].shape for k in params)


@given(networks())
def test_network_keeps_dtype_end_to_end(case):
    dims, activations, m, dtype, _, seed = case
    rng = np.random.default_rng(seed)
    net = lw.Network(dims, activations, seed=seed, dtype=dtype)
    X = rng.standard_normal((dims[0], m)).astype(dtype)
    Y = _targets(net.loss, dims[-1], m, rng, dtype)
    net.fit(X, Y, optimizer="adam", learning_rate=0.001, epochs=2, verbose=0, rng=seed)
    proba = net.predict_proba(X)
    assert proba.shape == (dims[-1], m) and proba.dtype == dtype
    assert all(v.dtype == dtype for v in net.parameters.values())
    pred = net.predict(X)
    assert pred.shape[1] == m


@pytest.mark.parametrize("dtype", DTYPES)
@given(shape=st.tuples(st.integers(1, 5), st.integers(1, 5)), seed=st.integers(0, 1000))
def test_activations_keep_shape_and_dtype(dtype, shape, seed):
    Z = (np.random.default_rng(seed).standard_normal(shape) * 5).astype(dtype)
    for f in (lw.sigmoid, lw.tanh, lw.relu, lw.leaky_relu, lw.linear, lw.softmax,
              lw.sigmoid_derivative, lw.tanh_derivative, lw.relu_derivative,
              lw.leaky_relu_derivative, lw.linear_derivative):
        out = f(Z)
        assert out.shape == Z.shape and out.dtype == dtype, f"{f.__name__}: {out.dtype} {out.shape}"
    for f in (lw.sigmoid_backward, lw.relu_backward, lw.tanh_backward, lw.leaky_relu_backward,
              lw.softmax_backward):
        out = f(np.ones_like(Z), Z)
        assert out.shape == Z.shape and out.dtype == dtype, f"{f.__name__}: {out.dtype}"
    np.testing.assert_allclose(lw.softmax(Z).sum(axis=0), 1.0, rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ACTS)
def test_no_overflow_warning_at_plus_minus_1000(name, dtype):
    Z = np.array([[-1000.0, -710.0, -90.0, 0.0, 90.0, 710.0, 1000.0]], dtype=dtype).T  # (7, 1)
    Z = np.concatenate([Z, -Z], axis=1)  # two columns, softmax sees both extremes
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
            A, cache = lw.linear_activation_forward(Z, np.eye(7, dtype=dtype), np.zeros((7, 1), dtype),
                                                    name)
            dA_prev, dW, db = lw.linear_activation_backward(np.ones_like(A), cache, name)
            f = getattr(lw, name)
            direct = f(Z)
            deriv = getattr(lw, f"{name}_derivative", None)
            if deriv is not None:
                d = deriv(Z)
                assert np.isfinite(d).all()
    assert A.dtype == dtype and np.isfinite(A).all() and np.isfinite(direct).all()
    assert np.isfinite(dA_prev).all() and np.isfinite(dW).all() and np.isfinite(db).all()
    if name == "sigmoid":
        assert A[0, 0] == 0.0 and A[-1, 0] == 1.0
    if name == "tanh":
        assert A[0, 0] == -1.0 and A[-1, 0] == 1.0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss", ["binary_cross_entropy", "categorical_cross_entropy", "mse", "mae"])
def test_cost_and_gradients_finite_at_exact_zero_and_one(loss, dtype):
    AL = np.array([[0.0, 1.0, 0.0, 1.0], [1.0, 0.0, 1.0, 0.0]], dtype=dtype)
    Y = np.array([[0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0]], dtype=dtype)  # right, right, wrong, wrong
    if loss == "categorical_cross_entropy":
        AL = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=dtype)
        Y = np.array([[1.0, 1.0], [0.0, 0.0]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
            cost = lw.compute_cost(AL, Y, loss)
    assert np.isfinite(cost) and cost > 0


@pytest.mark.parametrize("dtype", DTYPES)
def test_saturated_sigmoid_network_gives_finite_cost_and_gradients(dtype):
    params = {"W1": np.array([[1000.0], [-1000.0]], dtype), "b1": np.zeros((2, 1), dtype),
              "W2": np.array([[1000.0, -1000.0]], dtype), "b2": np.zeros((1, 1), dtype)}
    X = np.array([[1.0, -1.0]], dtype)
    Y = np.array([[0.0, 1.0]], dtype)  # confidently wrong on both examples
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
            AL, caches = lw.L_model_forward(X, params, ["sigmoid", "sigmoid"])
            cost = lw.compute_cost(AL, Y)
            grads = lw.L_model_backward(AL, Y, caches)
    assert np.isfinite(cost) and cost > 10
    assert all(np.isfinite(g).all() for g in grads.values())
