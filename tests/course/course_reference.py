"""The course's formulas restated in plain NumPy: the oracle of tests/course.

Written from the notebooks' equations (not from layerwise, which it never
imports), in the course's own order of operations, so that layerwise.course
must agree with it to the last bit where the course's operations are the same.
"""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu(z):
    return np.maximum(0, z)


def forward3(X, p, masks=None, keep_prob=1.0):
    """(Z1, [D1], A1, W1, b1, Z2, [D2], A2, W2, b2, Z3, A3, W3, b3) of the C2 three-layer net."""
    out, A = [], X
    for l in (1, 2, 3):
        W, b = p[f"W{l}"], p[f"b{l}"]
        Z = np.dot(W, A) + b
        A = relu(Z) if l < 3 else sigmoid(Z)
        out.append(Z)
        if masks is not None and l < 3:
            A = A * masks[l - 1]
            A = A / keep_prob
            out.append(masks[l - 1])
        out += [A, W, b]
    return A, tuple(out)


def backward3(X, Y, cache, *, lowercase, lambd=0.0, keep_prob=None):
    """The C2 utils' backward pass in the course's order of operations."""
    if len(cache) == 14:
        Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3 = cache
    else:
        Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3 = cache
        D1 = D2 = None
    m = X.shape[1]
    if lowercase:
        dZ3 = 1. / m * (A3 - Y)
        dW3 = np.dot(dZ3, A2.T)
        db3 = np.sum(dZ3, axis=1, keepdims=True)
    else:
        dZ3 = A3 - Y
        dW3 = 1. / m * np.dot(dZ3, A2.T) + (lambd * W3) / m
        db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    if D2 is not None:
        dA2 = dA2 * D2
        dA2 = dA2 / keep_prob
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    if lowercase:
        dW2 = np.dot(dZ2, A1.T)
        db2 = np.sum(dZ2, axis=1, keepdims=True)
    else:
        dW2 = 1. / m * np.dot(dZ2, A1.T) + (lambd * W2) / m
        db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    if D1 is not None:
        dA1 = dA1 * D1
        dA1 = dA1 / keep_prob
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    if lowercase:
        dW1 = np.dot(dZ1, X.T)
        db1 = np.sum(dZ1, axis=1, keepdims=True)
    else:
        dW1 = 1. / m * np.dot(dZ1, X.T) + (lambd * W1) / m
        db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)
    keys = ["dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"]
    values = [dZ3, dW3, db3, dA2, dZ2, dW2, db2, dA1, dZ1, dW1, db1]
    if lowercase:
        keys = [k.replace("dZ", "dz").replace("dA", "da") for k in keys]
    return dict(zip(keys, values))


def nansum_cost(a3, Y):
    m = Y.shape[1]
    logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    return 1. / m * np.nansum(logprobs)


def c1_cost(AL, Y):
    m = Y.shape[1]
    return np.squeeze(-(1 / m) * (np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T)))


def c1_forward(X, p):
    L = len(p) // 2
    A, caches = X, []
    for l in range(1, L + 1):
        Z = np.dot(p[f"W{l}"], A) + p[f"b{l}"]
        caches.append(((A, p[f"W{l}"], p[f"b{l}"]), Z))
        A = relu(Z) if l < L else sigmoid(Z)
    return A, caches


def c1_backward(AL, Y, caches):
    L = len(caches)
    m = AL.shape[1]
    Y = Y.reshape(AL.shape)
    grads = {}
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        if l == L:
            s = 1 / (1 + np.exp(-Z))
            dZ = dA * s * (1 - s)
        else:
            dZ = np.array(dA, copy=True)
            dZ[Z <= 0] = 0
        grads[f"dW{l}"] = 1 / m * np.dot(dZ, A_prev.T)
        grads[f"db{l}"] = 1 / m * np.sum(dZ, axis=1, keepdims=True)
        grads[f"dA{l - 1}"] = dA = np.dot(W.T, dZ)
    return grads


def c1_train(X, Y, params, learning_rate, num_iterations):
    """The C1 models' loop (forward, cost, backward, step); returns (params, all costs)."""
    params = {k: v.copy() for k, v in params.items()}
    costs = []
    for _ in range(num_iterations):
        AL, caches = c1_forward(X, params)
        costs.append(c1_cost(AL, Y))
        grads = c1_backward(AL, Y, caches)
        for key in params:
            params[key] = params[key] - learning_rate * grads["d" + key]
    return params, costs


