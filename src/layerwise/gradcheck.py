"""Gradient checking: compare backpropagation with central differences.

``difference = ||grad - approx||_2 / (||grad||_2 + ||approx||_2)`` where
``approx_i = (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)``. A difference
around 1e-7 or below (float64, eps = 1e-7) means the backward pass is right.

A check that only says "wrong" is of little help, so :func:`gradient_check`
also breaks the difference down by parameter and names the entry that
disagrees most: a wrong ``dW2`` is found as ``W2``, not as "somewhere".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .losses import compute_cost
from .propagation import L_model_forward, n_layers


def _parameter_keys(L):
    return [k for l in range(1, L + 1) for k in (f"W{l}", f"b{l}")]


def dictionary_to_vector(parameters):
    """Stack ``W1, b1, ..., WL, bL`` (each flattened row by row) into one column.

    Returns
    -------
    theta : ndarray, shape (n_parameters, 1)
    keys : list of str, the parameter name of each entry of ``theta``
    """
    keys = _parameter_keys(n_layers(parameters))
    theta = np.concatenate([np.reshape(parameters[k], (-1, 1)) for k in keys], axis=0)
    names = [k for k in keys for _ in range(np.size(parameters[k]))]
    return theta, names


def gradients_to_vector(gradients):
    """Stack the gradients into one column, in the order of :func:`dictionary_to_vector`.

    Parameters
    ----------
    gradients : dict with ``dW1, db1, ..., dWL, dbL`` (``dA`` entries are ignored)

    Returns
    -------
    grad : ndarray, shape (n_parameters, 1)
    """
    L = sum(1 for k in gradients if k.startswith("dW"))
    missing = ["d" + k for k in _parameter_keys(L) if "d" + k not in gradients]
    if missing:
        raise ValueError(f"gradients lacks {missing}; it needs dW1, db1, ..., dW{L}, db{L}")
    return np.concatenate([np.reshape(gradients["d" + k], (-1, 1)) for k in _parameter_keys(L)],
                          axis=0)


#: The course notebook's network, whose shapes its ``vector_to_dictionary(theta)`` hard-codes.
COURSE_LAYER_DIMS = (4, 5, 3, 1)


def vector_to_dictionary(theta, template=COURSE_LAYER_DIMS):
    """Unstack a column vector into ``W1, b1, ..., WL, bL``.

    Parameters
    ----------
    theta : ndarray, shape (n_parameters, 1) or (n_parameters,)
    template : dict of parameters (for the shapes) or the list ``layer_dims``
        Default: the course notebook's ``[4, 5, 3, 1]`` network (47 entries), so
        its call ``vector_to_dictionary(theta)`` works unchanged.

    Returns
    -------
    parameters : dict of arrays shaped as in ``template``
    """
    if isinstance(template, dict):
        shapes = {k: np.shape(template[k]) for k in _parameter_keys(n_layers(template))}
    else:
        dims = list(template)
        shapes = {}
        for l in range(1, len(dims)):
            shapes[f"W{l}"], shapes[f"b{l}"] = (dims[l], dims[l - 1]), (dims[l], 1)
    theta = np.asarray(theta).reshape(-1)
    total = sum(int(np.prod(s)) for s in shapes.values())
    if theta.size != total:
        raise ValueError(f"theta has {theta.size} entries but the shapes need {total}")
    parameters, offset = {}, 0
    for key, shape in shapes.items():
        size = int(np.prod(shape))
        parameters[key] = theta[offset:offset + size].reshape(shape)
        offset += size
    return parameters


def relative_difference(grad, approx):
    """The gradient check's measure of disagreement.

    Parameters
    ----------
    grad, approx : ndarray, same shape (e.g. (n_parameters, 1))

    Returns
    -------
    float
        ``||grad - approx||_2 / (||grad||_2 + ||approx||_2)``, 0 when both are 0.
    """
    numerator = np.linalg.norm(grad - approx)
    denominator = np.linalg.norm(grad) + np.linalg.norm(approx)
    return float(numerator / denominator) if denominator else 0.0


def gradient_check_1d(x, theta, epsilon=1e-7):
    """The notes' 1-D check of ``J(theta) = theta * x``, whose derivative is ``x``.

    Returns
    -------
    difference : float
    """
    J_plus = (theta + epsilon) * x
    J_minus = (theta - epsilon) * x
    gradapprox = (J_plus - J_minus) / (2 * epsilon)
    return relative_difference(np.asarray(x, dtype=float), np.asarray(gradapprox))


@dataclass
class ParameterReport:
    """How one parameter's analytic and numerical gradients compare."""

    name: str
    difference: float
    worst_index: tuple
    analytic: float
    numerical: float


