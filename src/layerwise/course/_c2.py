"""Functions shared by the C2 notebooks (initialisation, regularisation, optimisation).

Thin adapters: activations from :mod:`layerwise.activations`, initialisers
from :mod:`layerwise.initializers`, the step from :class:`layerwise.optimizers.GradientDescent`,
the three-layer net from :mod:`._three_layer`. Seeds as the course, from local
RandomStates.
"""

from __future__ import annotations

import numpy as np

from .. import activations as _act
from ..initializers import initialize_parameters_deep as _init_deep
from . import _three_layer
from ._c1 import update_parameters_in_place


def sigmoid(x):
    """``1 / (1 + exp(-x))`` (the C2 utils return the array only)."""
    return _act.sigmoid(x)


def relu(x):
    """``max(0, x)`` (the C2 utils return the array only)."""
    return _act.relu(x)


def update_parameters(parameters, grads, learning_rate):
    """One gradient-descent step, rebinding the keys of ``parameters`` (the C2 utils)."""
    return update_parameters_in_place(parameters, grads, learning_rate)


def initialize_parameters_zeros(layers_dims):
    """All weights and biases zero."""
    return _init_deep(layers_dims, "zeros")


def initialize_parameters_random(layers_dims):
    """``randn * 10`` weights after ``seed(3)``, zero biases (the notebook's "large" init)."""
    return _init_deep(layers_dims, "random", scale=10, rng=np.random.RandomState(3))


def initialize_parameters_he(layers_dims):
    """He weights ``randn * sqrt(2 / n_prev)`` after ``seed(3)``, zero biases."""
    return _init_deep(layers_dims, "he", rng=np.random.RandomState(3))


def forward_propagation(X, parameters):
    """``(a3, (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3))``: relu, relu, sigmoid."""
    a3, caches = _three_layer.forward(X, parameters)
    return a3, _three_layer.flat_cache(caches, parameters)


def backward_propagation_lowercase(X, Y, cache):
    """init/opt utils: ``{dz3, dW3, db3, da2, dz2, ...}`` with ``dz3 = (a3 - Y) / m``."""
    return _three_layer.backward(X, Y, cache, lowercase=True)


def compute_loss(a3, Y):
    """``(1/m) nansum`` of the losses, a float64 (``inf`` where ``a3`` hits 0 or 1)."""
    return _three_layer.cross_entropy(a3, Y)


predict = _three_layer.predict
predict_dec = _three_layer.predict_dec
