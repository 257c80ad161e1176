"""Optimizers: gradient descent, momentum, RMSprop and Adam.

Each optimizer is an object with ``init(params) -> state`` and
``update(grads, state, params) -> (params, state)``; it updates the arrays of
``params`` in place, so the training engine allocates nothing per step. The
course functions (``update_parameters_with_momentum`` ...) copy their inputs and
call the same object, so both APIs run one implementation of each formula.

Conventions (written where they bite):

* momentum is the exponentially weighted form ``v = beta v + (1 - beta) g``,
  ``W -= lr v`` (not PyTorch's ``v = mu v + g``);
* RMSprop: ``s = beta s + (1 - beta) g^2``, ``W -= lr g / (sqrt(s) + eps)``;
* Adam: ``v = b1 v + (1 - b1) g``, ``s = b2 s + (1 - b2) g^2``, bias-corrected
  ``v_hat = v / (1 - b1^t)``, ``s_hat = s / (1 - b2^t)``,
  ``W -= lr v_hat / (sqrt(s_hat) + eps)`` -- epsilon outside the square root;
  ``t`` counts updates from 1.

``grads`` uses the parameter names with a ``d`` in front (``dW1`` for ``W1``).

Speed: the training engine hands over all parameters as one flat array, so a
step is a handful of in-place NumPy operations whatever the depth. Adam's
fourteen passes over a large array cost more than its matrix products spare
(about 1 ms per step for 535 k float32 parameters); when numba is installed, an
optional compiled kernel does the same operations, in the same order and the
same dtype, in one pass (same bits: ``tests/speed`` checks it). Set
``LAYERWISE_NO_NUMBA=1`` to turn it off.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_choice, check_positive_float


def _copy_dict(d):
    return {k: np.array(v, copy=True) for k, v in d.items()}


def _grad(grads, key):
    try:
        return grads["d" + key]
    except KeyError:
        raise ValueError(f"grads has no entry 'd{key}' for parameter {key!r}") from None


class Optimizer:
    """Base class: holds the learning rate and the per-step scratch buffers."""

    name = "optimizer"

    def __init__(self, learning_rate=0.01):
        self.learning_rate = check_positive_float("learning_rate", learning_rate)

    def init(self, params):
        """Return the optimizer's state for ``params`` (a dict of arrays)."""
        return {"t": 0, "buf": {k: np.empty_like(p) for k, p in params.items()}}

    def update(self, grads, state, params):
        """Update ``params`` in place from ``grads``; return ``(params, state)``."""
        state["t"] += 1
        for key, p in params.items():
            self._step(key, p, _grad(grads, key), state)
        return params, state

    def step_copy(self, parameters, grads, state=None):
        """Course-style step: copies, updates the copies, returns new parameters."""
        params = _copy_dict(parameters)
        if state is None:
            state = self.init(params)
        self.update(grads, state, params)
        return params

    def _step(self, key, p, g, state):  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class GradientDescent(Optimizer):
    """Plain gradient descent, ``W -= learning_rate * dW``."""

    name = "gd"

    def _step(self, key, p, g, state):
        buf = state["buf"][key]
        np.multiply(g, self.learning_rate, out=buf)
        p -= buf


class Momentum(Optimizer):
    """Gradient descent with momentum, ``v = beta v + (1 - beta) g``, ``W -= lr v``."""

    name = "momentum"

    def __init__(self, learning_rate=0.01, beta=0.9):
        super().__init__(learning_rate)
        self.beta = _check_beta("beta", beta)

    def init(self, params):
        state = super().init(params)
        state["v"] = {k: np.zeros_like(p) for k, p in params.items()}
        return state

    def _step(self, key, p, g, state):
        v, buf = state["v"][key], state["buf"][key]
        v *= self.beta
        np.multiply(g, 1 - self.beta, out=buf)
        v += buf
        np.multiply(v, self.learning_rate, out=buf)
        p -= buf


class RMSprop(Optimizer):
    """RMSprop, ``s = beta s + (1 - beta) g^2``, ``W -= lr g / (sqrt(s) + eps)``."""

    name = "rmsprop"

    def __init__(self, learning_rate=0.01, beta=0.9, epsilon=1e-8):
        super().__init__(learning_rate)
        self.beta = _check_beta("beta", beta)
        self.epsilon = check_positive_float("epsilon", epsilon)

    def init(self, params):
        state = super().init(params)
        state["s"] = {k: np.zeros_like(p) for k, p in params.items()}
        return state

    def _step(self, key, p, g, state):
        s, buf = state["s"][key], state["buf"][key]
        s *= self.beta
        np.square(g, out=buf)
        buf *= 1 - self.beta
        s += buf
        np.sqrt(s, out=buf)
        buf += self.epsilon
        np.divide(g, buf, out=buf)
        buf *= self.learning_rate
        p -= buf


