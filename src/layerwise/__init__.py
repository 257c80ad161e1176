"""layerwise: deep fully-connected networks from scratch on NumPy, layer by layer.

One example per column: ``X`` is (n_x, m), ``W[l]`` is (n_l, n_{l-1}).
The functional API uses the course's names (``initialize_parameters_deep``,
``L_model_forward``, ``L_model_backward``, ...); :class:`Network` is the
object API on the same arithmetic.
"""

from ._rng import as_rng
from .activations import (ACTIVATIONS, leaky_relu, leaky_relu_backward, leaky_relu_derivative,
                          linear, linear_derivative, relu, relu_backward, relu_derivative, sigmoid,
                          sigmoid_backward, sigmoid_derivative, softmax, softmax_backward, tanh,
                          tanh_backward, tanh_derivative)
from .data import (Standardizer, accuracy, one_hot, predict, random_mini_batches,
                   train_test_split)
from .gradcheck import (GradientCheckResult, dictionary_to_vector, gradient_check,
                        gradient_check_1d, gradients_to_vector, relative_difference,
                        vector_to_dictionary)
from .initializers import initialize_parameters_deep
from .io import ModelFileError
from .losses import LOSSES, compute_cost
from .network import EarlyStopping, NeuralNetwork, Network
from .optimizers import (Adam, GradientDescent, Momentum, Optimizer, RMSprop, get_optimizer,
                         initialize_adam, initialize_rmsprop, initialize_velocity,
                         update_parameters_with_adam, update_parameters_with_momentum,
                         update_parameters_with_rmsprop)
from .propagation import (L_model_backward, L_model_forward, linear_activation_backward,
                          linear_activation_forward, linear_backward, linear_forward,
                          update_parameters)
from .regularization import l2_penalty
from .schedules import Schedule, exponential_decay, schedule_lr_decay, update_lr
from .training import (Callback, History, TrainConfig, Trainer, TrainerSnapshot,
                       TrainingDivergedError)

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "LOSSES", "Adam", "Callback", "EarlyStopping", "GradientCheckResult",
    "GradientDescent", "History", "L_model_backward", "L_model_forward", "ModelFileError",
    "Momentum", "Network", "NeuralNetwork", "Optimizer", "RMSprop", "Schedule", "Standardizer",
    "TrainConfig", "Trainer", "TrainerSnapshot", "TrainingDivergedError", "accuracy", "as_rng", "compute_cost", "dictionary_to_vector",
    "exponential_decay", "get_optimizer", "gradient_check", "gradient_check_1d",
    "gradients_to_vector", "initialize_adam", "initialize_parameters_deep", "initialize_rmsprop",
    "initialize_velocity", "l2_penalty", "leaky_relu", "leaky_relu_backward",
    "leaky_relu_derivative", "linear", "linear_activation_backward", "linear_activation_forward",
    "linear_backward", "linear_derivative", "linear_forward", "one_hot", "predict",
    "random_mini_batches", "relative_difference", "relu", "relu_backward", "relu_derivative",
    "schedule_lr_decay", "sigmoid", "sigmoid_backward", "sigmoid_derivative", "softmax",
    "softmax_backward", "tanh", "tanh_backward", "tanh_derivative", "train_test_split",
    "update_lr", "update_parameters", "update_parameters_with_adam",
    "update_parameters_with_momentum", "update_parameters_with_rmsprop", "vector_to_dictionary",
]
