"""C2 W1 A2 "Regularization" (+ ``reg_utils``).

``from layerwise.course.regularization import *`` in place of the notebook's
utils and graded cells. ``load_2D_dataset`` reads ``datasets/data.mat`` from the
working directory (the course's file; not shipped). Gradients carry the
course's uppercase keys ``dZ3, dW3, db3, dA2, ...``; under dropout ``dA`` is
stored after the mask, as the course does (layerwise's general
``L_model_backward`` stores it before unless ``dA_after_mask=True``).
"""

from __future__ import annotations

import numpy as np

from .. import regularization as _reg
from ..initializers import initialize_parameters_deep as _init_deep
from . import _three_layer, _training
from ._c2 import forward_propagation, predict, predict_dec, relu, sigmoid, update_parameters
from ._data import load_2D_dataset, load_planar_dataset
from ._data import load_cat_dataset as load_dataset
from ._plots import plot_costs, plot_decision_boundary


def initialize_parameters(layer_dims):
    """reg_utils' initialisation: ``randn / sqrt(n_prev)`` after ``seed(3)``, zero biases."""
    return _init_deep(layer_dims, "xavier", rng=np.random.RandomState(3))


def compute_cost(a3, Y):
    """``(1/m) nansum`` of the cross-entropy losses, a float64; no clipping."""
    return _three_layer.cross_entropy(a3, Y)


def backward_propagation(X, Y, cache):
    """``{dZ3, dW3, db3, dA2, dZ2, dW2, db2, dA1, dZ1, dW1, db1}``; ``dZ3 = A3 - Y``."""
    return _three_layer.backward(X, Y, cache, lowercase=False)


def compute_cost_with_regularization(A3, Y, parameters, lambd):
    """Cross-entropy plus ``lambd / (2m) (||W1||^2 + ||W2||^2 + ||W3||^2)``, a float64."""
    m = np.shape(Y)[-1]
    weights = {k: parameters[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3")}
    return np.float64(compute_cost(A3, Y) + _reg.l2_penalty(weights, lambd, m))


def backward_propagation_with_regularization(X, Y, cache, lambd):
    """:func:`backward_propagation` with ``(lambd / m) W`` added to each ``dW``."""
    return _three_layer.backward(X, Y, cache, lowercase=False, lambd=lambd)


def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
    """``(A3, (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3))`` with inverted dropout.

    The masks are what ``np.random.seed(1)`` then ``rand(A1.shape) < keep_prob``,
    then ``rand(A2.shape) < keep_prob`` give -- the same at every call -- drawn
    from a local RandomState. The cached ``A1``, ``A2`` are after dropout.
    """
    A3, caches = _three_layer.forward(X, parameters, keep_prob=keep_prob)
    return A3, _three_layer.flat_cache(caches, parameters, with_masks=True)


def backward_propagation_with_dropout(X, Y, cache, keep_prob):
    """The uppercase gradients with the cached masks applied again (``dA = dA * D / keep_prob``).

    ``dA1``, ``dA2`` are stored after the mask, as the course does.
    """
    return _three_layer.backward(X, Y, cache, lowercase=False, keep_prob=keep_prob)


def model(X, Y, learning_rate=0.3, num_iterations=30000, print_cost=True, lambd=0, keep_prob=1):
    """Train LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID, layers [n_x, 20, 3, 1], by batch GD.

    ``lambd`` > 0: L2 regularisation; ``keep_prob`` < 1: dropout (not both, as
    the course asserts). With ``print_cost`` prints ``Cost after iteration i:
    cost`` every 10000 iterations, keeps the cost every 1000 and plots it.
    Trained by :class:`layerwise.training.Trainer` with the reg utils'
    arithmetic: the cost ``(1/m) nansum`` of unclipped losses (plus the L2
    term), ``dZ3 = A3 - Y`` with ``1/m`` in each ``dW``, and dropout masks from
    a generator reseeded with 1 before every forward pass.
    """
    assert lambd == 0 or keep_prob == 1  # the course's own check: one regulariser at a time
    num_iterations = _training.check_iterations("num_iterations", num_iterations)
    costs = []
    layers_dims = [X.shape[0], 20, 3, 1]

    def report(i, cost, trainer):
        if print_cost and i % 10000 == 0:
            print("Cost after iteration {}: {}".format(i, np.float64(cost)))
        if print_cost and i % 1000 == 0:
            costs.append(np.float64(cost))

    parameters, _ = _training.train(
        X, Y, layers_dims, initialize_parameters(layers_dims), num_iterations, report,
        optimizer="gd", learning_rate=learning_rate, lambd=lambd, keep_prob=keep_prob,
        dropout_seed=1 if keep_prob < 1 else None, skip_nan_losses=True)
    plot_costs(costs, learning_rate, xlabel="iterations (x1,000)")
    return parameters


__all__ = ["sigmoid", "relu", "load_planar_dataset", "initialize_parameters",
           "forward_propagation", "backward_propagation", "update_parameters", "predict",
           "predict_dec", "compute_cost", "load_dataset", "load_2D_dataset", "model",
           "compute_cost_with_regularization", "backward_propagation_with_regularization",
           "forward_propagation_with_dropout", "backward_propagation_with_dropout",
           "plot_decision_boundary"]
