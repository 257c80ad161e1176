"""Activation functions g(Z) and their derivatives.

Each activation is an :class:`Activation` with a ``forward`` kernel ``A = g(Z)``
and a ``backward`` kernel ``dZ = dA * g'(Z)``. Both accept ``out=`` so that the
training engine can reuse buffers; the course-style functions (``sigmoid``,
``relu_backward``, ...) call the very same kernels, so there is one
implementation of each formula.

``backward`` receives both the pre-activation ``Z`` and the activation ``A``:
sigmoid, tanh and softmax differentiate most cheaply from ``A``; ReLU-type
functions from the sign of ``Z`` (or of ``A``, which has the same sign for ReLU).
All kernels keep the input's floating dtype and never overflow: the sigmoid is
evaluated in the course's form with only the harmless overflow of ``exp``
silenced (see :func:`sigmoid`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._checks import check_choice

#: Slope of leaky ReLU for negative inputs, unless another is given.
LEAKY_SLOPE = 0.01


def _out(z, out):
    return np.empty_like(z) if out is None else out


# ---------------------------------------------------------------- forward kernels
def _sigmoid_forward(Z, out=None):
    # The course's formula 1 / (1 + exp(-z)), kept so that course numbers are
    # reproduced to the last digit. For z below about -709 (float64) exp(-z)
    # overflows to inf and 1 / inf = 0, the correct limit: silence only that.
    out = np.negative(Z, out=_out(Z, out))
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1
    return np.reciprocal(out, out=out)


def _tanh_forward(Z, out=None):
    return np.tanh(Z, out=_out(Z, out))


def _relu_forward(Z, out=None):
    return np.maximum(Z, 0, out=_out(Z, out))


def _leaky_relu_forward(Z, out=None, slope=LEAKY_SLOPE):
    # max(z, slope*z) equals leaky ReLU for 0 <= slope <= 1 and needs no mask.
    scaled = np.multiply(Z, slope)
    return np.maximum(Z, scaled, out=_out(Z, out))


def _linear_forward(Z, out=None):
    if out is None:
        return Z.copy()
    if out is not Z:
        np.copyto(out, Z)
    return out


def _softmax_forward(Z, out=None):
    # Softmax over the classes of each example (axis 0). Subtracting the column
    # maximum leaves the result unchanged and keeps exp from overflowing.
    out = np.subtract(Z, Z.max(axis=0, keepdims=True), out=_out(Z, out))
    np.exp(out, out=out)
    out /= out.sum(axis=0, keepdims=True)
    return out


# --------------------------------------------------------------- backward kernels
def _sigmoid_backward(dA, Z, A, out=None):
    out = np.subtract(1, A, out=_out(dA, out))  # g'(z) = a (1 - a)
    out *= A
    out *= dA
    return out


def _tanh_backward(dA, Z, A, out=None):
    out = np.square(A, out=_out(dA, out))  # g'(z) = 1 - a^2
    np.subtract(1, out, out=out)
    out *= dA
    return out


def _relu_backward(dA, Z, A, out=None):
    # g'(z) = 1 for z > 0, else 0 (0 at z = 0, as the course does).
    return np.multiply(dA, Z > 0, out=_out(dA, out))


def _leaky_relu_backward(dA, Z, A, out=None, slope=LEAKY_SLOPE):
    return np.multiply(dA, np.where(Z > 0, 1.0, slope).astype(dA.dtype, copy=False),
                       out=_out(dA, out))


def _linear_backward_kernel(dA, Z, A, out=None):
    return _linear_forward(dA, out)


def _softmax_backward(dA, Z, A, out=None):
    # Jacobian-vector product of softmax: dz_i = a_i (da_i - sum_j da_j a_j).
    dot = np.sum(dA * A, axis=0, keepdims=True)
    out = np.subtract(dA, dot, out=_out(dA, out))
    out *= A
    return out


@dataclass(frozen=True)
class Activation:
    """A named activation with its forward and backward kernels.

    Attributes
    ----------
    name : str
    forward : callable ``forward(Z, out=None) -> A``
    backward : callable ``backward(dA, Z, A, out=None) -> dZ``
    """

    name: str
    forward: Callable
    backward: Callable
    #: whether ``backward`` reads ``A`` (else it may be passed None)
    uses_output: bool = True


ACTIVATIONS = {
    "sigmoid": Activation("sigmoid", _sigmoid_forward, _sigmoid_backward),
    "tanh": Activation("tanh", _tanh_forward, _tanh_backward),
    "relu": Activation("relu", _relu_forward, _relu_backward, uses_output=False),
    "leaky_relu": Activation("leaky_relu", _leaky_relu_forward, _leaky_relu_backward,
                             uses_output=False),
    "linear": Activation("linear", _linear_forward, _linear_backward_kernel, uses_output=False),
    "softmax": Activation("softmax", _softmax_forward, _softmax_backward),
}


def get_activation(name):
    """Return the :class:`Activation` called ``name``.

    Parameters
    ----------
    name : str

    Returns
    -------
    Activation

    Raises
    ------
    ValueError
        If ``name`` is not one of ``sigmoid, tanh, relu, leaky_relu, linear, softmax``.
    """
    return ACTIVATIONS[check_choice("activation", name, ACTIVATIONS)]


def _floating(z):
    z = np.asarray(z)
    return z if np.issubdtype(z.dtype, np.floating) else z.astype(np.float64)


# ------------------------------------------------------ the notes' public functions
def sigmoid(z):
    """Logistic function ``1 / (1 + exp(-z))``, elementwise, without overflow.

    Parameters
    ----------
    z : array_like, any shape

    Returns
    -------
    ndarray, same shape and floating dtype as ``z``, values in [0, 1].
    """
    return _sigmoid_forward(_floating(z))


def sigmoid_derivative(z):
    """``sigmoid(z) * (1 - sigmoid(z))``, elementwise.

    Parameters
    ----------
    z : array_like, any shape (a layer's Z is (n_l, m))

    Returns
    -------
    ndarray, same shape as ``z``, same floating dtype (integers become float64)
    """
    a = sigmoid(z)
    return _sigmoid_backward(np.ones_like(a), None, a)


def tanh(z):
    """Hyperbolic tangent, elementwise.

    Parameters
    ----------
    z : array_like, any shape (a layer's Z is (n_l, m))

    Returns
    -------
    ndarray, same shape as ``z``, same floating dtype (integers become float64)
    """
    return _tanh_forward(_floating(z))


def tanh_derivative(z):
    """``1 - tanh(z)**2``, elementwise.

    Parameters
    ----------
    z : array_like, any shape (a layer's Z is (n_l, m))

    Returns
    -------
    ndarray, same shape as ``z``, same floating dtype (integers become float64)
    """
    a = tanh(z)
    return _tanh_backward(np.ones_like(a), None, a)


def relu(z):
    """``max(z, 0)``, elementwise.

    Parameters
    ----------
    z : array_like, any shape (a layer's Z is (n_l, m))

    Returns
    -------
    ndarray, same shape as ``z``, same floating dtype (integers become float64)
    """
    return _relu_forward(_floating(z))


def relu_derivative(z):
    """1 where ``z > 0``, else 0 (0 at ``z == 0``, as the course does).

    Parameters
    ----------
    z : array_like, any shape (a layer's Z is (n_l, m))

    Returns
    -------
    ndarray, same shape as ``z``, same floating dtype (integers become float64)
    """
    z = _floating(z)
    return _relu_backward(np.ones_like(z), z, None)


def leaky_relu(z, slope=LEAKY_SLOPE):
    """``z`` where ``z > 0``, else ``slope * z``, elementwise.

    Parameters
    ----------
    z : array_like, any shape (a layer's Z is (n_l, m))
    slope : float in [0, 1], default 0.01

    Returns
    -------
    ndarray, same shape as ``z``, same floating dtype
    """
    return _leaky_relu_forward(_floating(z), slope=slope)


def leaky_relu_derivative(z, slope=LEAKY_SLOPE):
    """1 where ``z > 0``, else ``slope``, elementwise.

    Parameters
    ----------
    z : array_like, any shape
    slope : float, default 0.01

    Returns
    -------
    ndarray, same shape as ``z``
    """
    z = _floating(z)
    return _leaky_relu_backward(np.ones_like(z), z, None, slope=slope)


def linear(z):
    """The identity, ``g(z) = z`` (a copy).

    Parameters
    ----------
    z : array_like, any shape (a layer's Z is (n_l, m))

    Returns
    -------
    ndarray, same shape as ``z``, same floating dtype (integers become float64)
    """
    return _linear_forward(_floating(z))


def linear_derivative(z):
    """Ones with the shape of ``z``.

    Parameters
    ----------
    z : array_like, any shape (a layer's Z is (n_l, m))

    Returns
    -------
    ndarray, same shape as ``z``, same floating dtype (integers become float64)
    """
    return np.ones_like(_floating(z))


def softmax(z):
    """Softmax over axis 0 (the classes of each column-example).

    Parameters
    ----------
    z : array_like, shape (n_classes, m)

    Returns
    -------
    ndarray, shape (n_classes, m); each column is non-negative and sums to 1.
    """
    z = _floating(z)
    if z.ndim == 1:
        return _softmax_forward(z.reshape(-1, 1)).ravel()
    return _softmax_forward(z)


def sigmoid_backward(dA, cache):
    """Backward step through a sigmoid unit, course style.

    Parameters
    ----------
    dA : ndarray, shape (n_l, m)
        Gradient of the loss with respect to the activation ``A = sigmoid(Z)``.
    cache : ndarray, shape (n_l, m)
        ``Z``, as stored by the forward step.

    Returns
    -------
    dZ : ndarray, shape (n_l, m)
    """
    return _sigmoid_backward(dA, cache, _sigmoid_forward(cache))


def relu_backward(dA, cache):
    """Backward step through a ReLU unit; ``cache`` is ``Z``. Returns ``dZ``, shape of ``dA``."""
    return _relu_backward(dA, cache, None)


def tanh_backward(dA, cache):
    """Backward step through a tanh unit; ``cache`` is ``Z``. Returns ``dZ``, shape of ``dA``."""
    return _tanh_backward(dA, cache, _tanh_forward(cache))


def leaky_relu_backward(dA, cache, slope=LEAKY_SLOPE):
    """Backward step through a leaky ReLU unit; ``cache`` is ``Z``. Returns ``dZ``."""
    return _leaky_relu_backward(dA, cache, None, slope=slope)


def softmax_backward(dA, cache):
    """Backward step through softmax (axis 0); ``cache`` is ``Z``. Returns ``dZ``.

    Uses the Jacobian-vector product ``dZ = A * (dA - sum(dA * A, axis=0))``.
    """
    return _softmax_backward(dA, cache, _softmax_forward(cache))
