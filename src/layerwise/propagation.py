"""Forward and backward propagation in the course's vocabulary.

Shapes (one example per column): ``A_prev`` (n_{l-1}, m), ``W`` (n_l, n_{l-1}),
``b`` (n_l, 1), ``Z`` and ``A`` (n_l, m).

The arithmetic lives in three small kernels -- :func:`affine`,
:func:`linear_gradients` and :func:`output_delta` -- which the training engine
(:mod:`layerwise.engine`) calls too, with preallocated buffers. The functions
named after the course (``linear_forward`` ... ``L_model_backward``) are thin
and readable wrappers around them.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_finite, check_keep_prob, check_positive_float
from ._rng import as_rng
from .activations import get_activation
from .losses import check_targets, get_loss, match_targets
from .regularization import add_l2_gradient, apply_dropout, dropout_mask


# ------------------------------------------------------------------------- kernels
def affine(W, A_prev, b, out=None):
    """``Z = W @ A_prev + b`` (written into ``out`` when given)."""
    Z = np.matmul(W, A_prev, out=out)
    Z += b
    return Z


def linear_gradients(dZ, A_prev, W, *, dW=None, db=None, dA_prev=None, need_dA_prev=True,
                     scale=None):
    """Gradients of the linear step from ``dZ``.

    ``dW = (1/m) dZ A_prev^T``, ``db = (1/m) sum over examples of dZ``,
    ``dA_prev = W^T dZ``. Outputs are written into the given buffers.
    ``scale`` replaces the ``1/m`` factor; the engine passes 1 when the ``1/m``
    was already folded into the output layer's ``dZ`` (see
    :class:`~layerwise.engine.Engine`).

    Returns
    -------
    dA_prev, dW, db : ndarrays of shapes (n_{l-1}, m), (n_l, n_{l-1}), (n_l, 1);
        ``dA_prev`` is None when ``need_dA_prev`` is False (the input layer).
    """
    if scale is None:
        scale = 1.0 / A_prev.shape[1]
    dW = np.matmul(dZ, A_prev.T, out=dW)
    # np.add.reduce is what np.sum calls (same bits), minus a few microseconds
    # of Python wrapping that tiny networks notice.
    db = np.add.reduce(dZ, axis=1, keepdims=True, out=db)
    if scale != 1:
        dW *= scale
        db *= scale
    if need_dA_prev:
        dA_prev = np.matmul(W.T, dZ, out=dA_prev)
    else:
        dA_prev = None
    return dA_prev, dW, db


def output_delta(AL, Y, ZL, activation, loss, out=None, *, fused=True, clip=True):
    """``dZL``, the gradient of the per-example loss with respect to ``ZL``.

    For sigmoid with binary cross-entropy and softmax with categorical
    cross-entropy this is ``AL - Y`` exactly (and finite when ``AL`` saturates);
    otherwise ``dAL`` from the loss goes back through the output activation.
    ``activation`` and ``loss`` are names or the Activation / Loss objects.

    ``fused=False`` always takes the second way (the course's C1 notebooks:
    ``dAL = -(Y/AL - (1-Y)/(1-AL))``, then the activation's backward from the
    cached ``ZL``), which also holds when ``AL`` is not ``g(ZL)``; ``clip=False``
    leaves ``AL`` unclipped in ``dAL``. ``ZL=None`` says that ``AL`` is
    ``g(ZL)`` exactly and the backward may work from ``AL`` alone (the engine,
    which keeps no ``Z``: ReLU-type units read the sign of ``A``, which is
    that of ``Z``).
    """
    # Names or the objects themselves (the engine passes objects, saving lookups).
    loss_fn = get_loss(loss) if isinstance(loss, str) else loss
    act = get_activation(activation) if isinstance(activation, str) else activation
    if fused and loss_fn.paired_activation == act.name:
        return np.subtract(AL, Y, out=out)
    dAL = loss_fn.derivative(AL, Y, clip=clip)
    # Activations that differentiate from their output recompute it from ZL:
    # the course's sigmoid_backward does, and AL need not be g(ZL) (its tests).
    if ZL is None:
        return act.backward(dAL, AL, AL, out=out)
    A_for_backward = act.forward(ZL) if (act.uses_output and not fused) else AL
    return act.backward(dAL, ZL, A_for_backward, out=out)


class ForwardCaches(list):
    """The per-layer caches of :func:`L_model_forward`, a list as in the course.

    Item ``l-1`` is ``(linear_cache, activation_cache)`` =
    ``((A_prev, W, b), Z)`` for layer l. Extra attributes carry what the
    backward pass needs beyond the course's relu/sigmoid net:

    Attributes
    ----------
    activations : list of str, one per layer
    A : list of ndarray, the outputs of each layer (after dropout)
    dropout : list of (mask, keep_prob) or None, one per hidden layer
    """

    def __init__(self, items=(), activations=(), A=(), dropout=()):
        super().__init__(items)
        self.activations = list(activations)
        self.A = list(A)
        self.dropout = list(dropout)


# --------------------------------------------------------------- forward, course API
def linear_forward(A_prev, W, b):
    """Linear part of a layer's forward step.

    Parameters
    ----------
    A_prev : ndarray, shape (n_{l-1}, m)
    W : ndarray, shape (n_l, n_{l-1})
    b : ndarray, shape (n_l, 1)

    Returns
    -------
    Z : ndarray, shape (n_l, m), ``W @ A_prev + b``
    cache : tuple ``(A_prev, W, b)`` for :func:`linear_backward`
    """
    if W.shape[1] != A_prev.shape[0]:
        raise ValueError(
            f"W has {W.shape[1]} columns but A_prev has {A_prev.shape[0]} rows; "
            "W must be (n_l, n_{l-1}) and A_prev (n_{l-1}, m)"
        )
    if b.shape != (W.shape[0], 1):
        raise ValueError(f"b must have shape ({W.shape[0]}, 1) to match W; got {b.shape}")
    return affine(W, A_prev, b), (A_prev, W, b)


def linear_activation_forward(A_prev, W, b, activation):
    """One layer's forward step, ``A = g(W @ A_prev + b)``.

    Parameters
    ----------
    A_prev : ndarray, shape (n_{l-1}, m)
    W : ndarray, shape (n_l, n_{l-1})
    b : ndarray, shape (n_l, 1)
    activation : {"sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"}

    Returns
    -------
    A : ndarray, shape (n_l, m)
    cache : tuple ``((A_prev, W, b), Z)``
    """
    act = get_activation(activation)
    Z, linear_cache = linear_forward(A_prev, W, b)
    return act.forward(Z), (linear_cache, Z)


def default_activations(L):
    """The course's net: relu on the L-1 hidden layers, sigmoid on the output."""
    return ["relu"] * (L - 1) + ["sigmoid"]


