"""Regularisation: the L2 weight penalty and inverted dropout.

L2 adds ``lambd / (2m) * sum_l ||W_l||_F^2`` to the cost (biases are not
penalised) and therefore ``(lambd / m) * W_l`` to each ``dW_l``.

Inverted dropout keeps each hidden unit with probability ``keep_prob`` and
divides the survivors by ``keep_prob``, so the expected activation is unchanged
and nothing needs rescaling at test time. The mask drawn in the forward pass is
applied again, with the same ``1 / keep_prob``, in the backward pass.
"""

from __future__ import annotations

import numpy as np


def weight_keys(parameters):
    """The weight names ``["W1", ..., "WL"]`` of a parameters dict, in layer order."""
    L = len(parameters) // 2
    return [f"W{l}" for l in range(1, L + 1)]


def l2_penalty(parameters, lambd, m):
    """The L2 cost term ``lambd / (2 m) * sum_l ||W_l||_F^2`` as a float.

    Parameters
    ----------
    parameters : dict with ``W1..WL`` (biases are ignored)
    lambd : float
    m : int, number of examples
    """
    squares = sum(float(np.sum(np.square(parameters[key]))) for key in weight_keys(parameters))
    return 1.0 / m * lambd / 2 * squares


def add_l2_gradient(dW, W, lambd, m):
    """Add the L2 term ``(lambd * W) / m`` to ``dW`` in place and return ``dW``."""
    term = np.multiply(W, lambd, dtype=dW.dtype)
    term /= m
    dW += term
    return dW


def dropout_mask(shape, keep_prob, rng, dtype=np.float64):
    """Draw an inverted-dropout mask.

    Parameters
    ----------
    shape : tuple, (n_l, m)
    keep_prob : float in (0, 1]
    rng : numpy.random.Generator or RandomState
        One uniform draw per unit, ``rng.random(shape) < keep_prob`` -- the same
        stream as the course's ``np.random.rand(n_l, m) < keep_prob``.
    dtype : floating dtype of the mask

    Returns
    -------
    mask : ndarray of 0.0 and 1.0, shape ``shape``
    """
    return (rng.random(shape) < keep_prob).astype(dtype)


def apply_dropout(A, mask, keep_prob, out=None):
    """``A * mask / keep_prob`` (the forward and the backward use of the mask)."""
    out = np.multiply(A, mask, out=out)
    out /= keep_prob
    return out
