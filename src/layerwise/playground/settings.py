"""The page's configuration: one flat dict of plain JSON values, validated here.

The page keeps the same dict in its URL hash, so that a reload or a shared link
starts the same run. :func:`check_settings` fills in defaults and refuses
anything else with a ``ValueError``/``TypeError`` naming the key, what was
expected and what came. :func:`train_config_fields` maps the training part onto
the fields of :class:`layerwise.training.TrainConfig`, which validates them again
in its own terms.

Keys that can change during a run without starting it again are in
:data:`LIVE_KEYS`; they reach the trainer through ``Trainer.update_config`` and
apply from the next step.
"""

from __future__ import annotations

import math
import numbers

from .datasets import DATASETS

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
INITS = ("zeros", "random", "xavier", "he")
OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")
SCHEDULES = ("none", "inverse_time", "step", "exponential")
MAX_HIDDEN_LAYERS = 8
MAX_UNITS = 64

DEFAULTS = {
    "dataset": "circles", "classes": 2, "points": 400, "noise": 0.1, "train_fraction": 0.5,
    "standardize": True,
    "hidden": [4, 4], "activations": ["tanh", "tanh"], "init": "xavier", "init_scale": 0.5,
    "optimizer": "gd", "learning_rate": 0.03, "beta": 0.9, "beta1": 0.9, "beta2": 0.999,
    "epsilon": 1e-8, "lr_schedule": "none", "decay_rate": 1.0, "time_interval": 100,
    "batch_size": 10, "lambd": 0.0, "keep_prob": 1.0, "seed": 0, "speed": 0,
}

#: Settings applied to a running trainer at the next step (no reset).
LIVE_KEYS = frozenset({"optimizer", "learning_rate", "beta", "beta1", "beta2", "epsilon",
                       "lr_schedule", "decay_rate", "time_interval", "lambd", "keep_prob"})
#: Settings that change neither the data nor the trainer (how fast it plays).
VIEW_KEYS = frozenset({"speed"})


def _number(key, value, low, high, *, integer=False, low_open=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"setting {key!r} must be a number; got {type(value).__name__} {value!r}")
    if integer and value != int(value):
        raise ValueError(f"setting {key!r} must be a whole number; got {value!r}")
    value = int(value) if integer else float(value)
    if not math.isfinite(value) or value < low or value > high or (low_open and value == low):
        left = "(" if low_open else "["
        raise ValueError(f"setting {key!r} must be in {left}{low:g}, {high:g}]; got {value!r}")
    return value


def _choice(key, value, choices):
    if value not in choices:
        raise ValueError(f"setting {key!r} must be one of {', '.join(choices)}; got {value!r}")
    return value


#: key -> check(value) returning the clean value.
_CHECKS = {
    "dataset": lambda v: _choice("dataset", v, tuple(DATASETS) + ("csv",)),
    "classes": lambda v: _number("classes", v, 2, 5, integer=True),
    "points": lambda v: _number("points", v, 10, 2000, integer=True),
    "noise": lambda v: _number("noise", v, 0, 1),
    "train_fraction": lambda v: _number("train_fraction", v, 0.1, 0.9),
    "init": lambda v: _choice("init", v, INITS),
    "init_scale": lambda v: _number("init_scale", v, 0, 10, low_open=True),
    "optimizer": lambda v: _choice("optimizer", v, OPTIMIZERS),
    "learning_rate": lambda v: _number("learning_rate", v, 0, 10, low_open=True),
    "beta": lambda v: _number("beta", v, 0, 0.9999),
    "beta1": lambda v: _number("beta1", v, 0, 0.9999),
    "beta2": lambda v: _number("beta2", v, 0, 0.999999),
    "epsilon": lambda v: _number("epsilon", v, 0, 1, low_open=True),
    "lr_schedule": lambda v: _choice("lr_schedule", v, SCHEDULES),
    "decay_rate": lambda v: _number("decay_rate", v, 0, 100),
    "time_interval": lambda v: _number("time_interval", v, 1, 10**6, integer=True),
    "batch_size": lambda v: _number("batch_size", v, 0, 10**6, integer=True),
    "lambd": lambda v: _number("lambd", v, 0, 100),
    "keep_prob": lambda v: _number("keep_prob", v, 0, 1, low_open=True),
    "seed": lambda v: _number("seed", v, 0, 2**31 - 1, integer=True),
    "speed": lambda v: _number("speed", v, 0, 10**5),
}