def resolve_activations(activations, L):
    """Return a list of L activation names, checking count and names."""
    if activations is None:
        return default_activations(L)
    if isinstance(activations, str):
        raise TypeError(
            f"activations must be a list of {L} names (one per layer); got the string {activations!r}"
        )
    names = list(activations)
    if len(names) != L:
        raise ValueError(
            f"activations has {len(names)} entries but the network has {L} layers; give one per layer"
        )
    for name in names:
        get_activation(name)
    return names


def n_layers(parameters):
    """Number of layers L of a parameters dict ``{"W1", "b1", ..., "WL", "bL"}``."""
    L = len(parameters) // 2
    missing = [k for l in range(1, L + 1) for k in (f"W{l}", f"b{l}") if k not in parameters]
    if missing or len(parameters) % 2:
        raise ValueError(
            f"parameters must hold W1, b1, ..., WL, bL; missing {missing or 'a bias or weight'}"
        )
    return L


def L_model_forward(X, parameters, activations=None, *, keep_prob=1.0, rng=None, masks=None):
    """Forward propagation through all L layers.

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
    parameters : dict ``W1, b1, ..., WL, bL``
    activations : list of L names, optional
        Default: relu on hidden layers, sigmoid on the output.
    keep_prob : float or sequence of L-1 floats in (0, 1], default 1
        Inverted dropout on the hidden layers (never the input or output).
    rng : None, int, Generator or RandomState
        Source of the dropout masks, drawn layer by layer after each hidden
        activation (as the course's ``np.random.rand`` calls).
    masks : list of L-1 arrays or None, optional
        Fixed dropout masks to use instead of drawing (e.g. for gradient checking).

    Returns
    -------
    AL : ndarray, shape (n_L, m)
    caches : ForwardCaches (a list of ``((A_prev, W, b), Z)``, one per layer)
    """
    L = n_layers(parameters)
    names = resolve_activations(activations, L)
    keep = check_keep_prob(keep_prob, L - 1)
    X = check_finite("X", as_float_array("X", X, ndim=None))
    n_x = parameters["W1"].shape[1]
    if X.ndim != 2 or X.shape[0] != n_x:
        raise ValueError(
            f"X has shape {np.shape(X)} but W1 expects {n_x} rows (features); layerwise puts one "
            f"example per column, so X must be ({n_x}, m)"
        )
    if X.shape[1] == 0:
        raise ValueError("X has no examples (0 columns)")
    generator = None
    caches = ForwardCaches(activations=names)
    A = X
    for l in range(1, L + 1):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], names[l - 1])
        drop = None
        if l < L and (keep[l - 1] < 1.0 or masks is not None):
            if masks is not None and masks[l - 1] is not None:
                mask = masks[l - 1]
            else:
                generator = generator or as_rng(rng)
                mask = dropout_mask(A.shape, keep[l - 1], generator, A.dtype)
            A = apply_dropout(A, mask, keep[l - 1])
            drop = (mask, keep[l - 1])
        if l < L:
            caches.dropout.append(drop)
        caches.append(cache)
        caches.A.append(A)
    return A, caches


