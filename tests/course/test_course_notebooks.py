"""Each assignment's notebook, cell by cell, with ``from layerwise.course.<module> import *``.

The scripts below are the notebooks' own cells (graded cells replaced by the
import), with small budgets. Each runs in a fresh namespace in an empty working
directory (``datasets/`` holds only what a test copies there) and must leave
NumPy's global random state untouched. Where a budget reaches a published
number, the printed text is compared with it (oracle: the course's published
outputs; tolerance: the measured cross-CPU spread of ``layerwise.lab.agreement``).
"""

import contextlib
import io
import os
import shutil
import textwrap

import numpy as np
import pytest

from layerwise.lab.agreement import tolerance

FOOTBALL = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))), "shared", "data", "football_2d.mat")


def run_notebook(cells, cwd, monkeypatch):
    """Execute the cells in one namespace in ``cwd``; returns (namespace, stdout)."""
    monkeypatch.chdir(cwd)
    np.random.seed(2024)
    before = np.random.get_state()[1].copy()
    namespace, out = {}, io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(textwrap.dedent(cells), "<notebook>", "exec"), namespace)
    assert np.array_equal(np.random.get_state()[1], before), "the global RNG state changed"
    return namespace, out.getvalue()


def _printed(out, prefix):
    return {int(line[len(prefix):].split(":")[0]): line.split(": ")[1]
            for line in out.splitlines() if line.startswith(prefix)}


def test_step_by_step_notebook(tmp_path, monkeypatch):
    ns, _ = run_notebook("""
        from layerwise.course.step_by_step import *
        import numpy as np
        parameters = initialize_parameters_deep([5, 4, 3, 1])
        rs = np.random.RandomState(1)
        X = rs.randn(5, 8)
        Y = (rs.randn(1, 8) > 0).astype(float)
        costs = []
        for i in range(20):
            AL, caches = L_model_forward(X, parameters)
            costs.append(compute_cost(AL, Y))
            grads = L_model_backward(AL, Y, caches)
            parameters = update_parameters(parameters, grads, 0.5)
        """, tmp_path, monkeypatch)
    assert len(ns["caches"]) == 3 and set(ns["grads"]) == {
        "dA0", "dA1", "dA2", "dW1", "dW2", "dW3", "db1", "db2", "db3"}
    assert all(isinstance(c, np.ndarray) and c.shape == () for c in ns["costs"])
    assert ns["costs"][-1] < ns["costs"][0]


def test_application_notebook(tmp_path, monkeypatch):
    ns, out = run_notebook("""
        from layerwise.course.application import *
        import numpy as np
        try:
            train_x_orig, train_y, test_x_orig, test_y, classes = load_data()
        except FileNotFoundError as error:
            message = str(error)
        # stand-in pictures (the course's h5 files cannot ship): 12 "images" of 4x4x3
        rs = np.random.RandomState(0)
        train_x_orig = rs.randint(0, 256, (12, 4, 4, 3)).astype(np.uint8)
        train_y = (train_x_orig.mean(axis=(1, 2, 3)) > 127).astype(int).reshape(1, -1)
        train_x_flatten = train_x_orig.reshape(train_x_orig.shape[0], -1).T
        train_x = train_x_flatten / 255.
        n_x, n_h, n_y = 48, 7, 1
        parameters, costs = two_layer_model(train_x, train_y, layers_dims=(n_x, n_h, n_y),
                                            num_iterations=2, print_cost=True)
        plot_costs(costs, 0.0075)
        layers_dims = [48, 20, 7, 5, 1]
        parameters, costs = L_layer_model(train_x, train_y, layers_dims, num_iterations=201,
                                          print_cost=True)
        pred_train = predict(train_x, train_y, parameters)
        my_predicted_image = predict(train_x[:, :1], [1], parameters)
        """, tmp_path, monkeypatch)
    assert "datasets/train_catvnoncat.h5" in ns["message"]
    lines = out.splitlines()
    assert lines[0].startswith("Cost after iteration 0: ")
    assert [line.split(":")[0] for line in lines[2:5]] == [
        "Cost after iteration 0", "Cost after iteration 100", "Cost after iteration 200"]
    assert lines[-2].startswith("Accuracy: ") and lines[-1].startswith("Accuracy: ")
    assert len(ns["costs"]) == 3 and ns["pred_train"].dtype == np.float64


def test_initialization_notebook_prints_the_published_costs(tmp_path, monkeypatch):
    ns, out = run_notebook("""
        from layerwise.course.initialization import *
        import numpy as np
        train_X, train_Y, test_X, test_Y = load_dataset()
        parameters = model(train_X, train_Y, num_iterations=1, initialization="zeros")
        predictions_train = predict(train_X, train_Y, parameters)
        parameters = model(train_X, train_Y, num_iterations=1001, initialization="random")
        parameters = model(train_X, train_Y, num_iterations=1001, initialization="he")
        predictions_test = predict(test_X, test_Y, parameters)
        plot_decision_boundary(lambda x: predict_dec(parameters, x.T), train_X, train_Y)
        """, tmp_path, monkeypatch)
    runs = out.split("Cost after iteration 0: ")[1:]
    assert len(runs) == 3
    zeros, random, he = (("0: " + r) for r in runs)
    assert "Accuracy: 0.5\n" in zeros
    assert random.startswith("0: inf\n")  # the course's unclipped log
    assert zeros.startswith("0: 0.6931471805599453\n")  # ln 2: every unit starts identical
    for name, text, published in (("random", random, 0.6247924745506072),
                                  ("he", he, 0.6879825919728063)):
        printed = float(text.split("Cost after iteration 1000: ")[1].split("\n")[0])
        np.testing.assert_allclose(printed, published, atol=0,
                                   rtol=tolerance(f"init.{name}.cost@1000"), err_msg=name)
    assert out.splitlines()[-1].startswith("Accuracy: ")