def _check_bool(key, value):
    if not isinstance(value, bool):
        raise TypeError(f"setting {key!r} must be true or false; got {value!r}")
    return value


def _check_hidden(value):
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= MAX_HIDDEN_LAYERS:
        raise ValueError(f"setting 'hidden' must be a list of 1 to {MAX_HIDDEN_LAYERS} layer sizes; "
                         f"got {value!r}")
    return [_number("hidden", v, 1, MAX_UNITS, integer=True) for v in value]


def _check_activations(value, n_layers):
    if not isinstance(value, (list, tuple)) or len(value) != n_layers:
        raise ValueError(f"setting 'activations' must list one activation per hidden layer "
                         f"({n_layers}); got {value!r}")
    return [_choice("activations", v, ACTIVATIONS) for v in value]


def check_settings(settings):
    """Validate the page's settings and fill in defaults.

    Parameters
    ----------
    settings : dict (JSON object), any subset of :data:`DEFAULTS`' keys

    Returns
    -------
    dict with every key of :data:`DEFAULTS`, each value checked

    Raises
    ------
    TypeError, ValueError naming the setting
    """
    if not isinstance(settings, dict):
        raise TypeError(f"settings must be a JSON object; got {type(settings).__name__}")
    unknown = sorted(set(settings) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r}; known settings are {', '.join(DEFAULTS)}")
    merged = {**DEFAULTS, **settings}
    clean = {key: check(merged[key]) for key, check in _CHECKS.items()}
    clean["standardize"] = _check_bool("standardize", merged["standardize"])
    clean["hidden"] = _check_hidden(merged["hidden"])
    activations = merged["activations"]
    if "activations" not in settings and len(activations) != len(clean["hidden"]):
        activations = [activations[0]] * len(clean["hidden"])
    clean["activations"] = _check_activations(activations, len(clean["hidden"]))
    if clean["dataset"] != "csv" and clean["classes"] not in DATASETS[clean["dataset"]]:
        raise ValueError(f"dataset {clean['dataset']!r} takes classes in "
                         f"{list(DATASETS[clean['dataset']])}; got {clean['classes']}")
    return {key: clean[key] for key in DEFAULTS}


def check_live_changes(changes):
    """Validate a dict of mid-run changes (keys of :data:`LIVE_KEYS` and :data:`VIEW_KEYS`)."""
    if not isinstance(changes, dict) or not changes:
        raise TypeError(f"changes must be a non-empty JSON object; got {changes!r}")
    bad = sorted(set(changes) - LIVE_KEYS - VIEW_KEYS)
    if bad:
        raise ValueError(f"setting {bad[0]!r} cannot change during a run (reset instead); "
                         f"live settings are {', '.join(sorted(LIVE_KEYS | VIEW_KEYS))}")
    return {key: _CHECKS[key](value) for key, value in changes.items()}


def train_config_fields(settings, keys=None):
    """The :class:`~layerwise.training.TrainConfig` fields for ``settings``.

    Parameters
    ----------
    settings : dict, checked (see :func:`check_settings`), or a part of it
    keys : iterable of str, optional, translate only these settings

    Returns
    -------
    dict of TrainConfig field -> value
    """
    keys = set(settings) if keys is None else set(keys)
    out = {}
    for key in keys & {"optimizer", "learning_rate", "beta", "beta1", "beta2", "epsilon",
                       "decay_rate", "time_interval", "lambd", "keep_prob", "seed"}:
        out[key] = settings[key]
    if "lr_schedule" in keys:
        out["lr_schedule"] = None if settings["lr_schedule"] == "none" else settings["lr_schedule"]
    if "batch_size" in keys:
        out["batch_size"] = settings["batch_size"] or None
    return out