class Adam(Optimizer):
    """Adam with bias correction; epsilon outside the square root."""

    name = "adam"

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
        super().__init__(learning_rate)
        self.beta1 = _check_beta("beta1", beta1)
        self.beta2 = _check_beta("beta2", beta2)
        self.epsilon = check_positive_float("epsilon", epsilon)

    def init(self, params):
        state = super().init(params)
        state["v"] = {k: np.zeros_like(p) for k, p in params.items()}
        state["s"] = {k: np.zeros_like(p) for k, p in params.items()}
        state["buf2"] = {k: np.empty_like(p) for k, p in params.items()}
        return state

    def _step(self, key, p, g, state):
        t = state["t"]
        v, s = state["v"][key], state["s"][key]
        b1, b2 = self.beta1, self.beta2
        kernel = _fused_adam(p, g, v, s)
        if kernel is not None:
            # One pass instead of fourteen, the same operations in the same
            # order on the same dtype (so the same bits; tests/speed checks it).
            c = p.dtype.type
            kernel(p.reshape(-1), g.reshape(-1), v.reshape(-1), s.reshape(-1), c(b1), c(1 - b1),
                   c(b2), c(1 - b2), c(1 - b1**t), c(1 - b2**t), c(self.learning_rate),
                   c(self.epsilon))
            return
        buf, denom = state["buf"][key], state["buf2"][key]
        v *= b1
        np.multiply(g, 1 - b1, out=buf)
        v += buf
        s *= b2
        np.square(g, out=buf)
        buf *= 1 - b2
        s += buf
        np.divide(s, 1 - b2**t, out=denom)  # s_hat
        np.sqrt(denom, out=denom)
        denom += self.epsilon
        np.divide(v, 1 - b1**t, out=buf)  # v_hat
        buf *= self.learning_rate
        buf /= denom
        p -= buf


# ------------------------------------------------------- optional compiled kernel
#: Use numba (when installed) for Adam on arrays of at least this many elements.
#: Below it NumPy's calls are cheap enough and compiling would cost more than it saves.
FUSED_MIN_SIZE = 32768
_FUSED = {}


def _fused_adam(p, g, v, s):
    """The compiled one-pass Adam kernel, or None to use the NumPy operations.

    numba is optional: without it (or with ``LAYERWISE_NO_NUMBA=1``, or for small
    or unusual arrays) Adam runs as fourteen in-place NumPy operations.
    """
    if p.size < FUSED_MIN_SIZE or p.dtype not in (np.float32, np.float64):
        return None
    if not all(a.dtype == p.dtype and a.flags.c_contiguous for a in (p, g, v, s)):
        return None
    if "adam" not in _FUSED:
        _FUSED["adam"] = _compile_adam()
    return _FUSED["adam"]


def _compile_adam():
    """The numba kernel of Adam's step, or None without numba."""
    import os

    if os.environ.get("LAYERWISE_NO_NUMBA"):
        return None
    try:
        import numba
    except ImportError:
        return None

    def adam_kernel(p, g, v, s, b1, one_minus_b1, b2, one_minus_b2, c1, c2, lr, eps):
        # Each line is one of the NumPy operations of Adam._step, rounded the
        # same way: scalars arrive in the arrays' dtype, as NumPy casts them.
        # error_model="numpy" (no ZeroDivisionError checks) lets LLVM vectorise;
        # no fastmath, so nothing is reassociated or contracted into an FMA.
        # (A parallel prange version measured no faster inside training: the
        # BLAS threads still hold the other core when the optimizer runs.)
        for i in range(p.shape[0]):
            gi = g[i]
            vi = v[i] * b1 + gi * one_minus_b1
            si = s[i] * b2 + (gi * gi) * one_minus_b2
            v[i] = vi
            s[i] = si
            denom = np.sqrt(si / c2) + eps
            p[i] = p[i] - (vi / c1) * lr / denom

    return numba.njit(cache=True, nogil=True, error_model="numpy")(adam_kernel)


def _check_beta(name, beta):
    beta = check_positive_float(name, beta, allow_zero=True)
    if beta >= 1:
        raise ValueError(f"{name} must be in [0, 1); got {beta!r}")
    return beta


OPTIMIZERS = {"gd": GradientDescent, "sgd": GradientDescent, "momentum": Momentum,
              "rmsprop": RMSprop, "adam": Adam}


