"""The course's public test cases, replayed through layerwise.course exactly as the notebooks call them.

Inputs are built with the course's seeds, shapes and draw order (from a local
``RandomState(k)``, which draws what ``np.random.seed(k)`` then ``randn`` draws),
and each function is called with the notebook's positional arguments.
Oracles: the expected values printed in the course's ``public_tests.py``
files (C1 W4 A1, C2 W1 A3, C2 W2 A1) and, where the course masks or ships
them only compiled, ``course_reference`` -- the notebooks' formulas restated
in plain NumPy. Comparison as the course's ``multiple_test`` (types, lengths,
shapes, 6 decimals; ``course_checks``) or ``np.allclose`` where the course uses
it. Every case also checks that NumPy's global random state is untouched.

Each test function is one course case; ``tests/course`` counts them (see
docs/course.md).
"""

import numpy as np
import pytest
from course_checks import course_compare
from course_reference import (backward3, c1_backward, c1_forward, c1_train, forward3,
                              nansum_cost)

from layerwise.course import application as app
from layerwise.course import gradient_checking as gc
from layerwise.course import initialization as init
from layerwise.course import optimization as opt
from layerwise.course import regularization as reg
from layerwise.course import step_by_step as sbs


@pytest.fixture(autouse=True)
def global_state_untouched():
    np.random.seed(12345)
    before = np.random.get_state()[1].copy()
    yield
    assert np.array_equal(np.random.get_state()[1], before), "NumPy's global RNG state changed"


def _rs(seed):
    return np.random.RandomState(seed)


def _params(rs, shapes):
    return {k: rs.randn(*s) for k, s in shapes}


# ------------------------------------------------------------------ C1 W4 A1
def test_c1w4a1_initialize_parameters():
    out = sbs.initialize_parameters(3, 2, 1)
    course_compare(out, {"W1": np.array([[0.01624345, -0.00611756, -0.00528172],
                                         [-0.01072969, 0.00865408, -0.02301539]]),
                         "b1": np.zeros((2, 1)), "W2": np.array([[0.01744812, -0.00761207]]),
                         "b2": np.zeros((1, 1))})


def test_c1w4a1_initialize_parameters_deep():
    out = sbs.initialize_parameters_deep([5, 4, 3])
    course_compare(out, {
        "W1": np.array([[0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388],
                        [-0.00354759, -0.00082741, -0.00627001, -0.00043818, -0.00477218],
                        [-0.01313865, 0.00884622, 0.00881318, 0.01709573, 0.00050034],
                        [-0.00404677, -0.0054536, -0.01546477, 0.00982367, -0.01101068]]),
        "b1": np.zeros((4, 1)),
        "W2": np.array([[-0.01185047, -0.0020565, 0.01486148, 0.00236716],
                        [-0.01023785, -0.00712993, 0.00625245, -0.00160513],
                        [-0.00768836, -0.00230031, 0.00745056, 0.01976111]]),
        "b2": np.zeros((3, 1))})


def test_c1w4a1_linear_forward():
    rs = _rs(1)
    A_prev, W, b = rs.randn(3, 2), rs.randn(1, 3), rs.randn(1, 1)
    course_compare(sbs.linear_forward(A_prev, W, b),
                   (np.array([[3.26295337, -1.23429987]]), (A_prev, W, b)))


@pytest.mark.parametrize("activation, expected_A", [
    ("sigmoid", [[0.96890023, 0.11013289]]), ("relu", [[3.43896131, 0.]])])
def test_c1w4a1_linear_activation_forward(activation, expected_A):
    rs = _rs(2)
    A_prev, W, b = rs.randn(3, 2), rs.randn(1, 3), rs.randn(1, 1)
    out = sbs.linear_activation_forward(A_prev, W, b, activation=activation)
    course_compare(out, (np.array(expected_A),
                         ((A_prev, W, b), np.array([[3.43896131, -2.08938436]]))))


def test_c1w4a1_L_model_forward():
    rs = _rs(6)
    X = rs.randn(5, 4)
    params = _params(rs, [("W1", (4, 5)), ("b1", (4, 1)), ("W2", (3, 4)), ("b2", (3, 1)),
                          ("W3", (1, 3)), ("b3", (1, 1))])
    AL, caches = sbs.L_model_forward(X, params)
    _, expected_caches = c1_forward(X, params)
    course_compare((AL, caches), (np.array([[0.03921668, 0.70498921, 0.19734387, 0.04728177]]),
                                  expected_caches))
    np.testing.assert_array_almost_equal(caches[2][1],
                                         [[-3.19864676, 0.87117055, -1.40297864, -3.00319435]])


