"""C2 W1 A1 "Initialization" (+ ``init_utils``).

``from layerwise.course.initialization import *`` in place of the notebook's
utils and graded cells: ``load_dataset`` gives the circles, ``model`` trains
the [n_x, 10, 5, 1] net with zeros, random x10 or He weights.
"""

import numpy as np

from . import _training
from ._c2 import (compute_loss, forward_propagation, initialize_parameters_he,
                  initialize_parameters_random, initialize_parameters_zeros, predict, predict_dec,
                  relu, sigmoid, update_parameters)
from ._c2 import backward_propagation_lowercase as backward_propagation
from ._data import load_cat_dataset
from ._data import load_circles_dataset as load_dataset
from ._plots import plot_costs, plot_decision_boundary

_INITIALIZERS = {"zeros": initialize_parameters_zeros, "random": initialize_parameters_random,
                 "he": initialize_parameters_he}


def model(X, Y, learning_rate=0.01, num_iterations=15000, print_cost=True, initialization="he"):
    """Train LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID, layers [n_x, 10, 5, 1], by batch GD.

    ``initialization``: ``"zeros"``, ``"random"`` (x10) or ``"he"``. With
    ``print_cost`` prints ``Cost after iteration i: cost`` every 1000
    iterations (random x10 prints ``inf`` at 0, as the course does) and plots
    those costs. Returns the parameters. Trained by
    :class:`layerwise.training.Trainer` with the init utils' arithmetic: the
    cost ``(1/m) nansum`` of unclipped losses, ``dz3 = (a3 - Y) / m``.
    """
    if initialization not in _INITIALIZERS:
        raise ValueError(f"initialization must be one of {sorted(_INITIALIZERS)}; "
                         f"got {initialization!r}")
    num_iterations = _training.check_iterations("num_iterations", num_iterations)
    costs = []
    layers_dims = [X.shape[0], 10, 5, 1]

    def report(i, cost, trainer):
        if print_cost and i % 1000 == 0:
            print("Cost after iteration {}: {}".format(i, np.float64(cost)))
            costs.append(np.float64(cost))

    parameters, _ = _training.train(
        X, Y, layers_dims, _INITIALIZERS[initialization](layers_dims), num_iterations, report,
        optimizer="gd", learning_rate=learning_rate, mean_in_output_delta=True,
        skip_nan_losses=True)
    plot_costs(costs, learning_rate, xlabel="iterations (per hundreds)")
    return parameters


__all__ = ["sigmoid", "relu", "forward_propagation", "backward_propagation", "update_parameters",
           "compute_loss", "load_cat_dataset", "predict", "predict_dec", "load_dataset", "model",
           "initialize_parameters_zeros", "initialize_parameters_random",
           "initialize_parameters_he", "plot_decision_boundary"]
