"""C2 W2 A1 "Optimization Methods" (+ ``opt_utils_v1a``).

``from layerwise.course.optimization import *`` in place of the notebook's
utils and graded cells. ``compute_cost`` here is the *sum* of the losses (the
model divides the epoch's total by m); ``random_mini_batches`` takes the
course's ``seed=``; ``model`` is the notebook's second, decay-capable one.
"""

from __future__ import annotations

import numpy as np

from .. import data as _data
from ..initializers import initialize_parameters_deep as _init_deep
from ..losses import get_loss
from ..optimizers import (GradientDescent, initialize_adam, initialize_velocity,
                          update_parameters_with_adam, update_parameters_with_momentum)
from ..schedules import schedule_lr_decay, update_lr
from . import _training
from ._c2 import forward_propagation, predict, predict_dec, relu, sigmoid
from ._c2 import backward_propagation_lowercase as backward_propagation
from ._data import load_2D_dataset, load_params_and_grads
from ._data import load_moons_dataset as load_dataset
from ._plots import plot_costs, plot_decision_boundary

_BCE = get_loss("binary_cross_entropy")


def initialize_parameters(layer_dims):
    """opt_utils' initialisation: He ``randn * sqrt(2 / n_prev)`` after ``seed(3)``."""
    return _init_deep(layer_dims, "he", rng=np.random.RandomState(3))


def compute_cost(a3, Y):
    """The **sum** over the mini-batch of the cross-entropy losses (not divided by m)."""
    return np.sum(_BCE.per_element(a3, np.broadcast_to(Y, np.shape(a3)), clip=False))


def update_parameters_with_gd(parameters, grads, learning_rate):
    """One gradient-descent step, rebinding the keys of ``parameters``; returns it."""
    parameters.update(GradientDescent(learning_rate).step_copy(parameters, grads))
    return parameters


def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    """Shuffle the columns as ``seed(seed); permutation(m)`` and cut them into mini-batches.

    Returns a list of ``(mini_batch_X, mini_batch_Y)``: full batches first, then
    the ``m % mini_batch_size`` remainder.
    """
    return _data.random_mini_batches(X, Y, mini_batch_size, rng=np.random.RandomState(seed))


def model(X, Y, layers_dims, optimizer, learning_rate=0.0007, mini_batch_size=64, beta=0.9,
          beta1=0.9, beta2=0.999, epsilon=1e-8, num_epochs=5000, print_cost=True, decay=None,
          decay_rate=1):
    """Train the 3-layer net with mini-batch ``"gd"``, ``"momentum"`` or ``"adam"``.

    As the notebook: the shuffling seed starts at 10 and grows by one before
    each epoch; Adam's ``t`` counts mini-batches; the epoch's cost is the sum
    of its mini-batch costs over m (as ``(1/m) * sum``); with ``decay`` the
    learning rate becomes ``decay(learning_rate0, i, decay_rate)`` after epoch
    i. With ``print_cost`` prints ``Cost after epoch %i: %f`` (and the learning
    rate with ``decay``) every 1000 epochs, keeps the cost every 100 and plots
    it. Returns the parameters. Trained by :class:`layerwise.training.Trainer`
    with the opt utils' arithmetic (unclipped losses, ``dz3 = (a3 - Y) / m``).
    """
    if optimizer not in ("gd", "momentum", "adam"):
        raise ValueError(f"optimizer must be 'gd', 'momentum' or 'adam'; got {optimizer!r}")
    num_epochs = _training.check_iterations("num_epochs", num_epochs)
    costs = []

    def report(i, cost, trainer):
        if print_cost and i % 1000 == 0:
            print("Cost after epoch %i: %f" % (i, cost))
            if decay:
                print("learning rate after epoch %i: %f" % (i, trainer.learning_rate))
        if print_cost and i % 100 == 0:
            costs.append(cost)

    def schedule(learning_rate0, epoch):
        return decay(learning_rate0, epoch, decay_rate)

    parameters, learning_rate = _training.train(
        X, Y, layers_dims, initialize_parameters(layers_dims), num_epochs, report,
        optimizer=optimizer, learning_rate=learning_rate, beta=beta, beta1=beta1, beta2=beta2,
        epsilon=epsilon, lr_schedule=schedule if decay else None, batch_size=mini_batch_size, shuffle=True,
        shuffle_seed=11, mean_in_output_delta=True)
    plot_costs(costs, learning_rate, xlabel="epochs (per 100)")
    return parameters


__all__ = ["sigmoid", "relu", "load_params_and_grads", "initialize_parameters", "compute_cost",
           "forward_propagation", "backward_propagation", "predict", "predict_dec",
           "load_2D_dataset", "load_dataset", "update_parameters_with_gd", "random_mini_batches",
           "initialize_velocity", "update_parameters_with_momentum", "initialize_adam",
           "update_parameters_with_adam", "update_lr", "schedule_lr_decay", "model",
           "plot_decision_boundary"]