def test_c1w4a1_compute_cost():
    cost = sbs.compute_cost(np.array([[.8, .9, 0.4]]), np.asarray([[1, 1, 0]]))
    assert isinstance(cost, np.ndarray) and cost.shape == ()
    assert np.allclose(cost, 0.27977656)


def test_c1w4a1_linear_backward():
    rs = _rs(1)
    dZ, A, W, b = rs.randn(3, 4), rs.randn(5, 4), rs.randn(3, 5), rs.randn(3, 1)
    course_compare(sbs.linear_backward(dZ, (A, W, b)), (
        np.array([[-1.15171336, 0.06718465, -0.3204696, 2.09812712],
                  [0.60345879, -3.72508701, 5.81700741, -3.84326836],
                  [-0.4319552, -1.30987417, 1.72354705, 0.05070578],
                  [-0.38981415, 0.60811244, -1.25938424, 1.47191593],
                  [-2.52214926, 2.67882552, -0.67947465, 1.48119548]]),
        np.array([[0.07313866, -0.0976715, -0.87585828, 0.73763362, 0.00785716],
                  [0.85508818, 0.37530413, -0.59912655, 0.71278189, -0.58931808],
                  [0.97913304, -0.24376494, -0.08839671, 0.55151192, -0.10290907]]),
        np.array([[-0.14713786], [-0.11313155], [-0.13209101]])))


@pytest.mark.parametrize("activation, expected", [
    ("sigmoid", ([[0.11017994, 0.01105339], [0.09466817, 0.00949723], [-0.05743092, -0.00576154]],
                 [[0.10266786, 0.09778551, -0.01968084]], [[-0.05729622]])),
    ("relu", ([[0.44090989, 0.], [0.37883606, 0.], [-0.2298228, 0.]],
              [[0.44513824, 0.37371418, -0.10478989]], [[-0.20837892]]))])
def test_c1w4a1_linear_activation_backward(activation, expected):
    rs = _rs(2)
    dA, A, W, b, Z = rs.randn(1, 2), rs.randn(3, 2), rs.randn(1, 3), rs.randn(1, 1), rs.randn(1, 2)
    out = sbs.linear_activation_backward(dA, ((A, W, b), Z), activation)
    course_compare(out, tuple(np.array(e) for e in expected))


def test_c1w4a1_L_model_backward():
    rs = _rs(3)
    AL = rs.randn(1, 2)  # [[1.788, 0.437]]: not a probability, unrelated to Z2
    Y = np.array([[1, 0]])
    c1 = ((rs.randn(4, 2), rs.randn(3, 4), rs.randn(3, 1)), rs.randn(3, 2))
    c2 = ((rs.randn(3, 2), rs.randn(1, 3), rs.randn(1, 1)), rs.randn(1, 2))
    grads = sbs.L_model_backward(AL, Y, (c1, c2))
    course_compare(grads, {
        "dA1": np.array([[0.12913162, -0.44014127], [-0.14175655, 0.48317296],
                         [0.01663708, -0.05670698]]),
        "dW2": np.array([[-0.39202432, -0.13325855, -0.04601089]]),
        "db2": np.array([[0.15187861]]),
        "dA0": np.array([[0., 0.52257901], [0., -0.3269206], [0., -0.32070404],
                         [0., -0.74079187]]),
        "dW1": np.array([[0.41010002, 0.07807203, 0.13798444, 0.10502167], [0., 0., 0., 0.],
                         [0.05283652, 0.01005865, 0.01777766, 0.0135308]]),
        "db1": np.array([[-0.22007063], [0.], [-0.02835349]])})


