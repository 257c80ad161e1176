"""Independent oracles for the core tests: a plain NumPy forward pass and cost
written from the formulas (not from layerwise), a central-difference gradient,
and random problems that avoid the points where a gradient check means nothing
(ReLU kinks, MAE at AL == Y).

Nothing here imports layerwise's arithmetic, so a bug there cannot hide in the
oracle as well.
"""

from __future__ import annotations

import numpy as np

ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax")

#: (output activation, loss) pairs that make sense; the first two use the
#: ``AL - Y`` shortcut, the rest go through ``dAL`` and the activation's backward.
OUTPUT_LOSS_PAIRS = (
    ("sigmoid", "binary_cross_entropy"),
    ("softmax", "categorical_cross_entropy"),
    *((act, "mse") for act in ("linear", "relu", "tanh", "leaky_relu", "sigmoid", "softmax")),
    *((act, "mae") for act in ("linear", "relu", "tanh", "leaky_relu", "sigmoid")),
    ("sigmoid", "categorical_cross_entropy"),
    ("softmax", "binary_cross_entropy"),
)


def ref_activation(name, Z):
    """g(Z) from its definition (numerically naive is fine at test magnitudes)."""
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-Z))
    if name == "tanh":
        return np.tanh(Z)
    if name == "relu":
        return np.where(Z > 0, Z, 0.0)
    if name == "leaky_relu":
        return np.where(Z > 0, Z, 0.01 * Z)
    if name == "linear":
        return Z
    if name == "softmax":
        E = np.exp(Z - Z.max(axis=0))
        return E / E.sum(axis=0)
    raise KeyError(name)


def ref_loss(loss, AL, Y):
    """Mean over the m columns of the per-example loss (summed over units)."""
    m = AL.shape[1]
    if loss == "binary_cross_entropy":
        per = -(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    elif loss == "categorical_cross_entropy":
        per = -(Y * np.log(AL))
    elif loss == "mse":
        per = (AL - Y) ** 2
    elif loss == "mae":
        per = np.abs(AL - Y)
    else:
        raise KeyError(loss)
    return per.sum() / m


def ref_forward(X, params, activations, masks=None, keep_prob=1.0):
    """Return (AL, list of Z per layer). ``masks[l-1]`` multiplies hidden layer l."""
    L = len(activations)
    A, Zs = X, []
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        Zs.append(Z)
        A = ref_activation(activations[l - 1], Z)
        if l < L and masks is not None:
            A = A * masks[l - 1] / keep_prob
    return A, Zs


def ref_cost(X, Y, params, activations, loss, lambd=0.0, masks=None, keep_prob=1.0):
    AL, _ = ref_forward(X, params, activations, masks, keep_prob)
    m = X.shape[1]
    penalty = sum(np.sum(params[f"W{l}"] ** 2) for l in range(1, len(activations) + 1))
    return ref_loss(loss, AL, Y) + lambd / (2 * m) * penalty


def central_difference(f, arrays, eps=1e-4):
    """d f / d each entry of each array in ``arrays`` (a dict), by central differences.

    The five-point central stencil ``(-f(x+2h) + 8 f(x+h) - 8 f(x-h) + f(x-2h)) / 12h``:
    its truncation error is O(h^4), so a step of 1e-4 leaves both truncation
    (~1e-16) and rounding (~1e-12 absolute) far below the 1e-7 the tests ask for,
    even where a gradient entry is as small as 1e-4. The arrays are perturbed in
    place and restored. Returns a dict of the same shapes.
    """
    grads = {}
    for key, array in arrays.items():
        g = np.zeros_like(array)
        for idx in np.ndindex(array.shape):
            old = array[idx]
            values = []
            for step in (2, 1, -1, -2):
                array[idx] = old + step * eps
                values.append(f())
            array[idx] = old
            g[idx] = (-values[0] + 8 * values[1] - 8 * values[2] + values[3]) / (12 * eps)
        grads[key] = g
    return grads


def relative_norm_difference(a, b):
    a, b = np.ravel(a), np.ravel(b)
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denominator == 0 else float(np.linalg.norm(a - b) / denominator)


def labels_for(loss, n_y, m, rng):
    """Targets suited to ``loss``: 0/1, one-hot columns, or reals."""
    if loss == "binary_cross_entropy":
        return (rng.random((n_y, m)) < 0.5).astype(float)
    if loss == "categorical_cross_entropy":
        Y = np.zeros((n_y, m))
        Y[rng.integers(0, n_y, m), np.arange(m)] = 1.0
        return Y
    return rng.standard_normal((n_y, m))


def random_problem(activations, loss, seed, *, dropout=False, keep_prob=0.7, margin=2e-3,
                   tries=200):
    """A random network, data and (optionally) fixed dropout masks, away from kinks.

    Returns a dict with X, Y, params, masks (or None), keep_prob, layer_dims.
    Pre-activations of ReLU-type units and the residuals of MAE are kept at least
    ``margin`` from 0, so a central difference with steps up to 2e-4 never
    straddles a kink.
    """
    rng = np.random.default_rng(seed)
    L = len(activations)
    for _ in range(tries):
        n_y = int(rng.integers(2, 4)) if (loss == "categorical_cross_entropy"
                                          or activations[-1] == "softmax") else int(rng.integers(1, 3))
        dims = [int(rng.integers(2, 5))] + [int(rng.integers(2, 5)) for _ in range(L - 1)] + [n_y]
        m = int(rng.integers(3, 7))
        X = rng.standard_normal((dims[0], m))
        params = {}
        for l in range(1, L + 1):
            params[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) / np.sqrt(dims[l - 1])
            params[f"b{l}"] = 0.1 * rng.standard_normal((dims[l], 1))
        Y = labels_for(loss, n_y, m, rng)
        masks = None
        if dropout:
            masks = [(rng.random((dims[l], m)) < keep_prob).astype(float) for l in range(1, L)]
            for mask in masks:  # keep at least one unit per column alive
                mask[0, :] = 1.0
        AL, Zs = ref_forward(X, params, activations, masks, keep_prob)
        ok = all(np.min(np.abs(Z)) > margin for Z, act in zip(Zs, activations)
                 if act in ("relu", "leaky_relu"))
        # a ReLU layer that is mostly dead makes the check vacuous (zero gradients agree)
        ok = ok and all(np.mean(Z > 0) >= 0.4 for Z, act in zip(Zs, activations) if act == "relu")
        if loss == "mae":
            ok = ok and np.min(np.abs(AL - Y)) > margin
        if loss in ("binary_cross_entropy", "categorical_cross_entropy"):
            ok = ok and np.all((AL > 1e-3) & (AL < 1 - 1e-3))  # logs stay well-conditioned
        if ok:
            return {"X": X, "Y": Y, "params": params, "masks": masks, "keep_prob": keep_prob,
                    "layer_dims": dims}
    raise RuntimeError(f"no kink-free problem found for {activations} {loss} seed {seed}")
