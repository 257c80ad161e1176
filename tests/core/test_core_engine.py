"""The training engine against the course functions.

Oracle: ``L_model_forward`` / ``L_model_backward`` / ``compute_cost`` (themselves
checked against central differences and torch in the other files).
``Engine.forward_backward`` must give the same gradients to 1e-12 in float64
for every activation and loss, with L2 and with dropout (the same seeded
RandomState draws the same masks), and agree to float32 precision in float32.
"""

import numpy as np
import pytest
from core_reference import ACTIVATION_NAMES, OUTPUT_LOSS_PAIRS, random_problem

import layerwise as lw
from layerwise.engine import Engine

CASES = [(hidden, out, loss) for hidden in ACTIVATION_NAMES for out, loss in OUTPUT_LOSS_PAIRS]
KEEP = 0.7


def _course(p, activations, loss, lambd, dropout, seed, dtype=np.float64):
    params = {k: v.astype(dtype) for k, v in p["params"].items()}
    X, Y = p["X"].astype(dtype), p["Y"].astype(dtype)
    AL, caches = lw.L_model_forward(X, params, activations, keep_prob=KEEP if dropout else 1.0,
                                    rng=np.random.RandomState(seed))
    grads = lw.L_model_backward(AL, Y, caches, loss=loss, lambd=lambd)
    return lw.compute_cost(AL, Y, loss) * X.shape[1], grads


def _engine(p, activations, loss, lambd, dropout, seed, dtype=np.float64, mean_in_delta=False):
    engine = Engine(p["layer_dims"], activations, loss, dtype, p["params"], mean_in_delta=mean_in_delta)
    L = len(activations)
    loss_sum = engine.forward_backward(p["X"].astype(dtype), p["Y"].astype(dtype),
                                       keep_prob=[KEEP] * (L - 1) if dropout else None,
                                       rng=np.random.RandomState(seed), lambd=lambd)
    return loss_sum, {k: v.copy() for k, v in engine.grads.items()}


SETTINGS = ["plain", "L2", "dropout", "L2+dropout"]


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("hidden,out,loss", CASES, ids=[f"{h}-{o}-{l}" for h, o, l in CASES])
def test_engine_equals_course_functions_float64(hidden, out, loss, setting):
    activations = [hidden, hidden, out]
    lambd, dropout = (0.7 if "L2" in setting else 0.0), "dropout" in setting
    p = random_problem(activations, loss, 500 + sum(map(ord, hidden + out + loss + setting)))
    seed = 42
    ref_sum, ref = _course(p, activations, loss, lambd, dropout, seed)
    for mean_in_delta in (False, True):
        loss_sum, grads = _engine(p, activations, loss, lambd, dropout, seed,
                                  mean_in_delta=mean_in_delta)
        np.testing.assert_allclose(loss_sum, ref_sum, rtol=1e-12,
                                   err_msg=f"loss_sum vs m * compute_cost (mean_in_delta={mean_in_delta})")
        for key, value in grads.items():
            assert value.dtype == np.float64
            np.testing.assert_allclose(value, ref[key], rtol=1e-12, atol=1e-15,
                                       err_msg=f"Engine {key} vs L_model_backward "
                                               f"(mean_in_delta={mean_in_delta})")


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("hidden,out,loss", CASES[::3], ids=[f"{h}-{o}-{l}" for h, o, l in CASES[::3]])
def test_engine_float32_agrees_to_float32_precision(hidden, out, loss, setting):
    activations = [hidden, hidden, out]
    lambd, dropout = (0.7 if "L2" in setting else 0.0), "dropout" in setting
    p = random_problem(activations, loss, 900 + sum(map(ord, hidden + out + loss + setting)))
    p["params"] = {k: v.astype(np.float32).astype(np.float64) for k, v in p["params"].items()}
    p["X"] = p["X"].astype(np.float32).astype(np.float64)
    ref_sum, ref = _course(p, activations, loss, lambd, dropout, 7)  # float64 reference
    loss_sum, grads = _engine(p, activations, loss, lambd, dropout, 7, dtype=np.float32)
    np.testing.assert_allclose(loss_sum, ref_sum, rtol=2e-5)
    scale = max(np.abs(g).max() for g in ref.values() if g.ndim)
    for key, value in grads.items():
        assert value.dtype == np.float32, key
        np.testing.assert_allclose(value, ref[key], rtol=1e-4, atol=1e-5 * scale,
                                   err_msg=f"float32 Engine {key} vs float64 L_model_backward")


def test_engine_predict_output_equals_forward():
    activations = ["tanh", "relu", "softmax"]
    p = random_problem(activations, "categorical_cross_entropy", 3)
    engine = Engine(p["layer_dims"], activations, "categorical_cross_entropy", np.float64, p["params"])
    AL, _ = lw.L_model_forward(p["X"], p["params"], activations)
    np.testing.assert_allclose(engine.predict_output(p["X"]), AL, rtol=1e-14)


@pytest.mark.parametrize("keep", [[1.0, 0.5], [0.6, 1.0], [0.8, 0.3]])
def test_engine_per_layer_keep_prob_draws_the_same_masks(keep):
    activations = ["relu", "tanh", "sigmoid"]
    p = random_problem(activations, "binary_cross_entropy", 21)
    AL, caches = lw.L_model_forward(p["X"], p["params"], activations, keep_prob=keep,
                                    rng=np.random.RandomState(3))
    ref = lw.L_model_backward(AL, p["Y"], caches, lambd=0.2)
    engine = Engine(p["layer_dims"], activations, "binary_cross_entropy", np.float64, p["params"])
    engine.forward_backward(p["X"], p["Y"], keep_prob=keep, rng=np.random.RandomState(3), lambd=0.2)
    for key, value in engine.grads.items():
        np.testing.assert_allclose(value, ref[key], rtol=1e-12, atol=1e-15, err_msg=f"{key} keep={keep}")