def test_c1w4a1_update_parameters():
    rs = _rs(2)
    params = _params(rs, [("W1", (3, 4)), ("b1", (3, 1)), ("W2", (1, 3)), ("b2", (1, 1))])
    rs = _rs(3)
    grads = _params(rs, [("dW1", (3, 4)), ("db1", (3, 1)), ("dW2", (1, 3)), ("db2", (1, 1))])
    before = {k: v.copy() for k, v in params.items()}
    out = sbs.update_parameters(params, grads, 0.1)
    course_compare(out, {
        "W1": np.array([[-0.59562069, -0.09991781, -2.14584584, 1.82662008],
                        [-1.76569676, -0.80627147, 0.51115557, -1.18258802],
                        [-1.0535704, -0.86128581, 0.68284052, 2.20374577]]),
        "b1": np.array([[-0.04659241], [-1.28888275], [0.53405496]]),
        "W2": np.array([[-0.55569196, 0.0354055, 1.32964895]]), "b2": np.array([[-0.84610769]])})
    for key, value in before.items():  # A1's update_parameters works on a copy
        np.testing.assert_array_equal(params[key], value)


# ------------------------------------------------------------------ C1 W4 A2
def test_c1w4a2_initialize_parameters_deep_is_seed_1_over_sqrt():
    out = app.initialize_parameters_deep([5, 4, 3])
    rs = _rs(1)
    expected = {"W1": rs.randn(4, 5) / np.sqrt(5), "b1": np.zeros((4, 1)),
                "W2": rs.randn(3, 4) / np.sqrt(4), "b2": np.zeros((3, 1))}
    course_compare(out, expected)


def _assert_printed(lines, expected):
    # The course's C1 cost is two dot products, layerwise's the mean of the per-example
    # losses: equal up to the last bit, so the printed text is compared as numbers (the
    # course's own bar compares printed costs at 1e-6 relative).
    assert [line.rsplit(": ", 1)[0] for line in lines] == [
        f"Cost after iteration {i}" for i, _ in expected]
    np.testing.assert_allclose([float(line.rsplit(": ", 1)[1]) for line in lines],
                               [c for _, c in expected], rtol=1e-14)


def _two_layer_case():
    rs = _rs(1)
    return rs.randn(10, 10), rs.randn(1, 10)  # real-valued targets, negatives included


@pytest.mark.parametrize("learning_rate, iterations", [(0.0075, 2), (0.1, 3)])
def test_c1w4a2_two_layer_model(capsys, learning_rate, iterations):
    X, Y = _two_layer_case()
    params, costs = app.two_layer_model(X, Y, (10, 4, 1), learning_rate, iterations)
    start = sbs.initialize_parameters(10, 4, 1)
    ref_params, ref_costs = c1_train(X, Y, start, learning_rate, iterations)
    course_compare(params, ref_params)
    assert len(costs) == 1 and isinstance(costs[0], np.ndarray) and costs[0].shape == ()
    np.testing.assert_allclose(costs[0], ref_costs[0], rtol=1e-12)
    # printed even with print_cost=False: the course's precedence quirk
    printed = capsys.readouterr().out.splitlines()
    _assert_printed(printed, [(iterations - 1, ref_costs[-1])])


@pytest.mark.parametrize("learning_rate, iterations", [(0.0075, 2), (0.02, 3)])
def test_c1w4a2_L_layer_model(capsys, learning_rate, iterations):
    rs = _rs(1)
    X = rs.randn(10, 10)
    Y = np.array([[1, 1, 1, 1, 0, 0, 0, 1, 1, 0]])
    params, costs = app.L_layer_model(X, Y, [10, 5, 6, 1], learning_rate, iterations,
                                      print_cost=True)
    ref_params, ref_costs = c1_train(X, Y, app.initialize_parameters_deep([10, 5, 6, 1]),
                                     learning_rate, iterations)
    course_compare(params, ref_params)
    np.testing.assert_allclose(np.array(costs, dtype=float), [ref_costs[0]], rtol=1e-12)
    printed = capsys.readouterr().out.splitlines()
    _assert_printed(printed, [(0, ref_costs[0]), (iterations - 1, ref_costs[-1])])


def test_c1w4a2_predict_prints_the_course_sum_and_takes_a_list(capsys):
    rs = _rs(1)
    X = rs.randn(3, 7)
    params = {"W1": rs.randn(1, 3), "b1": np.zeros((1, 1))}
    AL, _ = c1_forward(X, params)
    y = [int(a > 0.5) for a in AL[0]]
    p = app.predict(X, y, params)
    assert p.dtype == np.float64 and p.shape == (1, 7)
    np.testing.assert_array_equal(p, (AL > 0.5).astype(float))
    assert capsys.readouterr().out == "Accuracy: " + str(np.sum((p == np.array(y)) / 7)) + "\n"


