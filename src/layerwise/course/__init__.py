"""The course notebooks' functions, called exactly as the notebooks call them.

One module per notebook, because several names mean different things in
different notebooks (``initialize_parameters``, ``compute_cost``,
``forward_propagation``, ``predict``, ``model`` ...):

====================================  =====================================================
module                                notebook
====================================  =====================================================
``layerwise.course.step_by_step``     C1 W4 A1 Building your Deep Neural Network: Step by Step
``layerwise.course.application``      C1 W4 A2 Deep Neural Network - Application
``layerwise.course.initialization``   C2 W1 A1 Initialization
``layerwise.course.regularization``   C2 W1 A2 Regularization
``layerwise.course.gradient_checking`` C2 W1 A3 Gradient Checking
``layerwise.course.optimization``     C2 W2 A1 Optimization Methods
====================================  =====================================================

(aliases ``c1w4a1`` ... ``c2w2a1``). A notebook cell
``from layerwise.course.<module> import *`` replaces the course's utils and
graded cells. This top level holds the C1 W4 meaning of every C1 name and
every C2 name that means the same wherever it appears.

Everything here is a thin adapter over layerwise's one implementation (the
formulas live in :mod:`layerwise.propagation`, :mod:`layerwise.losses`, ...);
the adapters add the course's signatures, seeding (local ``RandomState``s: the
global NumPy state is never touched), return structures, printing and quirks.
``docs/course.md`` maps each function to layerwise's and lists where the
general API differs on purpose.
"""

from ._c1 import (L_layer_model, L_model_backward, L_model_forward, compute_cost,
                  initialize_parameters, initialize_parameters_deep, linear_activation_backward,
                  linear_activation_forward, linear_backward, linear_forward, predict, relu,
                  relu_backward, sigmoid, sigmoid_backward, two_layer_model, update_parameters)
from ._c2 import (compute_loss, initialize_parameters_he, initialize_parameters_random,
                  initialize_parameters_zeros, predict_dec)
from ._data import load_2D_dataset, load_cat_dataset, load_data, load_params_and_grads, \
    load_planar_dataset
from .gradient_checking import (backward_propagation_n, dictionary_to_vector,
                                forward_propagation_n, gradient_check, gradient_check_n,
                                gradients_to_vector, vector_to_dictionary)
from .optimization import (initialize_adam, initialize_velocity, random_mini_batches,
                           schedule_lr_decay, update_lr, update_parameters_with_adam,
                           update_parameters_with_gd, update_parameters_with_momentum)
from .regularization import (backward_propagation_with_dropout,
                             backward_propagation_with_regularization,
                             compute_cost_with_regularization, forward_propagation_with_dropout)

__all__ = [
    # C1 W4
    "sigmoid", "relu", "sigmoid_backward", "relu_backward", "initialize_parameters",
    "initialize_parameters_deep", "linear_forward", "linear_activation_forward",
    "L_model_forward", "compute_cost", "linear_backward", "linear_activation_backward",
    "L_model_backward", "update_parameters", "load_data", "predict", "two_layer_model",
    "L_layer_model",
    # C2, one meaning everywhere
    "initialize_parameters_zeros", "initialize_parameters_random", "initialize_parameters_he",
    "compute_loss", "load_cat_dataset", "predict_dec", "load_planar_dataset", "load_2D_dataset",
    "compute_cost_with_regularization", "backward_propagation_with_regularization",
    "forward_propagation_with_dropout", "backward_propagation_with_dropout",
    "dictionary_to_vector", "vector_to_dictionary", "gradients_to_vector", "gradient_check",
    "forward_propagation_n", "backward_propagation_n", "gradient_check_n",
    "load_params_and_grads", "update_parameters_with_gd", "random_mini_batches",
    "initialize_velocity", "update_parameters_with_momentum", "initialize_adam",
    "update_parameters_with_adam", "update_lr", "schedule_lr_decay",
]
