"""Optimizers: closed-form steps, equivalences and convergence.

Oracles: the update formulas written out in the test (momentum's
v = beta v + (1 - beta) g has no torch twin), equivalences that must hold
exactly (momentum with beta = 0 is gradient descent), the known minimum of a
quadratic, and a network that must overfit a small spiral set.
"""

import numpy as np
import pytest

import layerwise as lw


def _random_dicts(seed, steps):
    rng = np.random.default_rng(seed)
    shapes = {"W1": (4, 3), "b1": (4, 1), "W2": (2, 4), "b2": (2, 1)}
    params = {k: rng.standard_normal(s) for k, s in shapes.items()}
    grads = [{"d" + k: rng.standard_normal(s) for k, s in shapes.items()} for _ in range(steps)]
    return params, grads


def test_momentum_closed_form_course_function_and_object():
    params0, grad_seq = _random_dicts(0, 20)
    beta, lr = 0.9, 0.05
    # closed form, written here
    ref_p = {k: v.copy() for k, v in params0.items()}
    ref_v = {k: np.zeros_like(v) for k, v in params0.items()}
    course_p, course_v = dict(params0), lw.initialize_velocity(params0)
    opt, obj_p = lw.Momentum(lr, beta), {k: v.copy() for k, v in params0.items()}
    state = opt.init(obj_p)
    for step, g in enumerate(grad_seq, start=1):
        for k in ref_p:
            ref_v[k] = beta * ref_v[k] + (1 - beta) * g["d" + k]
            ref_p[k] = ref_p[k] - lr * ref_v[k]
        course_p, course_v = lw.update_parameters_with_momentum(course_p, g, course_v, beta, lr)
        opt.update(g, state, obj_p)
        for k in ref_p:
            np.testing.assert_allclose(course_p[k], ref_p[k], rtol=1e-13,
                                       err_msg=f"course momentum {k}, step {step}")
            np.testing.assert_allclose(course_v["d" + k], ref_v[k], rtol=1e-13,
                                       err_msg=f"course velocity d{k}, step {step}")
            np.testing.assert_allclose(obj_p[k], ref_p[k], rtol=1e-13,
                                       err_msg=f"Momentum object {k}, step {step}")


def test_adam_and_rmsprop_first_steps_closed_form():
    params0, grad_seq = _random_dicts(1, 3)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    g = grad_seq[0]
    # Adam step 1: v = (1-b1) g, s = (1-b2) g^2, v_hat = g, s_hat = g^2 -> W -= lr g / (|g| + eps)
    v, s = lw.initialize_adam(params0)
    new, v, s, v_hat, s_hat = lw.update_parameters_with_adam(params0, g, v, s, 1, lr, b1, b2, eps)
    for k in params0:
        gk = g["d" + k]
        np.testing.assert_allclose(v["d" + k], (1 - b1) * gk, rtol=1e-15)
        np.testing.assert_allclose(s["d" + k], (1 - b2) * gk**2, rtol=1e-15)
        np.testing.assert_allclose(v_hat["d" + k], gk, rtol=1e-14)
        np.testing.assert_allclose(s_hat["d" + k], gk**2, rtol=1e-14)
        np.testing.assert_allclose(new[k], params0[k] - lr * gk / (np.abs(gk) + eps), rtol=1e-14,
                                   err_msg=f"Adam step 1 {k}")
    # RMSprop step 1: s = (1-beta) g^2 -> W -= lr g / (sqrt(1-beta) |g| + eps)
    new, s = lw.update_parameters_with_rmsprop(params0, g, lw.initialize_rmsprop(params0), 0.9, lr, eps)
    for k in params0:
        gk = g["d" + k]
        np.testing.assert_allclose(s["d" + k], 0.1 * gk**2, rtol=1e-15)
        np.testing.assert_allclose(new[k], params0[k] - lr * gk / (np.sqrt(0.1) * np.abs(gk) + eps),
                                   rtol=1e-14, err_msg=f"RMSprop step 1 {k}")


