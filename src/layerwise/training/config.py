"""``TrainConfig``: everything a fit needs, in one frozen dataclass, checked once.

Every way into training -- ``Network.fit``, the scikit-learn estimators, the
command line, the lab, sweeps and the playground -- builds one ``TrainConfig``
and hands it to :class:`~layerwise.training.Trainer`. The checks live in one
table, :data:`CONSTRAINTS` (in the spirit of scikit-learn's
``_parameter_constraints``): one entry per field, one message format, so the
same bad value gets the same message whatever door it came in by.

A config is plain data: :meth:`TrainConfig.to_dict` gives JSON types and
:meth:`TrainConfig.from_dict` reads them back (unknown keys refused), so a
config is saved next to the weights in model files and sweep checkpoints.
"""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass, fields

import numpy as np

from ..optimizers import Adam, GradientDescent, Momentum, RMSprop
from ..schedules import Schedule

#: Optimizer names a config accepts ("sgd" is read as "gd").
OPTIMIZER_NAMES = ("gd", "momentum", "rmsprop", "adam")
#: Learning-rate schedules (see :mod:`layerwise.schedules`).
SCHEDULE_NAMES = ("constant", "inverse_time", "step", "exponential")
#: What early stopping (or convergence) can watch, and which way is better.
MONITORS = {"cost": "min", "val_cost": "min", "val_accuracy": "max", "val_score": "max"}
#: The optimizers' own default learning rates.
DEFAULT_LEARNING_RATES = {"gd": 0.01, "momentum": 0.01, "rmsprop": 0.01, "adam": 0.001}


# ------------------------------------------------------------------ constraints
class _Constraint:
    """One field's rule: ``check(name, value) -> normalised value`` or raise."""

    def __init__(self, describe, check):
        self.describe, self.check = describe, check


def _fail(name, describe, value, kind=ValueError):
    shown = f"{type(value).__name__} {value!r}" if kind is TypeError else repr(value)
    raise kind(f"{name} must be {describe}; got {shown}")


def _bound(x):
    return "inf" if x is None else f"{x:g}"


def _real(low=None, high=None, *, low_open=False, high_open=False, allow_none=False):
    if high is None:
        describe = f"a finite number {'>' if low_open else '>='} {_bound(low)}"
    else:
        describe = (f"in {'(' if low_open else '['}{_bound(low)}, {_bound(high)}"
                    f"{')' if high_open else ']'}")
    if allow_none:
        pass  # None is accepted too (see the field docs); the message keeps to numbers

    def check(name, value):
        if value is None and allow_none:
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            _fail(name, "a real number", value, TypeError)
        v = float(value)
        if not np.isfinite(v) or (low is not None and (v < low or (low_open and v == low))) or \
                (high is not None and (v > high or (high_open and v == high))):
            _fail(name, describe, v)
        return v

    return _Constraint(describe, check)


def _integer(low, high=None, *, allow_none=False):
    describe = f"an integer >= {low}" + (f" and <= {high}" if high is not None else "") + \
               (" (or None)" if allow_none else "")

    def check(name, value):
        if value is None and allow_none:
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            _fail(name, "an integer", value, TypeError)
        if value < low or (high is not None and value > high):
            _fail(name, describe, value)
        return int(value)

    return _Constraint(describe, check)


def _choice(options, *, allow_none=False, aliases=None):
    aliases = aliases or {}
    describe = f"one of {list(options)}" + (" or None" if allow_none else "")

    def check(name, value):
        if value is None and allow_none:
            return None
        if not isinstance(value, str):
            _fail(name, f"a string, {describe}", value, TypeError)
        value = aliases.get(value, value)
        if value not in options:
            raise ValueError(f"unknown {name} {value!r}; choose one of {sorted(options)}")
        return value

    return _Constraint(describe, check)


def _boolean():
    def check(name, value):
        if not isinstance(value, (bool, np.bool_)):
            _fail(name, "True or False", value, TypeError)
        return bool(value)

    return _Constraint("True or False", check)


def _keep_prob():
    describe = "a number in (0, 1] or a sequence of them, one per hidden layer"
    one = _real(0.0, 1.0, low_open=True)

    def check(name, value):
        if isinstance(value, (str, bytes)):
            _fail(name, describe, value, TypeError)
        if np.ndim(value) == 0:
            return one.check(name, value)
        return tuple(one.check(name, v) for v in value)

    return _Constraint(describe, check)


