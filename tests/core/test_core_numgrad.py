"""Backpropagation against central differences (float64).

Oracle: the test's own forward pass and cost (core_reference, written from the
formulas) differentiated numerically. ``L_model_backward`` must agree with it to
a relative difference < 1e-7 for every output/loss pair, every hidden
activation, with and without L2, with and without dropout (fixed masks).
Separately, ``layerwise.gradient_check`` must agree with that oracle and must
*locate* planted bugs.
"""

import numpy as np
import pytest
from core_reference import (ACTIVATION_NAMES, OUTPUT_LOSS_PAIRS, central_difference, random_problem,
                            ref_cost, ref_forward, relative_norm_difference)

import layerwise as lw

CASES = [(hidden, out, loss) for hidden in ACTIVATION_NAMES for out, loss in OUTPUT_LOSS_PAIRS]


def _layerwise_grads(problem, activations, loss, lambd):
    X, Y, params = problem["X"], problem["Y"], problem["params"]
    masks, keep = problem["masks"], problem["keep_prob"]
    AL, caches = lw.L_model_forward(X, params, activations, keep_prob=keep if masks else 1.0,
                                    masks=masks)
    grads = lw.L_model_backward(AL, Y, caches, loss=loss, lambd=lambd)
    return AL, grads


@pytest.mark.parametrize("dropout", [False, True], ids=["nodrop", "dropout"])
@pytest.mark.parametrize("lambd", [0.0, 0.7], ids=["noL2", "L2"])
@pytest.mark.parametrize("hidden,out,loss", CASES, ids=[f"{h}-{o}-{l}" for h, o, l in CASES])
def test_backward_matches_central_differences(hidden, out, loss, lambd, dropout):
    activations = [hidden, hidden, out]
    seed = sum(map(ord, f"{hidden}{out}{loss}{lambd}{dropout}"))  # stable across runs
    p = random_problem(activations, loss, seed, dropout=dropout)
    X, Y, params, masks, keep = p["X"], p["Y"], p["params"], p["masks"], p["keep_prob"]
    m = X.shape[1]

    AL, grads = _layerwise_grads(p, activations, loss, lambd)
    AL_ref, _ = ref_forward(X, params, activations, masks, keep)
    np.testing.assert_allclose(AL, AL_ref, rtol=1e-12, atol=1e-15, err_msg="forward AL vs reference")

    def cost():
        return ref_cost(X, Y, params, activations, loss, lambd, masks, keep)

    numeric = central_difference(cost, params)
    # dA0 is the per-example gradient (no 1/m): m * dJ/dX.
    numeric_X = central_difference(cost, {"X": X})["X"] * m
    # Per parameter: relative difference, with an absolute floor of 1e-11 (the rounding
    # noise of the stencil) for gradients that are exactly 0 (dead ReLU units).
    for key in params:
        ours, ref = grads["d" + key], numeric[key]
        err = np.linalg.norm(ours - ref)
        bound = 1e-7 * (np.linalg.norm(ours) + np.linalg.norm(ref)) + 1e-11
        assert err <= bound, (f"d{key}: |backprop - numerical| = {err:.2e} > {bound:.2e}\n"
                              f"backprop:\n{ours}\ncentral differences:\n{ref}")
    err = np.linalg.norm(grads["dA0"] - numeric_X)
    bound = 1e-7 * (np.linalg.norm(grads["dA0"]) + np.linalg.norm(numeric_X)) + 1e-11
    assert err <= bound, f"dA0: {err:.2e} > {bound:.2e}\n{grads['dA0']}\nvs\n{numeric_X}"
    whole = relative_norm_difference(np.concatenate([grads["d" + k].ravel() for k in params]),
                                     np.concatenate([numeric[k].ravel() for k in params]))
    assert whole < 1e-7, f"whole-vector difference {whole:.2e} (the issue's criterion)"


# ------------------------------------------------------- layerwise.gradient_check itself
GC_CASES = [("relu", "sigmoid", "binary_cross_entropy"), ("tanh", "softmax", "categorical_cross_entropy"),
            ("leaky_relu", "linear", "mse"), ("sigmoid", "tanh", "mae")]