class GradientCheckResult(float):
    """The overall difference (a float, as the course returns) with a breakdown.

    Attributes
    ----------
    parameters : list of ParameterReport, one per parameter array
    grad, approx : ndarray, shape (n_parameters, 1)
    """

    def __new__(cls, difference, parameters, grad, approx):
        obj = super().__new__(cls, difference)
        obj.parameters, obj.grad, obj.approx = parameters, grad, approx
        return obj

    @property
    def difference(self):
        return float(self)

    def worst(self):
        """The :class:`ParameterReport` with the largest difference."""
        return max(self.parameters, key=lambda r: r.difference)

    def blamed(self, threshold=1e-5):
        """Names of the parameters whose own difference exceeds ``threshold``."""
        return [r.name for r in self.parameters if r.difference > threshold]

    def report(self, threshold=1e-5):
        """A few lines of text naming the parameters that disagree."""
        lines = [f"difference = {float(self):.3e}"]
        for r in self.parameters:
            flag = "  <-- wrong" if r.difference > threshold else ""
            lines.append(f"  d{r.name:<4} {r.difference:.3e}  worst entry {r.worst_index}: "
                         f"backprop {r.analytic:.6g} vs numerical {r.numerical:.6g}{flag}")
        return "\n".join(lines)


def gradient_check(parameters, gradients, X, Y, *, epsilon=1e-7, activations=None,
                   loss="binary_cross_entropy", lambd=0.0, keep_prob=1.0, masks=None,
                   print_msg=False):
    """Check ``gradients`` against central differences of the cost.

    Parameters
    ----------
    parameters : dict ``W1, b1, ..., WL, bL``
    gradients : dict ``dW1, db1, ...`` from the backward pass under test
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (n_y, m) or (m,)
    epsilon : float, the shift of each parameter
    activations : list of L names, optional
    loss : str, the loss of the cost
    lambd : float, L2 strength included in the cost
    keep_prob, masks : dropout; pass the masks of the forward pass that made
        ``gradients`` (``caches.dropout``) so the cost is the same function
    print_msg : bool, print the course's verdict (threshold 2e-7)

    Returns
    -------
    GradientCheckResult
        A float, the overall difference, with ``.parameters`` (per-parameter
        differences and the worst entry) and ``.blamed()``.
    """
    theta, names = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients)
    if grad.shape != theta.shape:
        raise ValueError(f"gradients hold {grad.shape[0]} entries but parameters {theta.shape[0]}")
    X = np.asarray(X)

    def cost(vector):
        params = vector_to_dictionary(vector, parameters)
        AL, _ = L_model_forward(X, params, activations, keep_prob=keep_prob, masks=masks)
        return compute_cost(AL, Y, loss, parameters=params, lambd=lambd)

    n = theta.shape[0]
    approx = np.zeros((n, 1))
    for i in range(n):
        thetaplus = np.copy(theta)
        thetaplus[i] = thetaplus[i] + epsilon
        thetaminus = np.copy(theta)
        thetaminus[i] = thetaminus[i] - epsilon
        approx[i] = (cost(thetaplus) - cost(thetaminus)) / (2 * epsilon)
    difference = relative_difference(grad, approx)

    reports, start = [], 0
    for key in _parameter_keys(n_layers(parameters)):
        size = int(np.size(parameters[key]))
        g, a = grad[start:start + size, 0], approx[start:start + size, 0]
        worst = int(np.argmax(np.abs(g - a)))
        index = np.unravel_index(worst, np.shape(parameters[key]))
        reports.append(ParameterReport(key, relative_difference(g, a),
                                       tuple(int(i) for i in index), float(g[worst]),
                                       float(a[worst])))
        start += size
    result = GradientCheckResult(difference, reports, grad, approx)
    if print_msg:
        if difference > 2e-7:
            print(f"There is a mistake in the backward propagation! difference = {difference}")
            print(result.report())
        else:
            print(f"Your backward propagation works perfectly fine! difference = {difference}")
    return result
