"""Losses: binary and categorical cross-entropy, mean squared and absolute error.

A loss is the mean over the ``m`` examples (columns) of a per-example loss,
summed over the output units. ``derivative`` returns ``dAL``, the gradient of
the *per-example* loss with respect to ``AL`` (the course's convention: the
``1/m`` is applied later, in ``linear_backward``).

Probabilities are clipped to ``[tiny, 1 - eps/2]`` of their dtype before a
logarithm: this changes nothing but exact 0 and 1, where it keeps the cost
finite (the course's ``nansum`` printed ``inf`` there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._checks import check_choice

LOSSES = ("binary_cross_entropy", "categorical_cross_entropy", "mse", "mae")


def _clip_probabilities(P):
    info = np.finfo(P.dtype)
    return np.clip(P, info.tiny, 1 - info.epsneg)


def _bce_per_example(AL, Y, clip=True):
    # Written as the course writes it, so costs match its printed digits.
    P = _clip_probabilities(AL) if clip else AL
    return np.multiply(-np.log(P), Y) + np.multiply(-np.log(1 - P), 1 - Y)


def _bce_derivative(AL, Y, clip=True):
    P = _clip_probabilities(AL) if clip else AL
    return -(Y / P - (1 - Y) / (1 - P))


def _cce_per_example(AL, Y, clip=True):
    return -(Y * np.log(_clip_probabilities(AL) if clip else AL))


def _cce_derivative(AL, Y, clip=True):
    return -(Y / (_clip_probabilities(AL) if clip else AL))


# ``clip`` is accepted by every loss so that callers need not know which take
# probabilities; the regression losses have nothing to clip.
def _mse_per_example(AL, Y, clip=True):
    return np.square(AL - Y)


def _mse_derivative(AL, Y, clip=True):
    return 2 * (AL - Y)


def _mae_per_example(AL, Y, clip=True):
    return np.abs(AL - Y)


def _mae_derivative(AL, Y, clip=True):
    return np.sign(AL - Y)


@dataclass(frozen=True)
class Loss:
    """A loss: per-element values, their derivative, and the output it pairs with.

    ``paired_activation`` names the output activation for which
    ``dZL = AL - Y`` holds (sigmoid for binary, softmax for categorical
    cross-entropy); backpropagation then skips ``dAL``, which is both faster
    and finite when ``AL`` saturates at 0 or 1.
    """

    name: str
    per_element: Callable
    derivative: Callable
    paired_activation: str | None


LOSS_FUNCTIONS = {
    "binary_cross_entropy": Loss("binary_cross_entropy", _bce_per_example, _bce_derivative, "sigmoid"),
    "categorical_cross_entropy": Loss("categorical_cross_entropy", _cce_per_example, _cce_derivative, "softmax"),
    "mse": Loss("mse", _mse_per_example, _mse_derivative, None),
    "mae": Loss("mae", _mae_per_example, _mae_derivative, None),
}

#: The loss chosen for an output activation when none is given.
DEFAULT_LOSS = {
    "sigmoid": "binary_cross_entropy",
    "softmax": "categorical_cross_entropy",
    "linear": "mse",
    "relu": "mse",
    "leaky_relu": "mse",
    "tanh": "mse",
}


def get_loss(name):
    """Return the :class:`Loss` called ``name``.

    Parameters
    ----------
    name : {"binary_cross_entropy", "categorical_cross_entropy", "mse", "mae"}

    Returns
    -------
    Loss

    Raises
    ------
    ValueError
        For an unknown name; the message lists the choices.
    """
    return LOSS_FUNCTIONS[check_choice("loss", name, LOSS_FUNCTIONS)]


def check_labels(Y, loss):
    """Raise ``ValueError`` if ``Y`` cannot be the target of ``loss``.

    Binary cross-entropy takes labels in {0, 1}; categorical cross-entropy takes
    one-hot columns.
    """
    if loss == "binary_cross_entropy":
        if not np.all((Y == 0) | (Y == 1)):
            bad = np.unique(Y[(Y != 0) & (Y != 1)])[:5]
            raise ValueError(
                f"Y must hold labels 0 or 1 for binary_cross_entropy; found {bad.tolist()}"
            )
    elif loss == "categorical_cross_entropy":
        if not (np.all((Y == 0) | (Y == 1)) and np.all(Y.sum(axis=0) == 1)):
            raise ValueError(
                "Y must be one-hot for categorical_cross_entropy (each column a single 1, "
                "rest 0); use layerwise.one_hot(labels, n_classes)"
            )


def match_targets(AL, Y):
    """``Y`` as an array of ``AL``'s shape and dtype; a 1-D ``Y`` of m labels fits a (1, m) ``AL``.

    Raises ``ValueError`` naming both shapes when they disagree (instead of
    NumPy's bare reshape error).
    """
    Y = np.asarray(Y, dtype=AL.dtype)
    if Y.shape != AL.shape and not (Y.ndim == 1 and AL.shape == (1, Y.size)):
        raise ValueError(
            f"Y has shape {Y.shape} but AL has shape {AL.shape}; Y must be (n_y, m) with the "
            "network's n_y outputs and the same m examples (columns)"
        )
    return Y.reshape(AL.shape)


def check_targets(Y, loss):
    """Raise ``ValueError`` if ``Y`` is no possible target of ``loss`` at all.

    Looser than :func:`check_labels` (which ``Network.fit`` applies): soft
    targets are allowed -- binary cross-entropy takes values in [0, 1],
    categorical cross-entropy non-negative columns that sum to 1 -- but NaN,
    infinity and values outside those ranges are refused.
    """
    from ._checks import check_finite

    check_finite("Y", Y)
    if loss == "binary_cross_entropy" and (np.any(Y < 0) or np.any(Y > 1)):
        raise ValueError(f"Y must lie in [0, 1] for binary_cross_entropy; found values from "
                         f"{Y.min():g} to {Y.max():g}")
    if loss == "categorical_cross_entropy" and (
            np.any(Y < 0) or not np.allclose(Y.sum(axis=0), 1, atol=1e-6)):
        raise ValueError("Y must have non-negative columns summing to 1 for "
                         "categorical_cross_entropy (one-hot labels: layerwise.one_hot)")


def compute_cost(AL, Y, loss="binary_cross_entropy", *, parameters=None, lambd=0.0, clip=True,
                 validate=True, skip_nan=False):
    """Cost J: the mean loss over the m examples, plus an optional L2 penalty.

    Parameters
    ----------
    AL : ndarray, shape (n_y, m)
        Output of the network.
    Y : ndarray, shape (n_y, m) or (m,)
        Targets: 0/1 labels, one-hot columns, or real values for mse/mae.
    loss : {"binary_cross_entropy", "categorical_cross_entropy", "mse", "mae"}
        ``binary_cross_entropy``: -(y log a + (1-y) log(1-a));
        ``categorical_cross_entropy``: -sum_k y_k log a_k;
        ``mse``: sum_k (a_k - y_k)^2 (the notes' L2 loss);
        ``mae``: sum_k |a_k - y_k| (the notes' L1 loss); each averaged over m.
    parameters : dict, optional
        Needed when ``lambd > 0``: the weights ``W1..WL`` to penalise.
    lambd : float, default 0
        L2 strength; adds ``lambd / (2 m) * sum_l ||W_l||_F^2`` (biases not penalised).
    clip : bool, default True
        Clip probabilities away from exact 0 and 1 before the logarithm. False
        is the course's raw arithmetic: ``log(0)`` gives ``inf``.
    validate : bool, default True
        Refuse targets outside the loss's range (see :func:`check_targets`).
        False accepts any real ``Y``, as the course's functions do.
    skip_nan : bool, default False
        Sum with ``np.nansum`` (the course's C2 costs), which drops the NaN of
        ``0 * log(0)`` when probabilities are not clipped.

    Returns
    -------
    cost : float
        A Python float (finite even when ``AL`` holds exact 0 or 1).
    """
    from .regularization import l2_penalty  # regularization imports losses' users

    AL = np.asarray(AL)
    from ._checks import check_positive_float

    loss_fn = get_loss(loss)
    lambd = check_positive_float("lambd", lambd, allow_zero=True)
    Y = match_targets(AL, Y)
    if validate:
        check_targets(Y, loss)
    m = AL.shape[1] if AL.ndim == 2 else AL.size
    total = np.nansum if skip_nan else np.sum
    cost = float(1.0 / m * total(loss_fn.per_element(AL, Y, clip=clip)))
    if lambd:
        if parameters is None:
            raise ValueError("compute_cost needs parameters when lambd > 0 (to penalise the weights)")
        cost += l2_penalty(parameters, lambd, m)
    return cost