@pytest.mark.parametrize("dropout", [False, True], ids=["nodrop", "dropout"])
@pytest.mark.parametrize("hidden,out,loss", GC_CASES, ids=[f"{h}-{o}-{l}" for h, o, l in GC_CASES])
def test_gradient_check_agrees_with_independent_differences(hidden, out, loss, dropout):
    activations = [hidden, hidden, out]
    p = random_problem(activations, loss, 7 + len(loss), dropout=dropout)
    X, Y, params, masks, keep = p["X"], p["Y"], p["params"], p["masks"], p["keep_prob"]
    lambd = 0.3
    _, grads = _layerwise_grads(p, activations, loss, lambd)
    result = lw.gradient_check(params, grads, X, Y, activations=activations, loss=loss, lambd=lambd,
                               keep_prob=keep if masks else 1.0, masks=masks)
    assert result < 1e-7, result.report()
    assert result.blamed(1e-6) == []
    # its numerical gradient is the same as ours (both are central differences, eps 1e-7 vs 1e-6)
    numeric = central_difference(lambda: ref_cost(X, Y, params, activations, loss, lambd, masks, keep),
                                 params)
    ours = np.concatenate([numeric[k].ravel() for k in params]).reshape(-1, 1)
    np.testing.assert_allclose(result.approx, ours, rtol=1e-5, atol=1e-8,
                               err_msg="gradient_check's approx vs test central differences")
    # and its difference is the formula applied to those vectors
    expected = relative_norm_difference(lw.gradients_to_vector(grads), result.approx)
    np.testing.assert_allclose(float(result), expected, rtol=1e-12)


@pytest.mark.parametrize("key,index", [("W1", (1, 0)), ("b1", (2, 0)), ("W2", (0, 2)), ("b3", (0, 0)),
                                       ("W3", (0, 1))])
def test_gradient_check_locates_a_planted_bug(key, index):
    activations = ["tanh", "relu", "sigmoid"]
    seed = 11
    p = random_problem(activations, "binary_cross_entropy", seed)
    while min(p["layer_dims"][1:3]) < 3:  # the planted indices need 3 units per hidden layer
        seed += 1
        p = random_problem(activations, "binary_cross_entropy", seed)
    X, Y, params = p["X"], p["Y"], p["params"]
    _, grads = _layerwise_grads(p, activations, "binary_cross_entropy", 0.0)
    bad = {k: v.copy() for k, v in grads.items()}
    bad["d" + key][index] += 0.05 + abs(bad["d" + key][index])  # one wrong entry
    result = lw.gradient_check(params, bad, X, Y, activations=activations)
    assert result > 1e-4, "a wrong gradient must be detected"
    assert result.blamed() == [key], result.report()
    worst = result.worst()
    assert worst.name == key and worst.worst_index == index, result.report()
    np.testing.assert_allclose(worst.analytic, bad["d" + key][index], rtol=1e-12)
    np.testing.assert_allclose(worst.numerical, grads["d" + key][index], rtol=1e-5, atol=1e-9)
    assert key in result.report() and "wrong" in result.report()


def test_gradient_check_blames_a_doubled_layer_gradient():
    """The course's planted bug (dW2 * 2): only W2 is blamed, every entry of it."""
    activations = ["relu", "relu", "sigmoid"]
    p = random_problem(activations, "binary_cross_entropy", 5)
    X, Y, params = p["X"], p["Y"], p["params"]
    _, grads = _layerwise_grads(p, activations, "binary_cross_entropy", 0.0)
    bad = dict(grads, dW2=grads["dW2"] * 2)
    result = lw.gradient_check(params, bad, X, Y, activations=activations)
    assert result.blamed() == ["W2"], result.report()
    report = {r.name: r for r in result.parameters}
    np.testing.assert_allclose(report["W2"].difference, 1 / 3, rtol=1e-5,
                               err_msg="||2g - g|| / (||2g|| + ||g||) = 1/3")