def _dtype():
    describe = "None, 'float32' or 'float64'"

    def check(name, value):
        if value is None:
            return None
        try:
            dt = np.dtype(value)
        except TypeError:
            _fail(name, describe, value, TypeError)
        if dt not in (np.float32, np.float64):
            _fail(name, describe, value)
        return dt.name

    return _Constraint(describe, check)


def _schedule():
    names = _choice(SCHEDULE_NAMES, allow_none=True)
    describe = f"None, one of {list(SCHEDULE_NAMES)}, or a callable (lr0, epoch) -> lr"

    def check(name, value):
        if value is None or isinstance(value, str):
            return names.check(name, value)
        if callable(value):
            return value
        _fail(name, describe, value, TypeError)

    return _Constraint(describe, check)


#: The rule of every field, checked in this order by ``TrainConfig.__post_init__``.
CONSTRAINTS = {
    "optimizer": _choice(OPTIMIZER_NAMES, aliases={"sgd": "gd"}),
    "learning_rate": _real(0.0, low_open=True, allow_none=True),
    "beta": _real(0.0, 1.0, high_open=True),
    "beta1": _real(0.0, 1.0, high_open=True),
    "beta2": _real(0.0, 1.0, high_open=True),
    "epsilon": _real(0.0, low_open=True),
    "lr_schedule": _schedule(),
    "decay_rate": _real(0.0),
    "time_interval": _integer(1),
    "epochs": _integer(1, 10**9),
    "batch_size": _integer(1, allow_none=True),
    "shuffle": _boolean(),
    "lambd": _real(0.0),
    "keep_prob": _keep_prob(),
    "early_stopping": _boolean(),
    "monitor": _choice(tuple(MONITORS), allow_none=True),
    "n_iter_no_change": _integer(0),
    "tol": _real(0.0, allow_none=True),
    "restore_best": _boolean(),
    "validation_fraction": _real(0.0, 1.0, low_open=True, high_open=True, allow_none=True),
    "seed": _integer(0, 2**32 - 1, allow_none=True),
    "dtype": _dtype(),
    "verbose": _integer(0),
    "shuffle_seed": _integer(0, 2**32 - 1, allow_none=True),
    "dropout_seed": _integer(0, 2**32 - 1, allow_none=True),
    "mean_in_output_delta": _Constraint(
        "True, False or None",
        lambda name, v: None if v is None else _boolean().check(name, v)),
    "output_delta": _choice(("fused", "chain")),
    "clip_probabilities": _boolean(),
    "skip_nan_losses": _boolean(),
    "check_targets": _boolean(),
    "on_divergence": _choice(("raise", "continue")),
}