# -------------------------------------------------------------- backward, course API
def linear_backward(dZ, cache):
    """Linear part of a layer's backward step.

    Parameters
    ----------
    dZ : ndarray, shape (n_l, m)
    cache : tuple ``(A_prev, W, b)`` from :func:`linear_forward`

    Returns
    -------
    dA_prev : ndarray, shape (n_{l-1}, m), ``W^T dZ``
    dW : ndarray, shape (n_l, n_{l-1}), ``(1/m) dZ A_prev^T``
    db : ndarray, shape (n_l, 1), ``(1/m) sum_i dZ[:, i]``
    """
    A_prev, W, _ = cache
    return linear_gradients(dZ, A_prev, W)


def linear_activation_backward(dA, cache, activation):
    """One layer's backward step.

    Parameters
    ----------
    dA : ndarray, shape (n_l, m), gradient with respect to this layer's output
    cache : tuple ``((A_prev, W, b), Z)`` from :func:`linear_activation_forward`
    activation : str, the layer's activation

    Returns
    -------
    dA_prev, dW, db : as :func:`linear_backward`
    """
    linear_cache, Z = cache
    act = get_activation(activation)
    dZ = act.backward(dA, Z, act.forward(Z) if act.uses_output else None)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL, Y, caches, *, loss="binary_cross_entropy", lambd=0.0, activations=None,
                     strict=True, fused_delta=True, mean_in_delta=False, keep_dZ=False,
                     dA_after_mask=False):
    """Backward propagation through all L layers.

    Parameters
    ----------
    AL : ndarray, shape (n_L, m), output of :func:`L_model_forward`
    Y : ndarray, shape (n_L, m) or (m,)
    caches : the caches from :func:`L_model_forward` (a plain list of
        ``((A_prev, W, b), Z)`` works too, for the default activations)
    loss : str, default "binary_cross_entropy"
    lambd : float, default 0, L2 strength (adds ``(lambd/m) W`` to each ``dW``)
    activations : list of L names, optional; taken from ``caches`` when omitted
    strict : bool, default True
        Check ``Y`` against the loss and clip probabilities in ``dAL``. False
        is the course's raw arithmetic (any real ``Y``, ``AL`` as given).
    fused_delta : bool, default True
        Start from ``dZL = AL - Y`` where the loss pairs with the output
        activation; False goes through ``dAL`` and the output activation's
        backward from the cached ``ZL`` (see :func:`output_delta`).
    mean_in_delta : bool, default False
        Fold the ``1/m`` into the output ``dZL`` (``dZL = (AL - Y) / m``, the
        course's C2 init and optimisation utils) instead of into each ``dW``,
        ``db``; equal up to rounding.
    keep_dZ : bool, default False
        Also return ``dZl`` for l = 1..L.
    dA_after_mask : bool, default False
        Under dropout, store ``dAl`` after the mask and ``1/keep_prob`` are
        applied (the gradient with respect to the activation before dropout,
        as the course does) rather than before (the gradient with respect to
        the dropped-out output the next layer reads, layerwise's default).

    Returns
    -------
    grads : dict
        ``dWl`` (n_l, n_{l-1}) and ``dbl`` (n_l, 1) for l = 1..L (gradients of the
        mean cost), and ``dAl`` (n_l, m) for l = 0..L-1 (per-example gradients
        with respect to each layer's output, the input ``dA0`` included);
        ``dZl`` (n_l, m) with ``keep_dZ``.
    """
    L = len(caches)
    if activations is None:
        activations = getattr(caches, "activations", None) or default_activations(L)
    names = resolve_activations(activations, L)
    dropout = getattr(caches, "dropout", None) or [None] * (L - 1)
    lambd = check_positive_float("lambd", lambd, allow_zero=True)
    AL = as_float_array("AL", AL)
    if AL.shape[1] == 0:
        raise ValueError("AL has no examples (0 columns)")
    Y = match_targets(AL, Y)
    if strict:
        check_targets(Y, loss)
    m = AL.shape[1]
    grads = {}
    (A_prev, W, _), Z = caches[L - 1]
    dZ = output_delta(AL, Y, Z, names[L - 1], loss, fused=fused_delta, clip=strict)
    scale = None
    if mean_in_delta:
        dZ *= 1.0 / m
        scale = 1.0
    for l in range(L, 0, -1):
        (A_prev, W, _), Z = caches[l - 1]
        if l < L:
            dA = grads[f"dA{l}"]
            if dropout[l - 1] is not None:
                mask, keep = dropout[l - 1]
                dA = apply_dropout(dA, mask, keep)
                if dA_after_mask:
                    grads[f"dA{l}"] = dA
            act = get_activation(names[l - 1])
            dZ = act.backward(dA, Z, act.forward(Z) if act.uses_output else None)
        if keep_dZ:
            grads[f"dZ{l}"] = dZ
        dA_prev, dW, db = linear_gradients(dZ, A_prev, W, scale=scale)
        if lambd:
            add_l2_gradient(dW, W, lambd, m)
        grads[f"dA{l - 1}"] = dA_prev
        grads[f"dW{l}"] = dW
        grads[f"db{l}"] = db
    return grads


def update_parameters(parameters, grads, learning_rate):
    """One step of gradient descent, ``W -= learning_rate * dW`` (and b).

    Parameters
    ----------
    parameters : dict ``W1, b1, ..., WL, bL``
    grads : dict with ``dW1, db1, ...``
    learning_rate : float > 0

    Returns
    -------
    parameters : dict, new arrays (the input dict is left unchanged)
    """
    from .optimizers import GradientDescent

    return GradientDescent(learning_rate).step_copy(parameters, grads)
