"""C2 W1 A1 "Initialization" (+ ``init_utils``).

``from layerwise.course.initialization import *`` in place of the notebook's
utils and graded cells: ``load_dataset`` gives the circles, ``model`` trains
the [n_x, 10, 5, 1] net with zeros, random x10 or He weights.
"""

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
    those costs. Returns the parameters.
    """
    if initialization not in _INITIALIZERS:
        raise ValueError(f"initialization must be one of {sorted(_INITIALIZERS)}; "
                         f"got {initialization!r}")
    costs = []
    layers_dims = [X.shape[0], 10, 5, 1]
    parameters = _INITIALIZERS[initialization](layers_dims)
    for i in range(num_iterations):
        a3, cache = forward_propagation(X, parameters)
        cost = compute_loss(a3, Y)
        grads = backward_propagation(X, Y, cache)
        parameters = update_parameters(parameters, grads, learning_rate)
        if print_cost and i % 1000 == 0:
            print("Cost after iteration {}: {}".format(i, cost))
            costs.append(cost)
    plot_costs(costs, learning_rate, xlabel="iterations (per hundreds)")
    return parameters


__all__ = ["sigmoid", "relu", "forward_propagation", "backward_propagation", "update_parameters",
           "compute_loss", "load_cat_dataset", "predict", "predict_dec", "load_dataset", "model",
           "initialize_parameters_zeros", "initialize_parameters_random",
           "initialize_parameters_he", "plot_decision_boundary"]
