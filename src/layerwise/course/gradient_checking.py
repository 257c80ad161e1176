"""C2 W1 A3 "Gradient Checking" (+ ``gc_utils``).

``from layerwise.course.gradient_checking import *`` in place of the notebook's
utils and graded cells. ``backward_propagation_n`` carries the notebook's two
planted bugs as shipped (``dW2`` doubled, ``db1`` computed with ``4/m``), so
that ``gradient_check_n`` finds them; the differences are plain floats.
"""

from __future__ import annotations

import numpy as np

from .. import gradcheck as _gc
from ..losses import compute_cost as _compute_cost
from . import _three_layer
from ._c2 import relu, sigmoid

dictionary_to_vector = _gc.dictionary_to_vector
vector_to_dictionary = _gc.vector_to_dictionary
gradients_to_vector = _gc.gradients_to_vector

#: The verdict threshold of the notebook's messages.
THRESHOLD = 2e-7


def _verdict(difference, print_msg):
    if not print_msg:
        return
    if difference > THRESHOLD:
        print("\033[93m" + "There is a mistake in the backward propagation! difference = "
              + str(difference) + "\033[0m")
    else:
        print("\033[92m" + "Your backward propagation works perfectly fine! difference = "
              + str(difference) + "\033[0m")


def forward_propagation(x, theta):
    """The 1-D example's cost ``J = theta x``."""
    return np.dot(theta, x)


def backward_propagation(x, theta):
    """``dJ/dtheta = x`` for ``J = theta x``."""
    return x


def gradient_check(x, theta, epsilon=1e-7, print_msg=False):
    """Central difference of ``J = theta x`` in theta against :func:`backward_propagation`.

    Returns ``||grad - gradapprox|| / (||grad|| + ||gradapprox||)`` as a float.
    """
    difference = _gc.gradient_check_1d(x, theta, epsilon)
    _verdict(difference, print_msg)
    return difference


def forward_propagation_n(X, Y, parameters):
    """``(cost, cache)``: the 4-5-3-1 net's mean cross-entropy (``np.sum`` / m) and its 12-tuple."""
    A3, caches = _three_layer.forward(X, parameters)
    cost = np.float64(_compute_cost(A3, Y, clip=False, validate=False))
    return cost, _three_layer.flat_cache(caches, parameters)


def backward_propagation_n(X, Y, cache):
    """The notebook's backward pass, bugs included: ``dW2`` x 2 and ``db1`` with ``4/m``."""
    grads = _three_layer.backward(X, Y, cache, lowercase=False)
    grads["dW2"] = grads["dW2"] * 2  # planted bug 1, as shipped
    grads["db1"] = grads["db1"] * 4  # planted bug 2: 4./m instead of 1./m (x4 is exact)
    return grads


def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    """Central differences of :func:`forward_propagation_n`'s cost over all 47 parameters.

    Returns the relative difference as a plain float (the notebook asserts it
    is no ndarray).
    """
    difference = float(_gc.gradient_check(parameters, gradients, X, Y, epsilon=epsilon))
    _verdict(difference, print_msg)
    return difference


__all__ = ["sigmoid", "relu", "dictionary_to_vector", "vector_to_dictionary",
           "gradients_to_vector", "forward_propagation", "backward_propagation", "gradient_check",
           "forward_propagation_n", "backward_propagation_n", "gradient_check_n"]