def test_momentum_with_beta_zero_is_gradient_descent():
    params0, grad_seq = _random_dicts(2, 5)
    gd_p, mom_p, v = dict(params0), dict(params0), lw.initialize_velocity(params0)
    for g in grad_seq:
        gd_p = lw.update_parameters(gd_p, g, 0.1)
        mom_p, v = lw.update_parameters_with_momentum(mom_p, g, v, 0.0, 0.1)
    for k in params0:
        np.testing.assert_array_equal(mom_p[k], gd_p[k], err_msg=k)


def test_course_functions_leave_inputs_unchanged():
    params0, grad_seq = _random_dicts(3, 1)
    snapshot = {k: v.copy() for k, v in params0.items()}
    v, s = lw.initialize_adam(params0)
    lw.update_parameters_with_adam(params0, grad_seq[0], v, s, 1)
    lw.update_parameters_with_momentum(params0, grad_seq[0], v, 0.9, 0.1)
    lw.update_parameters_with_rmsprop(params0, grad_seq[0], s)
    for k in params0:
        np.testing.assert_array_equal(params0[k], snapshot[k])
        assert not v["d" + k].any() and not s["d" + k].any()


# ------------------------------------------------------------------ convergence
def _quadratic(seed=0):
    """f(w) = 0.5 ||A (w - w*)||^2 over a dict {W1 (3x2), b1 (3x1)}; A well conditioned."""
    rng = np.random.default_rng(seed)
    n = 9
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = Q @ np.diag(np.linspace(1.0, 3.0, n)) @ Q.T  # singular values 1..3
    target = rng.standard_normal(n)

    def split(w):
        return {"W1": w[:6].reshape(3, 2).copy(), "b1": w[6:].reshape(3, 1).copy()}

    def flat(d):
        return np.concatenate([d["W1"].ravel(), d["b1"].ravel()])

    def grad(params):
        g = A.T @ (A @ (flat(params) - target))
        return {"d" + k: v for k, v in split(g).items()}

    return split(rng.standard_normal(n)), split(target), grad, flat


@pytest.mark.parametrize("name,optimizer,steps", [
    ("gd", lambda: lw.GradientDescent(0.1), 400),
    ("momentum", lambda: lw.Momentum(0.1, 0.9), 600),
    ("rmsprop", lambda: lw.RMSprop(0.05, 0.9), 4000),
    ("adam", lambda: lw.Adam(0.05), 3000),
])
def test_every_optimizer_reaches_the_minimum_of_a_quadratic(name, optimizer, steps):
    params, target, grad, flat = _quadratic()
    opt = optimizer()
    lr0 = opt.learning_rate
    state = opt.init(params)
    for t in range(steps):
        # RMSprop and Adam take steps of about lr near the minimum (g / sqrt(s) stays
        # of order 1), so they hover there unless the learning rate decays.
        if name == "rmsprop":
            opt.learning_rate = lr0 * 0.997**t
        elif name == "adam":
            opt.learning_rate = lr0 / (1 + t / 100)
        opt.update(grad(params), state, params)
    err = np.max(np.abs(flat(params) - flat(target)))
    assert err < 1e-6, f"{name}: max |w - w*| = {err:.2e} after {steps} steps"


def _spiral(n_per_class=20, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    X, labels = [], []
    for c in range(classes):
        r = np.linspace(0.05, 1.0, n_per_class)
        theta = np.linspace(c * 4.0, (c + 1) * 4.0, n_per_class) + 0.2 * rng.standard_normal(n_per_class)
        X.append(np.stack([r * np.sin(theta), r * np.cos(theta)]))
        labels += [c] * n_per_class
    return np.concatenate(X, axis=1), np.array(labels)


def test_network_overfits_a_small_spiral():
    X, labels = _spiral()  # 3 arms, 60 points
    Y = lw.one_hot(labels, 3)
    net = lw.Network([2, 32, 32, 3], ["relu", "relu", "softmax"], seed=0)
    history = net.fit(X, Y, optimizer="adam", learning_rate=0.01, epochs=600, verbose=0)
    train_acc = lw.accuracy(net.predict(X), Y)
    assert train_acc == 1.0, f"training accuracy {train_acc} (final cost {history.cost[-1]:.4f})"
    assert history.cost[-1] < 0.1 * history.cost[0]