def test_c1w4a2_load_data_without_the_files_names_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"datasets/train_catvnoncat\.h5.*"
                                                r"datasets/test_catvnoncat\.h5"):
        app.load_data()


# ------------------------------------------------------------------ C2 W1 A1
def test_c2w1a1_initialize_parameters_zeros():
    course_compare(init.initialize_parameters_zeros([3, 2, 1]),
                   {"W1": np.zeros((2, 3)), "b1": np.zeros((2, 1)), "W2": np.zeros((1, 2)),
                    "b2": np.zeros((1, 1))})


def test_c2w1a1_initialize_parameters_random():
    out = init.initialize_parameters_random([3, 2, 1])
    course_compare(out, {"W1": np.array([[17.88628473, 4.36509851, 0.96497468],
                                         [-18.63492703, -2.77388203, -3.54758979]]),
                         "b1": np.zeros((2, 1)), "W2": np.array([[-0.82741481, -6.27000677]]),
                         "b2": np.zeros((1, 1))})


@pytest.mark.parametrize("dims", [[2, 4, 1], [3, 1, 2]])
def test_c2w1a1_initialize_parameters_he(dims):
    out = init.initialize_parameters_he(dims)
    rs = _rs(3)
    expected = {}
    for l in range(1, len(dims)):
        expected[f"W{l}"] = rs.randn(dims[l], dims[l - 1]) * np.sqrt(2 / dims[l - 1])
        expected[f"b{l}"] = np.zeros((dims[l], 1))
    course_compare(out, expected)
    if dims == [2, 4, 1]:  # the notebook's printed values
        np.testing.assert_array_almost_equal(out["W2"], [[-0.03098412, -0.33744411, -0.92904268,
                                                          0.62552248]])


def test_c2w1a1_forward_backward_and_loss_on_the_circles():
    train_X, train_Y, test_X, test_Y = init.load_dataset()
    assert [a.shape for a in (train_X, train_Y, test_X, test_Y)] == [(2, 300), (1, 300),
                                                                    (2, 100), (1, 100)]
    params = init.initialize_parameters_he([2, 10, 5, 1])
    a3, cache = init.forward_propagation(train_X, params)
    ref_a3, ref_cache = forward3(train_X, params)
    course_compare(cache, ref_cache)
    np.testing.assert_array_equal(a3, ref_a3)
    grads = init.backward_propagation(train_X, train_Y, cache)
    course_compare(grads, backward3(train_X, train_Y, ref_cache, lowercase=True))
    loss = init.compute_loss(a3, train_Y)
    assert isinstance(loss, np.float64) and loss == nansum_cost(ref_a3, train_Y)


def test_c2w1a1_model_random_prints_inf_at_iteration_0(capsys):
    train_X, train_Y, _, _ = init.load_dataset()
    init.model(train_X, train_Y, num_iterations=1, initialization="random")
    assert capsys.readouterr().out == "Cost after iteration 0: inf\n"


def test_c2w1a1_predict_is_int_and_prints_the_mean(capsys):
    train_X, train_Y, _, _ = init.load_dataset()
    params = init.initialize_parameters_he([2, 10, 5, 1])
    p = init.predict(train_X, train_Y, params)
    ref = (forward3(train_X, params)[0] > 0.5)
    assert p.dtype == np.int64
    np.testing.assert_array_equal(p, ref.astype(int))
    assert capsys.readouterr().out == "Accuracy: " + str(np.mean(p[0, :] == train_Y[0, :])) + "\n"
    np.testing.assert_array_equal(init.predict_dec(params, train_X), ref)


# ------------------------------------------------------------------ C2 W1 A2
def _reg_case(seed, n_x, m):
    rs = _rs(seed)
    X = rs.randn(n_x, m)
    params = _params(rs, [("W1", (2, n_x)), ("b1", (2, 1)), ("W2", (3, 2)), ("b2", (3, 1)),
                          ("W3", (1, 3)), ("b3", (1, 1))])
    return X, params


