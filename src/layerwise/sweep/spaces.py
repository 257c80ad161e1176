"""Searched parameters: their spaces, as the spec writes them and as Optuna stores them.

A space is a list (categorical; a grid's values) or a range ``{low, high[,
log][, step]}`` -- integer when both bounds are integers, float otherwise.
Lists of layer widths (``hidden: [[32], [64]]``) are offered to Optuna as their
JSON text (``"[32]"``), since Optuna's categorical values are scalars;
:func:`decoded_params` turns a trial's parameters back into the spec's values.

Also here: :class:`SpecError` and the small checks every part of the spec uses,
so that each message starts with the key at fault.
"""

from __future__ import annotations

import json
import math
import numbers
from dataclasses import dataclass

MODEL_KEYS = ("hidden", "activation", "init")
#: The estimators' names for TrainConfig fields.
TRAIN_ALIASES = {"l2": "lambd"}
#: TrainConfig fields the sweep sets itself.
RESERVED_TRAIN = {
    "seed": "use the top-level 'seed'; repeat r of each configuration trains with seed + r",
    "validation_data": "the validation split is made once for the whole sweep (data/validation_fraction)",
    "verbose": "the sweep shows its own progress",
}


class SpecError(ValueError):
    """A sweep spec that cannot be run; the message names the key at fault."""


def fail(key, message):
    """Raise SpecError ``"key: message"``."""
    raise SpecError(f"{key}: {message}")


def is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def expect_mapping(key, value, allowed=None):
    if not isinstance(value, dict):
        fail(key, f"expected a mapping; got {type(value).__name__} {value!r}")
    if allowed is not None:
        for k in value:
            if k not in allowed:
                fail(f"{key}.{k}" if key else k,
                      f"unknown key; expected one of {', '.join(allowed)}")
    return value


def hidden_sizes(key, value):
    if is_int(value):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(is_int(v) and v >= 1 for v in value):
        fail(key, f"expected a list of positive layer widths such as [64, 32]; got {value!r}")
    return [int(v) for v in value]


@dataclass(frozen=True)
class ParamSpace:
    """One searched parameter.

    Attributes
    ----------
    name : str, as written in the spec (``"l2"``)
    section : {"model", "train"}
    field : str, the model key or TrainConfig field it sets (``"lambd"``)
    kind : {"categorical", "float", "int"}
    choices : tuple or None, the categorical values (JSON-able)
    low, high : number or None, the range's bounds (inclusive)
    log : bool, sample the range on a log scale
    step : number or None, the range's grid step
    """

    name: str
    section: str
    field: str
    kind: str
    choices: tuple | None = None
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None

    def to_dict(self):
        if self.kind == "categorical":
            return {"values": list(self.choices)}
        out = {"low": self.low, "high": self.high, "log": self.log}
        if self.step is not None:
            out["step"] = self.step
        return out

    @property
    def numeric_values(self):
        """A categorical list of numbers only (no booleans): ``"int"``, ``"float"``, or None."""
        if self.kind != "categorical" or not all(is_number(c) for c in self.choices):
            return None
        return "int" if all(is_int(c) for c in self.choices) else "float"

    def distribution(self, grid=False):
        """The Optuna distribution of this parameter.

        Parameters
        ----------
        grid : bool
            For a grid search, a list of numbers becomes the range it spans
            (an Optuna ``Int``/``FloatDistribution``): its grid points are
            enqueued with fixed values, and a range, unlike Optuna's
            categorical distribution, may widen when a resumed sweep adds values.
            Other lists are categorical, offered as their JSON text when they
            hold lists (``hidden``).
        """
        import optuna

        d = optuna.distributions
        if grid and self.numeric_values == "int":
            return d.IntDistribution(int(min(self.choices)), int(max(self.choices)))
        if grid and self.numeric_values == "float":
            return d.FloatDistribution(float(min(self.choices)), float(max(self.choices)))
        if self.kind == "categorical":
            return d.CategoricalDistribution([encode_choice(c) for c in self.choices])
        if self.kind == "int":
            return d.IntDistribution(int(self.low), int(self.high), log=self.log, step=int(self.step or 1))
        return d.FloatDistribution(float(self.low), float(self.high), log=self.log, step=self.step)


def encode_choice(value):
    """A categorical value as Optuna stores it: lists become their JSON text."""
    return json.dumps(value) if isinstance(value, (list, tuple)) else value


def decode_choice(value):
    """The inverse of :func:`encode_choice`."""
    if isinstance(value, str) and value.startswith("["):
        return json.loads(value)
    return value


def decoded_params(params):
    """A trial's params (as Optuna stores them) as the spec writes them: hidden sizes back to lists."""
    return {k: decode_choice(v) for k, v in params.items()}


def parse_space(key, name, raw):
    if name in MODEL_KEYS:
        section, field = "model", name
    else:
        section, field = "train", TRAIN_ALIASES.get(name, name)
        if field in RESERVED_TRAIN or field in ("validation_fraction", "epochs_per_rung"):
            fail(key, RESERVED_TRAIN.get(field, "the validation split is fixed for the whole sweep"))
    if isinstance(raw, (list, tuple)):
        if not raw:
            fail(key, "an empty list of values")
        values = []
        for v in raw:
            if isinstance(v, (list, tuple)):
                if name != "hidden":
                    fail(key, f"list values are for 'hidden' only; got {v!r}")
                v = hidden_sizes(key, v)
            elif name == "hidden":
                v = hidden_sizes(key, v)
            elif not (v is None or isinstance(v, (str, bool)) or is_number(v)):
                fail(key, f"values must be numbers, strings, booleans or null; got {v!r}")
            values.append(v)
        encoded = [json.dumps(v) for v in values]
        dupes = sorted({e for e in encoded if encoded.count(e) > 1})
        if dupes:
            fail(key, f"repeated value {dupes[0]}")
        return ParamSpace(name, section, field, "categorical", choices=tuple(values))
    if isinstance(raw, dict):
        expect_mapping(key, raw, ("low", "high", "log", "step"))
        if "low" not in raw or "high" not in raw:
            fail(key, "a range needs both 'low' and 'high'")
        low, high = raw["low"], raw["high"]
        for bound in ("low", "high"):
            if not is_number(raw[bound]) or not math.isfinite(raw[bound]):
                fail(f"{key}.{bound}", f"expected a finite number; got {raw[bound]!r}")
        if low >= high:
            fail(key, f"low must be below high; got low={low!r}, high={high!r}")
        log = raw.get("log", False)
        if not isinstance(log, bool):
            fail(f"{key}.log", f"expected true or false; got {log!r}")
        if log and low <= 0:
            fail(f"{key}.low", f"must be > 0 on a log scale; got {low!r}")
        step = raw.get("step")
        if step is not None and (not is_number(step) or step <= 0):
            fail(f"{key}.step", f"expected a number > 0; got {step!r}")
        if step is not None and log:
            fail(f"{key}.step", "a step cannot be combined with log: true")
        kind = "int" if is_int(low) and is_int(high) and (step is None or is_int(step)) else "float"
        if name == "hidden" and kind != "int":
            fail(key, "a range of hidden widths needs integer bounds")
        return ParamSpace(name, section, field, kind, low=low, high=high, log=log, step=step)
    fail(key, f"expected a list of values or a range {{low, high, log}}; got {raw!r}")
