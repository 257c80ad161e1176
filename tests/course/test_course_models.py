"""The notebooks' model() functions, trained by layerwise's Trainer, against the course's loops.

Oracle: ``course_reference`` -- the notebooks' loops restated in plain NumPy
(forward, cost, backward, update, with the course's seeds, mini-batches, Adam
counter and decay), which never imports layerwise. The C2 models must agree to
the last bit (their arithmetic is the same operations in the same order); the C1
models compute ``s = sigmoid(Z)`` and ``dW = dZ A^T / m`` through layerwise's
kernels, so they agree to 1e-12 relative, as the course's own cases are checked.
These are not course cases (those are in ``test_course_cases.py``).
"""

import contextlib
import io

import numpy as np
import pytest
from course_reference import c1_train, c2_train, opt_train

from layerwise.course import application as app
from layerwise.course import initialization as init
from layerwise.course import optimization as opt
from layerwise.course import regularization as reg


def _quiet(fn, *args, **kwargs):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = fn(*args, **kwargs)
    return result, out.getvalue().splitlines()


def _printed(lines, prefix):
    return {int(line[len(prefix):].split(":")[0]): float(line.split(": ")[1])
            for line in lines if line.startswith(prefix)}


def _assert_same(params, reference, rtol=0.0):
    assert set(params) == set(reference)
    for key in reference:
        np.testing.assert_allclose(params[key], reference[key], rtol=rtol, atol=0, err_msg=key)


@pytest.fixture(scope="module")
def circles():
    X, Y, _, _ = init.load_dataset()
    return X, Y


def test_two_layer_model_on_real_valued_targets_follows_the_course_loop():
    rs = np.random.RandomState(4)
    X, Y = rs.randn(10, 40), rs.randn(1, 40)  # real targets, negatives included
    (params, costs), lines = _quiet(app.two_layer_model, X, Y, (10, 4, 1), 0.05, 250,
                                    print_cost=True)
    ref_params, ref_costs = c1_train(X, Y, app.initialize_parameters(10, 4, 1), 0.05, 250)
    _assert_same(params, ref_params, rtol=1e-12)
    np.testing.assert_allclose(np.array(costs, dtype=float), [ref_costs[0], ref_costs[100],
                                                              ref_costs[200]], rtol=1e-12)
    printed = _printed(lines, "Cost after iteration ")
    assert sorted(printed) == [0, 100, 200, 249]
    np.testing.assert_allclose([printed[i] for i in (0, 100, 200, 249)],
                               [ref_costs[i] for i in (0, 100, 200, 249)], rtol=1e-12)


def test_L_layer_model_follows_the_course_loop():
    rs = np.random.RandomState(5)
    X = rs.randn(10, 30)
    Y = (rs.randn(1, 30) > 0).astype(int)
    (params, costs), _ = _quiet(app.L_layer_model, X, Y, [10, 5, 6, 1], 0.05, 120)
    ref_params, ref_costs = c1_train(X, Y, app.initialize_parameters_deep([10, 5, 6, 1]),
                                     0.05, 120)
    _assert_same(params, ref_params, rtol=1e-12)
    assert len(costs) == 2 and all(c.shape == () for c in costs)


def test_C1_models_with_no_iterations_return_the_initial_parameters():
    X, Y = np.ones((3, 2)), np.array([[0, 1]])
    params, costs = app.two_layer_model(X, Y, (3, 2, 1), num_iterations=0)
    _assert_same(params, app.initialize_parameters(3, 2, 1))
    assert costs == []
    with pytest.raises(TypeError, match="num_iterations must be an integer"):
        app.L_layer_model(X, Y, [3, 2, 1], num_iterations=10.0)


@pytest.mark.parametrize("initialization", ["zeros", "random", "he"])
def test_initialization_model_is_the_course_loop_to_the_last_bit(circles, initialization):
    X, Y = circles
    params, lines = _quiet(init.model, X, Y, num_iterations=1001, initialization=initialization)
    ref_params, ref_costs = c2_train(X, Y, init._INITIALIZERS[initialization]([2, 10, 5, 1]),
                                     0.01, 1001, lowercase=True)
    _assert_same(params, ref_params)
    printed = _printed(lines, "Cost after iteration ")
    assert printed == {0: ref_costs[0], 1000: ref_costs[1000]}
    if initialization == "random":
        # the course's unclipped log: inf at iteration 0, and training goes on
        assert np.isinf(printed[0]) and np.isfinite(printed[1000])


@pytest.mark.parametrize("options", [{}, {"lambd": 0.7}, {"keep_prob": 0.86}])
def test_regularization_model_is_the_course_loop_to_the_last_bit(circles, options):
    X, Y = circles
    params, lines = _quiet(reg.model, X, Y, num_iterations=200, **options)
    ref_params, ref_costs = c2_train(X, Y, reg.initialize_parameters([2, 20, 3, 1]), 0.3, 200,
                                     lowercase=False, **options)
    _assert_same(params, ref_params)
    assert _printed(lines, "Cost after iteration ") == {0: ref_costs[0]}


@pytest.mark.parametrize("optimizer, learning_rate", [("gd", 0.1), ("momentum", 0.01),
                                                      ("adam", 0.0007)])
@pytest.mark.parametrize("decay", [None, "update_lr", "schedule_lr_decay"])
def test_optimization_model_is_the_course_loop_to_the_last_bit(optimizer, learning_rate, decay):
    X, Y = opt.load_dataset()
    decay_fn = None if decay is None else getattr(opt, decay)
    # one long run reaches the second printed epoch; the others keep CI short
    epochs = 1001 if (optimizer, decay) == ("adam", "schedule_lr_decay") else 151
    shown = [i for i in (0, 1000) if i < epochs]
    kwargs = dict(learning_rate=learning_rate, mini_batch_size=64, decay=decay_fn, decay_rate=0.3)
    params, lines = _quiet(opt.model, X, Y, [2, 5, 2, 1], optimizer, num_epochs=epochs, **kwargs)
    ref_params, ref_costs, ref_rates = opt_train(
        X, Y, opt.initialize_parameters([2, 5, 2, 1]), optimizer, learning_rate, 64, epochs,
        decay=decay_fn, decay_rate=0.3)
    _assert_same(params, ref_params)
    costs = [line for line in lines if line.startswith("Cost after epoch ")]
    assert costs == ["Cost after epoch %i: %f" % (i, ref_costs[i]) for i in shown]
    rates = [line for line in lines if line.startswith("learning rate")]
    expected = [] if decay is None else ["learning rate after epoch %i: %f" % (i, ref_rates[i])
                                         for i in shown]
    assert rates == expected