def test_c2w1a2_compute_cost_with_regularization():
    rs = _rs(1)
    Y = np.array([[1, 1, 0, 1, 0]])
    params = _params(rs, [("W1", (2, 3)), ("b1", (2, 1)), ("W2", (3, 2)), ("b2", (3, 1)),
                          ("W3", (1, 3)), ("b3", (1, 1))])
    a3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    cost = reg.compute_cost_with_regularization(a3, Y, params, 0.1)
    expected = nansum_cost(a3, Y) + (1 / 5) * (0.1 / 2) * sum(
        np.sum(np.square(params[k])) for k in ("W1", "W2", "W3"))
    assert cost.shape == () and np.isclose(cost, expected)
    np.testing.assert_allclose(cost, 1.78648594516, rtol=1e-11)


def test_c2w1a2_backward_propagation_with_regularization():
    X, params = _reg_case(1, 3, 5)
    Y = np.array([[1, 1, 0, 1, 0]])
    _, cache = reg.forward_propagation(X, params)
    grads = reg.backward_propagation_with_regularization(X, Y, cache, lambd=0.7)
    course_compare(grads, backward3(X, Y, forward3(X, params)[1], lowercase=False, lambd=0.7))


def test_c2w1a2_forward_propagation_with_dropout():
    X, params = _reg_case(1, 3, 5)
    A3, cache = reg.forward_propagation_with_dropout(X, params, keep_prob=0.7)
    rs = _rs(1)  # the course's seed(1) inside the function, then rand per hidden layer
    A1 = np.maximum(0, np.dot(params["W1"], X) + params["b1"])
    D1 = rs.rand(*A1.shape) < 0.7
    A2 = np.maximum(0, np.dot(params["W2"], A1 * D1 / 0.7) + params["b2"])
    D2 = rs.rand(*A2.shape) < 0.7
    _, ref_cache = forward3(X, params, masks=[D1.astype(int), D2], keep_prob=0.7)
    assert len(cache) == 14
    course_compare(cache, ref_cache)
    np.testing.assert_array_almost_equal(A3, [[0.36974721, 0.00305176, 0.04565099, 0.49683389,
                                               0.36974721]])


def test_c2w1a2_backward_propagation_with_dropout_applies_the_cached_masks():
    X, params = _reg_case(1, 3, 5)
    Y = np.array([[1, 1, 0, 1, 0]])
    _, cache = reg.forward_propagation_with_dropout(X, params, keep_prob=0.5)
    cache = tuple(c.astype(bool) if i in (1, 6) else c for i, c in enumerate(cache))
    grads = reg.backward_propagation_with_dropout(X, Y, cache, 0.8)  # inconsistent on purpose
    course_compare(grads, backward3(X, Y, cache, lowercase=False, keep_prob=0.8))


def test_c2w1a2_model_and_initialize_parameters(capsys):
    X, _ = _reg_case(2, 2, 40)
    Y = (X[0:1] * X[1:2] > 0).astype(int)
    params = reg.model(X, Y, num_iterations=2, keep_prob=0.86)
    assert capsys.readouterr().out.startswith("Cost after iteration 0: ")
    rs = _rs(3)
    start = {"W1": rs.randn(20, 2) / np.sqrt(2), "W2": rs.randn(3, 20) / np.sqrt(20)}
    np.testing.assert_array_equal(reg.initialize_parameters([2, 20, 3, 1])["W2"], start["W2"])
    assert set(params) == {"W1", "b1", "W2", "b2", "W3", "b3"}


# ------------------------------------------------------------------ C2 W1 A3
def test_c2w1a3_one_dimensional_check():
    assert gc.forward_propagation(2, 4) == 8 and gc.backward_propagation(2, 4) == 2
    difference = gc.gradient_check(2, 4)
    assert not isinstance(difference, np.ndarray)
    assert np.isclose(difference, 2.919335883291695e-10)


def _gc_case():
    rs = _rs(1)
    x = rs.randn(4, 3)
    y = np.array([1, 1, 0])
    params = _params(rs, [("W1", (5, 4)), ("b1", (5, 1)), ("W2", (3, 5)), ("b2", (3, 1)),
                          ("W3", (1, 3)), ("b3", (1, 1))])
    return x, y, params