def get_optimizer(optimizer, learning_rate=None, **kwargs):
    """Return an optimizer object from a name or an object.

    Parameters
    ----------
    optimizer : str or Optimizer
        ``"gd"`` (alias ``"sgd"``), ``"momentum"``, ``"rmsprop"``, ``"adam"``, or an
        object with ``init`` and ``update``.
    learning_rate : float, optional
        Sets the learning rate of a named optimizer (or overrides an object's).
    """
    if isinstance(optimizer, str):
        cls = OPTIMIZERS[check_choice("optimizer", optimizer, OPTIMIZERS)]
        return cls(learning_rate, **kwargs) if learning_rate is not None else cls(**kwargs)
    if not (hasattr(optimizer, "init") and hasattr(optimizer, "update")):
        raise TypeError(
            f"optimizer must be one of {sorted(OPTIMIZERS)} or an object with init() and "
            f"update(); got {type(optimizer).__name__}"
        )
    if learning_rate is not None:
        optimizer.learning_rate = check_positive_float("learning_rate", learning_rate)
    return optimizer


# ------------------------------------------------------------ the course's functions
def _state_from(parameters, **moments):
    params = _copy_dict(parameters)
    state = {"t": 0, "buf": {k: np.empty_like(p) for k, p in params.items()}}
    for name, dct in moments.items():
        state[name] = {k: np.array(dct["d" + k], copy=True) for k in params}
    return params, state


def _as_grad_dict(moment):
    return {"d" + k: v for k, v in moment.items()}


def initialize_velocity(parameters):
    """Zero velocity for momentum.

    Parameters
    ----------
    parameters : dict ``W1, b1, ..., WL, bL``

    Returns
    -------
    v : dict ``{"dW1": zeros like W1, "db1": zeros like b1, ...}``
    """
    return {"d" + k: np.zeros_like(p) for k, p in parameters.items()}


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    """One momentum step, course style.

    ``v = beta v + (1 - beta) grads``; ``W -= learning_rate v``.

    Returns
    -------
    parameters : dict, new arrays
    v : dict, the new velocity (keys ``dW1, db1, ...``)
    """
    opt = Momentum(learning_rate, beta)
    params, state = _state_from(parameters, v=v)
    opt.update(grads, state, params)
    return params, _as_grad_dict(state["v"])


def initialize_rmsprop(parameters):
    """Zero second-moment estimate ``s`` for RMSprop.

    Parameters
    ----------
    parameters : dict ``W1, b1, ..., WL, bL``

    Returns
    -------
    s : dict ``{"dW1": zeros like W1, "db1": zeros like b1, ...}``
    """
    return initialize_velocity(parameters)


def update_parameters_with_rmsprop(parameters, grads, s, beta=0.9, learning_rate=0.01, epsilon=1e-8):
    """One RMSprop step: ``s = beta s + (1-beta) g^2``, ``W -= lr g / (sqrt(s) + eps)``.

    Returns
    -------
    parameters, s : dicts of new arrays
    """
    opt = RMSprop(learning_rate, beta, epsilon)
    params, state = _state_from(parameters, s=s)
    opt.update(grads, state, params)
    return params, _as_grad_dict(state["s"])


def initialize_adam(parameters):
    """Zero first and second moments ``(v, s)`` for Adam.

    Parameters
    ----------
    parameters : dict ``W1, b1, ..., WL, bL``

    Returns
    -------
    v, s : dicts like ``initialize_velocity``'s
    """
    return initialize_velocity(parameters), initialize_velocity(parameters)


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9,
                                beta2=0.999, epsilon=1e-8):
    """One Adam step, course style.

    Parameters
    ----------
    parameters, grads, v, s : dicts (``v`` and ``s`` keyed ``dW1, db1, ...``)
    t : int >= 1, the number of Adam steps taken so far including this one
    learning_rate, beta1, beta2, epsilon : floats

    Returns
    -------
    parameters, v, s, v_corrected, s_corrected : dicts of new arrays, in the
        order of the course's notebook (``parameters, v, s, _, _ = ...``).
    """
    if isinstance(t, bool) or int(t) != t or t < 1:
        raise ValueError(f"t must be an integer >= 1 (Adam's step count); got {t!r}")
    opt = Adam(learning_rate, beta1, beta2, epsilon)
    params, state = _state_from(parameters, v=v, s=s)
    state["buf2"] = {k: np.empty_like(p) for k, p in params.items()}
    state["t"] = int(t) - 1  # update() counts this step
    opt.update(grads, state, params)
    v_new, s_new = _as_grad_dict(state["v"]), _as_grad_dict(state["s"])
    v_corrected = {k: a / (1 - beta1**t) for k, a in v_new.items()}
    s_corrected = {k: a / (1 - beta2**t) for k, a in s_new.items()}
    return params, v_new, s_new, v_corrected, s_corrected
