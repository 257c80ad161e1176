"""The C1 W4 notebooks' functions (step by step, application), as thin adapters.

Every formula is layerwise's own (:mod:`layerwise.propagation`,
:mod:`layerwise.activations`, :mod:`layerwise.losses`,
:mod:`layerwise.initializers`); what this module adds is the course's calling
convention: its signatures, its seeding (reproduced with a local
``RandomState``; NumPy's global state is left alone), its return structures
(plain tuples and lists, 0-d array costs) and its quirks -- no clipping of
probabilities, any real ``Y`` accepted, ``dAL`` taken from ``AL`` as given.
"""

from __future__ import annotations

import numpy as np

from .. import activations as _act
from .. import propagation as _prop
from ..data import predictions_from_output
from ..initializers import initialize_parameters_deep as _init_deep
from ..losses import compute_cost as _compute_cost
from ..optimizers import GradientDescent
from . import _training


# ------------------------------------------------------------------ activations
def sigmoid(Z):
    """``(A, cache)``: ``A = 1 / (1 + exp(-Z))`` and ``cache = Z`` (C1's dnn_utils)."""
    return _act.sigmoid(Z), Z


def relu(Z):
    """``(A, cache)``: ``A = max(0, Z)`` and ``cache = Z`` (C1's dnn_utils)."""
    return _act.relu(Z), Z


def relu_backward(dA, cache):
    """``dZ``: ``dA`` where the cached ``Z > 0``, 0 elsewhere (Z = 0 included)."""
    return _act.relu_backward(dA, cache)


def sigmoid_backward(dA, cache):
    """``dZ = dA * s * (1 - s)`` with ``s`` recomputed from the cached ``Z``."""
    return _act.sigmoid_backward(dA, cache)


# ------------------------------------------------------------- initialisation
def initialize_parameters(n_x, n_h, n_y):
    """Two-layer parameters: ``W1`` (n_h, n_x), ``W2`` (n_y, n_h) as ``randn * 0.01``, zero biases.

    Draws what ``np.random.seed(1)`` then ``randn`` draws, from a local RandomState.
    """
    return _init_deep([n_x, n_h, n_y], "random", scale=0.01, rng=np.random.RandomState(1))


def initialize_parameters_deep(layer_dims):
    """A1's deep initialisation: ``randn(n_l, n_{l-1}) * 0.01`` per layer after ``seed(3)``."""
    return _init_deep(layer_dims, "random", scale=0.01, rng=np.random.RandomState(3))


def initialize_parameters_deep_application(layer_dims):
    """A2's deep initialisation: ``randn(n_l, n_{l-1}) / sqrt(n_{l-1})`` after ``seed(1)``."""
    return _init_deep(layer_dims, "xavier", rng=np.random.RandomState(1))


# --------------------------------------------------------------------- forward
def linear_forward(A, W, b):
    """``(Z, (A, W, b))`` with ``Z = W A + b``."""
    return _prop.linear_forward(A, W, b)


def linear_activation_forward(A_prev, W, b, activation):
    """``(A, ((A_prev, W, b), Z))``; ``activation`` is ``"sigmoid"`` or ``"relu"``."""
    return _prop.linear_activation_forward(A_prev, W, b, activation)


def L_model_forward(X, parameters):
    """``(AL, caches)``: relu on layers 1..L-1, sigmoid on L; ``caches`` a plain list."""
    AL, caches = _prop.L_model_forward(X, parameters)
    return AL, list(caches)


# ------------------------------------------------------------------------ cost
def compute_cost(AL, Y):
    """The mean binary cross-entropy as a 0-d ndarray; no clipping, any real ``Y``."""
    return np.array(_compute_cost(AL, Y, clip=False, validate=False))


# -------------------------------------------------------------------- backward
def linear_backward(dZ, cache):
    """``(dA_prev, dW, db)``: ``W^T dZ``, ``dZ A_prev^T / m``, row sums of ``dZ`` / m."""
    return _prop.linear_backward(dZ, cache)


def linear_activation_backward(dA, cache, activation):
    """``(dA_prev, dW, db)`` through the layer's activation, then the linear step."""
    return _prop.linear_activation_backward(dA, cache, activation)