def test_c2w1a3_gradient_check_n_finds_the_planted_bugs(capsys):
    x, y, params = _gc_case()
    cost, cache = gc.forward_propagation_n(x, y, params)
    gradients = gc.backward_propagation_n(x, y, cache)
    assert len(gradients) == 11
    difference = gc.gradient_check_n(params, gradients, x, y, 1e-7, True)
    assert not isinstance(difference, np.ndarray)
    assert np.any(np.isclose(difference, [0.2850931567761623, 1.1890913024229996e-07]))
    assert capsys.readouterr().out == (
        "\033[93mThere is a mistake in the backward propagation! difference = "
        + str(difference) + "\033[0m\n")


def test_c2w1a3_gradient_check_n_after_fixing_the_bugs(capsys):
    x, y, params = _gc_case()
    _, cache = gc.forward_propagation_n(x, y, params)
    fixed = reg.backward_propagation(x, y, cache)  # the learner's fixed backward pass
    difference = gc.gradient_check_n(params, fixed, x, y, print_msg=True)
    assert np.isclose(difference, 1.1890913024229996e-07)
    assert capsys.readouterr().out.startswith("\033[92mYour backward propagation works perfectly")


def test_c2w1a3_vector_helpers():
    _, _, params = _gc_case()
    theta, keys = gc.dictionary_to_vector(params)
    assert theta.shape == (47, 1) and keys[:20] == ["W1"] * 20
    back = gc.vector_to_dictionary(theta)
    course_compare(back, params)
    grads = {"d" + k: v for k, v in params.items()}
    grads["dA1"] = np.ones((5, 3))
    np.testing.assert_array_equal(gc.gradients_to_vector(grads), theta)


# ------------------------------------------------------------------ C2 W2 A1
def _opt_case():
    W1, b1, W2, b2, dW1, db1, dW2, db2 = opt.load_params_and_grads()
    return ({"W1": W1, "b1": b1, "W2": W2, "b2": b2},
            {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2})


def test_c2w2a1_update_parameters_with_gd():
    parameters, grads = _opt_case()
    expected = {"W1": np.array([[1.63535156, -0.62320365, -0.53718766],
                                [-1.07799357, 0.85639907, -2.29470142]]),
                "b1": np.array([[1.74604067], [-0.75184921]]),
                "W2": np.array([[0.32171798, -0.25467393, 1.46902454],
                                [-2.05617317, -0.31554548, -0.3756023],
                                [1.1404819, -1.09976462, -0.1612551]]),
                "b2": np.array([[-0.88020257], [0.02561572], [0.57539477]])}
    shapes = {k: v.shape for k, v in parameters.items()}
    params_up = opt.update_parameters_with_gd(parameters, grads, 0.01)
    for key in params_up.keys():
        assert type(params_up[key]) == np.ndarray
        assert params_up[key].shape == shapes[key]
        assert np.allclose(params_up[key], expected[key])


def test_c2w2a1_random_mini_batches():
    rs = _rs(1)
    X = rs.randn(7, 3)
    Y = rs.randn(1, 3) < 0.5
    expected = [(np.array([[-0.52817175, -0.61175641], [-2.3015387, 0.86540763],
                           [0.3190391, -0.7612069], [-2.06014071, 1.46210794],
                           [1.13376944, -0.38405435], [-0.87785842, -0.17242821],
                           [-1.10061918, 0.58281521]]), np.array([[False, False]])),
                (np.array([[1.62434536], [-1.07296862], [1.74481176], [-0.24937038],
                           [-0.3224172], [-1.09989127], [0.04221375]]), np.array([[False]]))]
    course_compare(opt.random_mini_batches(X, Y, 2), expected)
    sizes = [b[0].shape[1] for b in opt.random_mini_batches(np.zeros((2, 148)),
                                                            np.zeros((1, 148)), 64)]
    assert sizes == [64, 64, 20]


def test_c2w2a1_initialize_velocity_and_adam():
    parameters, _ = _opt_case()
    zeros = {"d" + k: np.zeros_like(v) for k, v in parameters.items()}
    course_compare(opt.initialize_velocity(parameters), zeros)
    course_compare(opt.initialize_adam(parameters), (zeros, zeros))


