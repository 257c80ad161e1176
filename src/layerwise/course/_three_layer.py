"""The C2 W1-W2 notebooks' fixed three-layer net (LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID).

Thin adapters over :func:`layerwise.L_model_forward` / :func:`layerwise.L_model_backward`
and :func:`layerwise.compute_cost`: this module converts between the course's
flat cache tuples ``(Z1, A1, W1, b1, Z2, ...)`` and layerwise's per-layer caches,
and names the gradients as each notebook does -- lowercase ``dz3, dW3, db3,
da2, ...`` with ``dz3 = (a3 - Y) / m`` in the initialisation and optimisation
utils, uppercase ``dZ3, dW3, ...`` with the ``1/m`` in each ``dW`` in the
regularisation utils, and ``dA`` stored after the dropout mask.
"""

from __future__ import annotations

import numpy as np

from .. import propagation as _prop
from ..data import predictions_from_output
from ..losses import compute_cost as _compute_cost

LAYERS = 3


def forward(X, parameters, *, keep_prob=1.0):
    """``(A3, ForwardCaches)``; dropout masks as ``seed(1)`` then ``rand`` would draw."""
    rng = np.random.RandomState(1) if keep_prob < 1 else None
    return _prop.L_model_forward(X, parameters, keep_prob=keep_prob, rng=rng)


def flat_cache(caches, parameters, *, with_masks=False):
    """The course's cache tuple from layerwise's caches.

    ``(Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)``; with ``with_masks``
    ``(Z1, D1, A1, W1, b1, Z2, D2, A2, ...)``, the A's after dropout.
    """
    out = []
    for l in range(1, LAYERS + 1):
        Z = caches[l - 1][1]
        out.append(Z)
        if with_masks and l < LAYERS:
            out.append(caches.dropout[l - 1][0])
        out += [caches.A[l - 1], parameters[f"W{l}"], parameters[f"b{l}"]]
    return tuple(out)


def layer_caches(X, cache, keep_prob=None):
    """layerwise's caches from a course cache tuple (12 entries, or 14 with masks)."""
    cache = tuple(cache)
    with_masks = len(cache) == 14
    if len(cache) not in (12, 14):
        raise ValueError(f"cache must be the course's 12-tuple (or 14 with dropout masks); "
                         f"got {len(cache)} entries")
    items, A_list, dropout, pos, A_prev = [], [], [], 0, X
    for l in range(1, LAYERS + 1):
        Z = cache[pos]
        pos += 1
        drop = None
        if with_masks and l < LAYERS:
            drop = (cache[pos], keep_prob)
            pos += 1
        A, W, b = cache[pos:pos + 3]
        pos += 3
        items.append(((A_prev, W, b), Z))
        A_list.append(A)
        if l < LAYERS:
            dropout.append(drop)
        A_prev = A
    return _prop.ForwardCaches(items, ["relu", "relu", "sigmoid"], A_list, dropout)


def backward(X, Y, cache, *, lowercase, lambd=0.0, keep_prob=None):
    """The course's gradient dict for a cache tuple.

    ``lowercase``: init/opt utils (``dz3 = (a3 - Y) / m``, keys ``dz, da``);
    otherwise reg utils (``dZ3 = A3 - Y``, ``1/m`` in each ``dW``, keys ``dZ, dA``).
    ``lambd`` adds ``(lambd / m) W`` to each ``dW``; with a 14-tuple cache the
    masks are applied again with ``keep_prob`` and ``dA`` is stored after them.
    """
    caches = layer_caches(X, cache, keep_prob)
    AL = caches.A[-1]
    grads = _prop.L_model_backward(AL, np.broadcast_to(Y, AL.shape), caches, lambd=lambd,
                                   strict=False, mean_in_delta=lowercase, keep_dZ=True,
                                   dA_after_mask=True)
    names = []
    for l in range(LAYERS, 0, -1):
        if l < LAYERS:
            names.append(f"dA{l}")
        names += [f"dZ{l}", f"dW{l}", f"db{l}"]
    out = {}
    for key in names:
        name = key.replace("dZ", "dz").replace("dA", "da") if lowercase else key
        out[name] = grads[key]
    return out


def cross_entropy(a3, Y):
    """The C2 utils' cost: ``(1/m) nansum`` of the losses, float64; no clipping (inf possible)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.float64(_compute_cost(a3, np.broadcast_to(Y, np.shape(a3)), clip=False,
                                        validate=False, skip_nan=True))


def predict(X, y, parameters):
    """``p`` (1, m) int64, ``a3 > 0.5``; prints ``Accuracy: `` + ``np.mean(p[0] == y[0])``."""
    a3, _ = forward(X, parameters)
    p = predictions_from_output(a3, "sigmoid")
    print("Accuracy: " + str(np.mean(p[0, :] == np.asarray(y)[0, :])))
    return p


def predict_dec(parameters, X):
    """Boolean predictions ``a3 > 0.5``, shape (1, m) (for decision-boundary plots)."""
    a3, _ = forward(X, parameters)
    return a3 > 0.5