def L_model_backward(AL, Y, caches):
    """Gradients ``dA0..dA{L-1}``, ``dW1..dWL``, ``db1..dbL`` (exactly those keys).

    As the course: ``Y`` is reshaped like ``AL``, ``dAL = -(Y/AL - (1-Y)/(1-AL))``
    from ``AL`` as given (no clipping, no fused ``AL - Y``), then the sigmoid's
    backward from the cached ``ZL``. ``caches`` may be a list or a tuple.
    """
    return _prop.L_model_backward(AL, np.reshape(Y, np.shape(AL)), list(caches), strict=False,
                                  fused_delta=False)


def update_parameters(params, grads, learning_rate):
    """One gradient-descent step on a copy of ``params`` (reads only ``dW*``/``db*``)."""
    return GradientDescent(learning_rate).step_copy(params, grads)


def update_parameters_in_place(parameters, grads, learning_rate):
    """The same step, rebinding the keys of ``parameters`` itself (A2 and C2 utils)."""
    parameters.update(update_parameters(parameters, grads, learning_rate))
    return parameters


# ------------------------------------------------------------------ prediction
def predict(X, y, parameters):
    """C1 prediction: ``p`` (1, m) of 0./1. floats, ``L_model_forward`` output ``> 0.5``.

    Prints ``Accuracy: `` and the course's ``np.sum((p == y) / m)`` (so 209 right
    of 209 prints its rounding); ``y`` may be a list.
    """
    m = X.shape[1]
    probas, _ = L_model_forward(X, parameters)
    p = predictions_from_output(probas, "sigmoid").astype(np.float64)
    print("Accuracy: " + str(np.sum((p == np.asarray(y)) / m)))
    return p


# ---------------------------------------------------------------------- models
#: The C1 models' arithmetic on top of the course's (see ``_training``): batch
#: gradient descent, and dAL = -(Y/AL - (1-Y)/(1-AL)) taken back through the
#: sigmoid (``L_model_backward`` above), not the fused AL - Y.
_C1_LOOP = {"optimizer": "gd", "batch_size": None, "output_delta": "chain"}


def _reporter(num_iterations, print_cost, costs):
    # The course's conditions, precedence quirks included: ``print_cost and
    # i % 100 == 0 or i == num_iterations - 1`` prints the last iteration even
    # without print_cost; ``i == num_iterations`` in the keeping test is never true.
    def report(i, cost, trainer):
        cost = np.array(cost)  # the course's compute_cost returns a 0-d array
        if print_cost and i % 100 == 0 or i == num_iterations - 1:
            print("Cost after iteration {}: {}".format(i, np.squeeze(cost)))
        if i % 100 == 0 or i == num_iterations:
            costs.append(cost)
    return report


def two_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                    print_cost=False):
    """Train LINEAR->RELU->LINEAR->SIGMOID with batch gradient descent.

    Returns ``(parameters, costs)``; costs (0-d arrays) every 100 iterations.
    Accepts real-valued ``Y`` (the course's test draws ``randn`` targets).
    Trained by :class:`layerwise.training.Trainer` with the course's arithmetic.
    """
    num_iterations = _training.check_iterations("num_iterations", num_iterations)
    costs = []
    n_x, n_h, n_y = layers_dims
    parameters, _ = _training.train(
        X, Y, [n_x, n_h, n_y], initialize_parameters(n_x, n_h, n_y), num_iterations,
        _reporter(num_iterations, print_cost, costs), learning_rate=learning_rate, **_C1_LOOP)
    return parameters, costs


def L_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                  print_cost=False):
    """Train an L-layer [LINEAR->RELU]*(L-1)->LINEAR->SIGMOID net with batch gradient descent.

    Initialised by A2's ``initialize_parameters_deep`` (``/sqrt(n_prev)``, seed 1).
    Returns ``(parameters, costs)``. Trained by :class:`layerwise.training.Trainer`.
    """
    num_iterations = _training.check_iterations("num_iterations", num_iterations)
    costs = []
    parameters, _ = _training.train(
        X, Y, layers_dims, initialize_parameters_deep_application(layers_dims), num_iterations,
        _reporter(num_iterations, print_cost, costs), learning_rate=learning_rate, **_C1_LOOP)
    return parameters, costs