@pytest.mark.skipif(not os.path.isfile(FOOTBALL), reason=f"the course's data.mat is not at "
                                                          f"{FOOTBALL} (tests only)")
def test_regularization_notebook_on_the_course_data(tmp_path, monkeypatch):
    os.makedirs(tmp_path / "datasets")
    shutil.copy(FOOTBALL, tmp_path / "datasets" / "data.mat")
    ns, out = run_notebook("""
        from layerwise.course.regularization import *
        train_X, train_Y, test_X, test_Y = load_2D_dataset()
        parameters = model(train_X, train_Y, num_iterations=1)
        predictions_train = predict(train_X, train_Y, parameters)
        parameters = model(train_X, train_Y, num_iterations=1, lambd=0.7)
        parameters = model(train_X, train_Y, num_iterations=1, keep_prob=0.86, learning_rate=0.3)
        plot_decision_boundary(lambda x: predict_dec(parameters, x.T), train_X, train_Y)
        """, tmp_path, monkeypatch)
    assert [a.shape for a in (ns["train_X"], ns["train_Y"], ns["test_X"], ns["test_Y"])] == [
        (2, 211), (1, 211), (2, 200), (1, 200)]
    costs = [float(line.split(": ")[1]) for line in out.splitlines()
             if line.startswith("Cost after iteration 0: ")]
    np.testing.assert_allclose(costs, [0.6557412523481002, 0.6974484493131264,
                                       0.6543912405149825], rtol=tolerance(
        "regularization.none.cost@0") or 4e-16, atol=0)


def test_regularization_loader_names_the_missing_file(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match=r"datasets/data\.mat"):
        run_notebook("""
            from layerwise.course.regularization import *
            train_X, train_Y, test_X, test_Y = load_2D_dataset()
            """, tmp_path, monkeypatch)


def test_gradient_checking_notebook(tmp_path, monkeypatch):
    ns, out = run_notebook("""
        from layerwise.course.gradient_checking import *
        import numpy as np
        x, theta = 2, 4
        J = forward_propagation(x, theta)
        dtheta = backward_propagation(x, theta)
        difference = gradient_check(2, 4, print_msg=True)
        np.random.seed(1)  # the notebook's gradient_check_n_test_case seeds the global RNG
        x = np.random.randn(4, 3)
        y = np.array([1, 1, 0])
        W1 = np.random.randn(5, 4); b1 = np.random.randn(5, 1); W2 = np.random.randn(3, 5)
        b2 = np.random.randn(3, 1); W3 = np.random.randn(1, 3); b3 = np.random.randn(1, 1)
        parameters = {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}
        cost, cache = forward_propagation_n(x, y, parameters)
        gradients = backward_propagation_n(x, y, cache)
        difference_n = gradient_check_n(parameters, gradients, x, y, 1e-7, True)
        expected_values = [0.2850931567761623, 1.1890913024229996e-07]
        assert not(type(difference_n) == np.ndarray), "not a plain float"
        assert np.any(np.isclose(difference_n, expected_values)), "Wrong value"
        np.random.seed(2024)  # (the test restores the state it checks)
        """, tmp_path, monkeypatch)
    assert ns["J"] == 8 and ns["dtheta"] == 2
    assert out.splitlines()[0] == ("\033[92mYour backward propagation works perfectly fine! "
                                   f"difference = {ns['difference']}\033[0m")
    assert "There is a mistake in the backward propagation!" in out.splitlines()[1]


def test_optimization_notebook_prints_the_published_epoch_0(tmp_path, monkeypatch):
    ns, out = run_notebook("""
        from layerwise.course.optimization import *
        train_X, train_Y = load_dataset()
        layers_dims = [train_X.shape[0], 5, 2, 1]
        parameters = model(train_X, train_Y, layers_dims, optimizer="gd", num_epochs=1)
        predictions = predict(train_X, train_Y, parameters)
        parameters = model(train_X, train_Y, layers_dims, beta=0.9, optimizer="momentum",
                           num_epochs=1)
        parameters = model(train_X, train_Y, layers_dims, optimizer="adam", num_epochs=1)
        parameters = model(train_X, train_Y, layers_dims, optimizer="gd", learning_rate=0.1,
                           num_epochs=1, decay=update_lr)
        parameters = model(train_X, train_Y, layers_dims, optimizer="adam", learning_rate=0.01,
                           num_epochs=1, decay=schedule_lr_decay)
        plot_decision_boundary(lambda x: predict_dec(parameters, x.T), train_X, train_Y)
        """, tmp_path, monkeypatch)
    costs = [line.split(": ")[1] for line in out.splitlines() if line.startswith("Cost after")]
    # the course's 2021 notebook prints (%f) for gd, momentum, adam, gd+update_lr, adam+schedule
    assert costs == ["0.702405", "0.702413", "0.702166", "0.701091", "0.699346"]
    rates = [line.split(": ")[1] for line in out.splitlines() if line.startswith("learning rate")]
    assert rates == ["0.100000", "0.010000"]