@dataclass(frozen=True)
class TrainConfig:
    """How to train: optimizer, schedule, budget, regularisation, stopping, randomness.

    Parameters
    ----------
    optimizer : {"gd", "momentum", "rmsprop", "adam"}, default "adam"
    learning_rate : float > 0 or None
        None: the optimizer's default (0.001 for Adam, 0.01 otherwise).
    beta : float in [0, 1), default 0.9, momentum's and RMSprop's average
    beta1, beta2 : float in [0, 1), default 0.9 and 0.999, Adam's averages
    epsilon : float > 0, default 1e-8, Adam's and RMSprop's epsilon
    lr_schedule : None, "constant", "inverse_time", "step", "exponential", or a
        callable ``(lr0, epoch) -> lr`` (a callable cannot be saved to JSON)
    decay_rate : float >= 0, default 1.0; time_interval : int >= 1, default 1000
        The schedule's parameters; the rate after epoch ``e`` (from 0) is
        ``schedule(lr0, e)``, epoch 0 runs at ``lr0``.
    epochs : int >= 1, default 100, the budget of :meth:`Trainer.run`
    batch_size : int >= 1 or None (full batch), default None
    shuffle : bool, default True, a new column order each epoch
    lambd : float >= 0, default 0, L2 strength (``lambd / 2m * sum ||W||^2``)
    keep_prob : float or tuple of floats in (0, 1], default 1.0, inverted
        dropout on the hidden layers (one value, or one per hidden layer)
    early_stopping : bool, default False
        Watch ``monitor`` after every epoch; stop when it has not improved by
        more than ``tol`` for more than ``n_iter_no_change`` epochs (as
        scikit-learn's MLP counts), and, with ``restore_best``, put back the
        weights of the epoch with the best monitored value (ties: the earliest).
    monitor : None, "val_cost", "val_accuracy", "val_score" or "cost"
        None: "val_cost" when there is validation data, else "cost".
    n_iter_no_change : int >= 0, default 10 (0: stop at the first epoch without
        an improvement)
    tol : float >= 0 or None, default None
        The improvement that counts. Without early stopping, a float also
        stops training once the training cost has not improved by ``tol`` for
        more than ``n_iter_no_change`` epochs (``History.converged``).
    restore_best : bool, default True
    validation_fraction : float in (0, 1) or None
        Hold out this fraction of the training data for validation (stratified
        for classification outputs) when no validation data is given.
    seed : int or None, for shuffling, dropout masks and the validation split
        (``Trainer(rng=...)`` overrides it with a generator of your own)
    dtype : None, "float32" or "float64"; for builders of networks (None: the
        network's own)
    verbose : int, 0 silent, 1 a progress bar
    shuffle_seed : int or None
        The course's mini-batch protocol: epoch ``e`` (from 0) is ordered by
        ``RandomState(shuffle_seed + e).permutation(m)`` instead of the
        trainer's generator.
    dropout_seed : int or None
        The course's dropout protocol: every forward pass draws its masks from a
        fresh ``RandomState(dropout_seed)`` (the course seeds before each pass).
    mean_in_output_delta : bool or None
        Fold ``1/m`` into the output layer's ``dZ`` (the rounding of the
        course's helper files); None: the engine's default for the dtype.
    output_delta : {"fused", "chain"}, default "fused"
        "fused": ``dZL = AL - Y`` for sigmoid/softmax with their cross-entropy
        (finite when ``AL`` saturates). "chain": always ``dAL`` from the loss,
        then back through the output activation -- the C1 notebooks'
        ``L_model_backward`` (``dAL = -(Y/AL - (1-Y)/(1-AL))``).
    clip_probabilities : bool, default True
        Clip ``AL`` away from 0 and 1 inside the cross-entropy's logarithm.
        False is the course's raw arithmetic: ``log(0)`` makes the cost
        ``inf`` (C2's random x10 initialisation prints it at iteration 0).
    skip_nan_losses : bool, default False
        Sum the per-example losses as ``np.nansum`` does (the C2 utils'
        costs), which drops the NaN of ``0 * log(0)`` in unclipped costs.
    check_targets : bool, default True
        Refuse targets outside the loss's range (0/1 or one-hot for the
        cross-entropies). False takes any real ``Y``, as the course's model
        functions do (their tests train on ``randn`` targets).
    on_divergence : {"raise", "continue"}, default "raise"
        "raise": a non-finite cost, gradient or parameter raises
        :class:`~layerwise.training.TrainingDivergedError`. "continue": it is
        recorded as it is and training goes on, as the course's loops do.

    The fields from ``shuffle_seed`` on reproduce the course's notebooks
    (:mod:`layerwise.course`, the lab); their defaults are what a library should do.
    """

    optimizer: str = "adam"
    learning_rate: float | None = None
    beta: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    lr_schedule: object = None
    decay_rate: float = 1.0
    time_interval: int = 1000
    epochs: int = 100
    batch_size: int | None = None
    shuffle: bool = True
    lambd: float = 0.0
    keep_prob: object = 1.0
    early_stopping: bool = False
    monitor: str | None = None
    n_iter_no_change: int = 10
    tol: float | None = None
    restore_best: bool = True
    validation_fraction: float | None = None
    seed: int | None = None
    dtype: str | None = None
    verbose: int = 0
    shuffle_seed: int | None = None
    dropout_seed: int | None = None
    mean_in_output_delta: bool | None = None
    output_delta: str = "fused"
    clip_probabilities: bool = True
    skip_nan_losses: bool = False
    check_targets: bool = True
    on_divergence: str = "raise"

    def __post_init__(self):
        for name, rule in CONSTRAINTS.items():
            object.__setattr__(self, name, rule.check(name, getattr(self, name)))

    # ---------------------------------------------------------------- derived
    @property
    def resolved_learning_rate(self):
        """The learning rate in force: ``learning_rate`` or the optimizer's default."""
        if self.learning_rate is not None:
            return self.learning_rate
        return DEFAULT_LEARNING_RATES[self.optimizer]

    def keep_probs(self, n_hidden):
        """One keep probability per hidden layer (a tuple of ``n_hidden`` floats)."""
        if isinstance(self.keep_prob, tuple):
            if len(self.keep_prob) != n_hidden:
                raise ValueError(f"keep_prob has {len(self.keep_prob)} values but the network has "
                                 f"{n_hidden} hidden layers; give one number or one per hidden layer")
            return self.keep_prob
        return (self.keep_prob,) * n_hidden

    def make_optimizer(self):
        """A new optimizer object of this config (see :mod:`layerwise.optimizers`)."""
        lr = self.resolved_learning_rate
        if self.optimizer == "gd":
            return GradientDescent(lr)
        if self.optimizer == "momentum":
            return Momentum(lr, self.beta)
        if self.optimizer == "rmsprop":
            return RMSprop(lr, self.beta, self.epsilon)
        return Adam(lr, self.beta1, self.beta2, self.epsilon)

    def make_schedule(self):
        """The schedule as a callable ``(lr0, epoch) -> lr``, or None."""
        if self.lr_schedule is None:
            return None
        if callable(self.lr_schedule):
            return self.lr_schedule
        return Schedule(self.lr_schedule, self.decay_rate, self.time_interval)

    # ------------------------------------------------------------- conversion
    def replace(self, **changes):
        """A checked copy with ``changes`` applied (unknown names refused)."""
        _refuse_unknown(changes)
        return dataclasses.replace(self, **changes)

    def as_fields(self):
        """The fields as a dict of their values (a callable schedule kept as it is)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_dict(self):
        """The fields as JSON types (tuples become lists).

        Raises
        ------
        TypeError
            If ``lr_schedule`` is a callable, which has no JSON form.
        """
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "lr_schedule" and callable(value):
                raise TypeError("lr_schedule is a callable, which cannot be saved as JSON; use one "
                                f"of {list(SCHEDULE_NAMES)} to save this config")
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data):
        """Build a config from a mapping of field names (missing fields take defaults)."""
        if not isinstance(data, dict):
            raise TypeError(f"a TrainConfig is read from a dict; got {type(data).__name__}")
        _refuse_unknown(data)
        return cls(**data)

    @classmethod
    def from_aliases(cls, values, aliases):
        """Build a config from values named the caller's way (errors use those names).

        Parameters
        ----------
        values : dict, caller's name -> value
        aliases : dict, caller's name -> TrainConfig field (names not in it are fields)

        The estimators call their L2 strength ``l2``; ``from_aliases({"l2": 0.1},
        {"l2": "lambd"})`` checks it with ``lambd``'s rule and says ``l2`` in the message.
        """
        fields_ = {}
        for name, value in values.items():
            field_name = aliases.get(name, name)
            if field_name not in CONSTRAINTS:
                _refuse_unknown({field_name: value})
            fields_[field_name] = CONSTRAINTS[field_name].check(name, value)
        return cls(**fields_)

    @classmethod
    def from_optimizer(cls, optimizer, **changes):
        """A config whose optimizer fields are those of an optimizer object."""
        name = getattr(optimizer, "name", None)
        if name not in OPTIMIZER_NAMES:
            raise TypeError(f"optimizer must be one of {list(OPTIMIZER_NAMES)} or a layerwise "
                            f"optimizer object; got {type(optimizer).__name__}")
        values = {"optimizer": name, "learning_rate": optimizer.learning_rate}
        for attr in ("beta", "beta1", "beta2", "epsilon"):
            if hasattr(optimizer, attr):
                values[attr] = getattr(optimizer, attr)
        values.update(changes)
        return cls(**values)


FIELD_NAMES = tuple(f.name for f in fields(TrainConfig))


def _refuse_unknown(mapping):
    unknown = sorted(set(mapping) - set(FIELD_NAMES))
    if unknown:
        raise ValueError(f"unknown TrainConfig field {unknown[0]!r}; the fields are "
                         f"{list(FIELD_NAMES)}")
