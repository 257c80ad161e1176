"""C1 W4 A1 "Building your Deep Neural Network: Step by Step" (+ ``dnn_utils``).

``from layerwise.course.step_by_step import *`` in place of the notebook's
utils and graded cells. ``initialize_parameters_deep`` is this notebook's
(``seed(3)``, ``randn * 0.01``); ``update_parameters`` copies the dict.
"""

from ._c1 import (L_model_backward, L_model_forward, compute_cost, initialize_parameters,
                  initialize_parameters_deep, linear_activation_backward,
                  linear_activation_forward, linear_backward, linear_forward, relu,
                  relu_backward, sigmoid, sigmoid_backward, update_parameters)

__all__ = ["sigmoid", "relu", "relu_backward", "sigmoid_backward", "initialize_parameters",
           "initialize_parameters_deep", "linear_forward", "linear_activation_forward",
           "L_model_forward", "compute_cost", "linear_backward", "linear_activation_backward",
           "L_model_backward", "update_parameters"]
