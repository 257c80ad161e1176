"""C1 W4 A2 "Deep Neural Network - Application" (+ ``dnn_app_utils_v3``).

``from layerwise.course.application import *`` in place of the notebook's
utils and graded cells. Here ``initialize_parameters_deep`` is the
application's (``seed(1)``, ``randn / sqrt(n_prev)``) and ``update_parameters``
rebinds the keys of the dict it is given. ``load_data`` reads
``datasets/train_catvnoncat.h5`` and ``datasets/test_catvnoncat.h5`` from the
working directory (the course's files; not shipped).
"""

from ._c1 import (L_layer_model, L_model_backward, L_model_forward, compute_cost,
                  initialize_parameters, linear_activation_backward, linear_activation_forward,
                  linear_backward, linear_forward, predict, relu, relu_backward, sigmoid,
                  sigmoid_backward, two_layer_model)
from ._c1 import initialize_parameters_deep_application as initialize_parameters_deep
from ._c1 import update_parameters_in_place as update_parameters
from ._data import load_data
from ._plots import plot_costs, print_mislabeled_images

__all__ = ["sigmoid", "relu", "sigmoid_backward", "relu_backward", "load_data",
           "initialize_parameters", "initialize_parameters_deep", "linear_forward",
           "linear_activation_forward", "L_model_forward", "compute_cost", "linear_backward",
           "linear_activation_backward", "L_model_backward", "update_parameters", "predict",
           "two_layer_model", "L_layer_model", "plot_costs", "print_mislabeled_images"]