def test_c2w2a1_update_parameters_with_momentum():
    parameters, grads = _opt_case()
    v = opt.initialize_velocity(parameters)
    out = opt.update_parameters_with_momentum(parameters, grads, v, beta=0.9, learning_rate=0.01)
    course_compare(out, (
        {"W1": np.array([[1.62544598, -0.61290114, -0.52907334],
                         [-1.07347112, 0.86450677, -2.30085497]]),
         "b1": np.array([[1.74493465], [-0.76027113]]),
         "W2": np.array([[0.31930698, -0.24990073, 1.4627996],
                         [-2.05974396, -0.32173003, -0.38320915],
                         [1.13444069, -1.0998786, -0.1713109]]),
         "b2": np.array([[-0.87809283], [0.04055394], [0.58207317]])},
        {"dW1": np.array([[-0.11006192, 0.11447237, 0.09015907],
                          [0.05024943, 0.09008559, -0.06837279]]),
         "db1": np.array([[-0.01228902], [-0.09357694]]),
         "dW2": np.array([[-0.02678881, 0.05303555, -0.06916608],
                          [-0.03967535, -0.06871727, -0.08452056],
                          [-0.06712461, -0.00126646, -0.11173103]]),
         "db2": np.array([[0.02344157], [0.16598022], [0.07420442]])}))


def test_c2w2a1_update_parameters_with_adam():
    parametersi, grads = _opt_case()
    vi, si = opt.initialize_adam(parametersi)
    t, learning_rate, beta1, beta2, epsilon = 2, 0.02, 0.8, 0.888, 1e-2
    c1, c2 = 1.0 / (1 - beta1**t), 1.0 / (1 - beta2**t)
    expected_v = {"dW1": [-0.22012384, 0.22894474, 0.18031814],
                  "dW2": [-0.05357762, 0.10607109, -0.13833215], "db1": [-0.02457805],
                  "db2": [0.04688314]}
    expected_s = {"dW1": [0.13567261, 0.14676395, 0.09104097],
                  "dW2": [8.03757060e-03, 3.15030152e-02, 5.35801947e-02], "db1": [0.00169142],
                  "db2": [0.00615448]}
    expected_p = {"W1": [1.63942428, -0.6268425, -0.54320974],
                  "W2": [0.33356139, -0.26425199, 1.47707772], "b1": [1.75854357],
                  "b2": [-0.89228024]}
    out = opt.update_parameters_with_adam(parametersi, grads, vi, si, t, learning_rate, beta1,
                                          beta2, epsilon)
    assert len(out) == 5
    parameters, v, s, vc, sc = out
    for key in v:
        assert type(v[key]) == np.ndarray and v[key].shape == vi[key].shape
        assert np.allclose(v[key][0], expected_v[key])
        assert np.allclose(vc[key][0], np.array(expected_v[key]) * c1)
        assert np.allclose(s[key][0], expected_s[key])
        assert np.allclose(sc[key][0], np.array(expected_s[key]) * c2)
    for key in parameters:
        assert type(parameters[key]) == np.ndarray
        assert np.allclose(parameters[key][0], expected_p[key])


def test_c2w2a1_learning_rate_decay():
    assert np.isclose(opt.update_lr(0.5, 2, 1), 0.16666666666666666)
    assert np.isclose(opt.schedule_lr_decay(0.5, 100, 1, 100), 0.25)
    assert np.isclose(opt.schedule_lr_decay(0.5, 10, 1, 100), 0.5)
    assert np.isclose(opt.schedule_lr_decay(0.3, 1000, 0.25, 100), 0.085714285)
    assert np.isclose(opt.schedule_lr_decay(0.3, 100, 0.25, 100), 0.24)


def test_c2w2a1_compute_cost_is_the_sum_and_model_prints_percent_f(capsys):
    train_X, train_Y = opt.load_dataset()
    assert train_X.shape == (2, 300) and train_Y.shape == (1, 300)
    params = opt.initialize_parameters([2, 5, 2, 1])
    a3, _ = forward3(train_X, params)
    assert np.isclose(opt.compute_cost(a3, train_Y), 300 * nansum_cost(a3, train_Y))
    opt.model(train_X, train_Y, [2, 5, 2, 1], optimizer="adam", num_epochs=2,
              decay=opt.schedule_lr_decay)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Cost after epoch 0: ") and len(out[0].split(": ")[1]) == 8
    assert out[1] == "learning rate after epoch 0: 0.000700"