# ------------------------------------------------------------- the C2 model loops
def l2_cost(p, lambd, m):
    """reg_utils' ``(1/m) * (lambd/2) * (||W1||^2 + ||W2||^2 + ||W3||^2)``."""
    return (1 / m) * (lambd / 2) * sum(np.sum(np.square(p[f"W{l}"])) for l in (1, 2, 3))


def c2_train(X, Y, params, learning_rate, num_iterations, *, lowercase, lambd=0.0,
             keep_prob=1.0):
    """The init and reg notebooks' batch-GD loops; returns (params, all costs).

    ``lowercase``: init utils (``dz3 = (a3 - Y)/m``); otherwise reg utils, with
    the L2 term or dropout masks drawn after ``np.random.seed(1)`` at every pass.
    """
    params = {k: v.copy() for k, v in params.items()}
    m = X.shape[1]
    costs = []
    for _ in range(num_iterations):
        masks = None
        if keep_prob < 1:
            rs = np.random.RandomState(1)
            n1, n2 = params["W1"].shape[0], params["W2"].shape[0]
            masks = [(rs.rand(n1, m) < keep_prob).astype(int),
                     (rs.rand(n2, m) < keep_prob).astype(int)]
        a3, cache = forward3(X, params, masks=masks, keep_prob=keep_prob)
        with np.errstate(divide="ignore", invalid="ignore"):
            cost = nansum_cost(a3, Y)
        if lambd:
            cost = cost + l2_cost(params, lambd, m)
        costs.append(cost)
        grads = backward3(X, Y, cache, lowercase=lowercase, lambd=lambd,
                          keep_prob=keep_prob if masks is not None else None)
        for key in params:
            params[key] = params[key] - learning_rate * grads["d" + key]
    return params, costs


def opt_train(X, Y, params, optimizer, learning_rate, mini_batch_size, num_epochs, *,
              beta=0.9, beta1=0.9, beta2=0.999, epsilon=1e-8, decay=None, decay_rate=1):
    """The optimisation notebook's mini-batch loop; returns (params, epoch costs, rates)."""
    params = {k: v.copy() for k, v in params.items()}
    m = X.shape[1]
    v = {k: np.zeros_like(a) for k, a in params.items()}
    s = {k: np.zeros_like(a) for k, a in params.items()}
    seed, t, learning_rate0 = 10, 0, learning_rate
    costs, rates = [], []
    for i in range(num_epochs):
        seed = seed + 1
        permutation = list(np.random.RandomState(seed).permutation(m))
        shuffled_X, shuffled_Y = X[:, permutation], Y[:, permutation].reshape((1, m))
        cost_total = 0
        for start in range(0, m, mini_batch_size):
            mX = shuffled_X[:, start:start + mini_batch_size]
            mY = shuffled_Y[:, start:start + mini_batch_size]
            a3, cache = forward3(mX, params)
            cost_total += np.sum(np.multiply(-np.log(a3), mY) + np.multiply(-np.log(1 - a3), 1 - mY))
            grads = backward3(mX, mY, cache, lowercase=True)
            t += 1
            for key in params:
                g = grads["d" + key]
                if optimizer == "gd":
                    params[key] = params[key] - learning_rate * g
                elif optimizer == "momentum":
                    v[key] = beta * v[key] + (1 - beta) * g
                    params[key] = params[key] - learning_rate * v[key]
                else:
                    v[key] = beta1 * v[key] + (1 - beta1) * g
                    v_corrected = v[key] / (1 - beta1 ** t)
                    s[key] = beta2 * s[key] + (1 - beta2) * np.power(g, 2)
                    s_corrected = s[key] / (1 - beta2 ** t)
                    params[key] = params[key] - learning_rate * v_corrected / (
                        np.sqrt(s_corrected) + epsilon)
        costs.append(cost_total / m)
        if decay:
            learning_rate = decay(learning_rate0, i, decay_rate)
        rates.append(learning_rate)
    return params, costs, rates
