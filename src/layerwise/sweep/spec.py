"""The sweep specification: what to train, what to search, what to optimise.

A spec is a YAML or JSON file (or the same as a dict from Python)::

    name: digits-grid
    data: {name: digits}                       # or {path: my.csv, target: label}
    model: {hidden: [64], activation: relu}
    train: {optimizer: adam, epochs: 30, batch_size: 64, validation_fraction: 0.2}
    search:
      method: grid                             # grid | random | tpe
      params:
        learning_rate: [0.001, 0.01]
        l2: [0.0, 0.01]
        hidden: [[32], [64]]
      repeats: 1
    metric: {name: val_accuracy, direction: maximize}

Top-level keys
--------------
``name`` (str, required from Python; a file's stem by default), ``data``,
``model``, ``train``, ``search``, ``metric``, and optionally ``pruning``
(``{method: median | successive_halving | none, ...}``), ``rung_epochs`` (int,
how many epochs a worker trains before reporting back; default a tenth of the
epoch budget), ``time_limit`` (seconds per trial, default none) and ``seed``
(int, default 0; repeat ``r`` of every configuration trains with ``seed + r``,
so that configurations are compared on the same random numbers).

Parameters (``search.params``) name a model key (``hidden``, ``activation``,
``init``) or a :class:`~layerwise.training.TrainConfig` field, with the
estimators' names accepted (``l2`` for ``lambd``). A space is a list
(categorical; the grid's values) or a range ``{low, high[, log][, step]}``:
integer when both bounds are integers, float otherwise. ``hidden`` given as an
integer range sets the width of every hidden layer of ``model.hidden``.

Every problem is raised as :class:`SpecError` (a ``ValueError``) whose message
starts with the key at fault, before anything is trained.
"""

from __future__ import annotations

import itertools
import json
import math
import os
from dataclasses import dataclass

from .spaces import (MODEL_KEYS, RESERVED_TRAIN, TRAIN_ALIASES, SpecError, decoded_params, encode_choice,
                     expect_mapping, fail, hidden_sizes, is_int, is_number, parse_space)

__all__ = ["SweepSpec", "SpecError", "parse_spec", "load_spec", "as_spec", "decoded_params", "encode_choice",
           "SPEC_ATTR", "METRICS", "DATA_SETS", "builtin_task"]

METHODS = ("grid", "random", "tpe")
#: metric name -> (history list it is read from, natural direction, task it needs)
METRICS = {
    "val_accuracy": ("val_accuracy", "maximize", "classification"),
    "val_cost": ("val_cost", "minimize", None),
    "val_r2": ("val_score", "maximize", "regression"),
}
METRIC_ALIASES = {"accuracy": "val_accuracy", "cost": "val_cost", "r2": "val_r2", "val_score": "val_r2"}
PRUNERS = ("none", "median", "successive_halving")
TOP_KEYS = ("name", "data", "model", "train", "search", "metric", "pruning", "rung_epochs",
            "time_limit", "seed", "trials")
#: The study's user attribute holding the spec it was made from.
SPEC_ATTR = "layerwise_spec"
DATA_SETS = ("digits", "breast_cancer", "wine", "iris", "diabetes", "football")


# ----------------------------------------------------------------------- the spec
@dataclass(frozen=True)
class SweepSpec:
    """A parsed, validated sweep specification (see the module docstring).

    Attributes
    ----------
    name : str
    data : dict, ``{"name": ...}`` or ``{"path": ..., "target": ...}`` (+ ``task``,
        ``standardize``, ``validation_fraction``)
    model : dict, ``{"hidden": [...], "activation": str, "init": str}``
    train : dict of TrainConfig fields (without ``validation_fraction``/``seed``)
    method : {"grid", "random", "tpe"}
    params : tuple of ParamSpace
    repeats : int, seeds per configuration
    trials : int, the number of configurations
    metric, direction : str
    pruning : dict, ``{"method": ..., options}``
    rung_epochs : int
    time_limit : float or None, seconds per trial
    seed : int
    """

    name: str
    data: dict
    model: dict
    train: dict
    method: str
    params: tuple
    repeats: int
    trials: int
    metric: str
    direction: str
    pruning: dict
    rung_epochs: int
    time_limit: float | None
    seed: int

    # -------------------------------------------------------------- derived values
    @property
    def epochs(self):
        """The epoch budget of a trial (before any searched ``epochs``)."""
        return self.train.get("epochs", 100)

    @property
    def history_key(self):
        """The History list the metric is read from."""
        return METRICS[self.metric][0]

    def grid(self):
        """Every grid point as a dict ``{param name: value}``, in spec order."""
        names = [p.name for p in self.params]
        return [dict(zip(names, combo)) for combo in itertools.product(*(p.choices for p in self.params))]

    def settings(self, params):
        """The model dict and the TrainConfig dict of one configuration.

        Parameters
        ----------
        params : dict, param name -> value (decoded, as in the spec)

        Returns
        -------
        model : dict, ``{"hidden", "activation", "init"}``
        train : dict of TrainConfig fields
        """
        model, train = dict(self.model), dict(self.train)
        for space in self.params:
            value = params[space.name]
            if space.section == "model":
                if space.field == "hidden" and space.kind == "int":
                    value = [int(value)] * len(self.model["hidden"])
                model[space.field] = value
            else:
                train[space.field] = value
        return model, train

    def to_dict(self):
        """A plain JSON-able dict; ``parse_spec(spec.to_dict())`` gives back the same spec."""
        return {
            "name": self.name, "data": dict(self.data), "model": dict(self.model),
            "train": dict(self.train),
            "search": {"method": self.method, "repeats": self.repeats, "trials": self.trials,
                       "params": {p.name: (list(p.choices) if p.kind == "categorical" else p.to_dict())
                                  for p in self.params}},
            "metric": {"name": self.metric, "direction": self.direction},
            "pruning": dict(self.pruning), "rung_epochs": self.rung_epochs,
            "time_limit": self.time_limit, "seed": self.seed,
        }


def _check_train_config(key, train):
    """Build a TrainConfig from ``train`` so that its own checks name the bad field."""
    from ..training import TrainConfig

    try:
        TrainConfig.from_dict(train)
    except (TypeError, ValueError) as exc:
        fail(key, str(exc).splitlines()[0])


def _parse_data(raw):
    data = dict(expect_mapping("data", raw, ("name", "path", "target", "task", "standardize",
                                       "validation_fraction")))
    if ("name" in data) == ("path" in data):
        fail("data", "give exactly one of 'name' (a built-in data set) or 'path' (a file)")
    if "name" in data:
        if data["name"] not in DATA_SETS:
            fail("data.name", f"unknown data set {data['name']!r}; built-in ones are {', '.join(DATA_SETS)}")
        if "target" in data:
            fail("data.target", "only for data.path (a built-in data set knows its target)")
    else:
        path = data["path"]
        if not isinstance(path, str) or not path:
            fail("data.path", f"expected a file name; got {path!r}")
        lower = path.lower()
        if not lower.endswith((".csv", ".parquet", ".pq", ".npz")):
            fail("data.path", f"expected a .csv, .parquet or .npz file; got {path!r}")
        if not lower.endswith(".npz") and not isinstance(data.get("target"), str):
            fail("data.target", "a CSV or Parquet file needs the name of its target column")
    task = data.setdefault("task", "auto")
    if task not in ("auto", "classification", "regression"):
        fail("data.task", f"expected auto, classification or regression; got {task!r}")
    if not isinstance(data.setdefault("standardize", True), bool):
        fail("data.standardize", f"expected true or false; got {data['standardize']!r}")
    return data


def builtin_task(name):
    """The task of a built-in data set."""
    return "regression" if name == "diabetes" else "classification"


def parse_spec(raw, *, default_name=None):
    """Validate a spec given as a dict and return a :class:`SweepSpec`.

    Parameters
    ----------
    raw : dict, the spec as loaded from YAML/JSON
    default_name : str, optional, used when the spec has no ``name``

    Raises
    ------
    SpecError
        Naming the key at fault.
    """
    expect_mapping("", raw, TOP_KEYS)
    name = raw.get("name", default_name)
    if not isinstance(name, str) or not name.strip():
        fail("name", f"expected a non-empty name for the sweep; got {name!r}")
    if any(c in name for c in "/\\\0") or name.startswith("."):
        fail("name", f"must be usable as a file name (no slashes, no leading dot); got {name!r}")
    if "data" not in raw:
        fail("data", "missing; say which data to train on, e.g. {name: digits}")
    data = _parse_data(raw["data"])

    model = dict(expect_mapping("model", raw.get("model", {}), MODEL_KEYS))
    model["hidden"] = hidden_sizes("model.hidden", model.get("hidden", [64]))
    from ..activations import ACTIVATIONS
    from ..initializers import INITIALIZERS

    hidden_activations = [a for a in ACTIVATIONS if a != "softmax"]
    model.setdefault("activation", "relu")
    if model["activation"] not in hidden_activations:
        fail("model.activation", f"expected one of {', '.join(hidden_activations)}; got {model['activation']!r}")
    model.setdefault("init", "he")
    if model["init"] not in INITIALIZERS:
        fail("model.init", f"expected one of {', '.join(INITIALIZERS)}; got {model['init']!r}")

    train = {}
    for k, v in expect_mapping("train", raw.get("train", {})).items():
        field = TRAIN_ALIASES.get(k, k)
        if field in RESERVED_TRAIN:
            fail(f"train.{k}", RESERVED_TRAIN[field])
        if field in train:
            fail(f"train.{k}", f"given twice (as {field!r} and its alias)")
        train[field] = v
    fraction = train.pop("validation_fraction", data.pop("validation_fraction", 0.2))
    if not is_number(fraction) or not 0 < fraction < 1:
        fail("train.validation_fraction", f"expected a number in (0, 1); got {fraction!r}")
    data["validation_fraction"] = float(fraction)
    _check_train_config("train", train)

    search = expect_mapping("search", raw.get("search"), ("method", "params", "repeats", "trials"))
    method = search.get("method", "grid")
    if method not in METHODS:
        fail("search.method", f"expected one of {', '.join(METHODS)}; got {method!r}")
    params_raw = expect_mapping("search.params", search.get("params"))
    if not params_raw:
        fail("search.params", "no parameters to search")
    params = tuple(parse_space(f"search.params.{k}", k, v) for k, v in params_raw.items())
    fields = [(p.section, p.field) for p in params]
    for p in params:
        if fields.count((p.section, p.field)) > 1:
            fail(f"search.params.{p.name}", f"sets {p.field!r}, which another parameter sets too")
        if p.section == "train" and p.field in train:
            fail(f"search.params.{p.name}", f"also fixed in train.{p.name}; give it in one place")
        if p.section == "train":  # every value (grid) or both bounds (ranges) must be valid
            samples = p.choices if p.kind == "categorical" else (p.low, p.high)
            for value in samples:
                _check_train_config(f"search.params.{p.name}", {**train, p.field: value})
        elif p.field in ("activation", "init") and p.kind == "categorical":
            allowed = hidden_activations if p.field == "activation" else INITIALIZERS
            bad = [v for v in p.choices if v not in allowed]
            if bad:
                fail(f"search.params.{p.name}", f"unknown value {bad[0]!r}; expected one of {', '.join(allowed)}")
        elif p.field != "hidden":
            fail(f"search.params.{p.name}", "expects a list of names")
    repeats = search.get("repeats", 1)
    if not is_int(repeats) or repeats < 1:
        fail("search.repeats", f"expected an integer >= 1; got {repeats!r}")

    if "trials" in raw and "trials" in search:
        fail("trials", "given both at the top level and in search; give it once")
    trials = search.get("trials", raw.get("trials"))
    trials_key = "search.trials" if "trials" in search else "trials"
    if method == "grid":
        ranges = [p.name for p in params if p.kind != "categorical"]
        if ranges:
            fail(f"search.params.{ranges[0]}", "a grid search needs a list of values, not a range")
        size = math.prod(len(p.choices) for p in params)
        if trials is not None and trials != size:
            fail(trials_key, f"a grid search runs every point ({size}); leave 'trials' out")
        trials = size
    elif not is_int(trials) or trials < 1:
        fail(trials_key, f"a {method} search needs 'trials', an integer >= 1; got {trials!r}")

    metric_raw = expect_mapping("metric", raw.get("metric", {}), ("name", "direction"))
    task = data["task"] if data["task"] != "auto" or "path" in data else builtin_task(data["name"])
    default_metric = "val_r2" if task == "regression" else "val_accuracy"
    metric = METRIC_ALIASES.get(metric_raw.get("name", default_metric), metric_raw.get("name", default_metric))
    if metric not in METRICS:
        fail("metric.name", f"expected one of {', '.join(METRICS)}; got {metric_raw.get('name')!r}")
    needed = METRICS[metric][2]
    if needed is not None and task != "auto" and needed != task:
        fail("metric.name", f"{metric} is a {needed} metric but the data is a {task} task")
    direction = metric_raw.get("direction", METRICS[metric][1])
    if direction not in ("maximize", "minimize"):
        fail("metric.direction", f"expected maximize or minimize; got {direction!r}")

    pruning = dict(expect_mapping("pruning", raw.get("pruning", {"method": "none"}),
                            ("method", "startup_trials", "warmup_epochs", "min_epochs", "reduction_factor")))
    pruning.setdefault("method", "none")
    if pruning["method"] not in PRUNERS:
        fail("pruning.method", f"expected one of {', '.join(PRUNERS)}; got {pruning['method']!r}")
    for k in ("startup_trials", "warmup_epochs", "min_epochs", "reduction_factor"):
        if k in pruning and (not is_int(pruning[k]) or pruning[k] < (2 if k == "reduction_factor" else 0)):
            fail(f"pruning.{k}", f"expected an integer >= {2 if k == 'reduction_factor' else 0}; got {pruning[k]!r}")

    epochs = train.get("epochs", 100)
    if "epochs" in [p.field for p in params]:
        space = next(p for p in params if p.field == "epochs")
        epochs = max(space.choices) if space.kind == "categorical" else space.high
    rung_epochs = raw.get("rung_epochs", max(1, math.ceil(epochs / 10)))
    if not is_int(rung_epochs) or rung_epochs < 1:
        fail("rung_epochs", f"expected an integer >= 1; got {rung_epochs!r}")
    time_limit = raw.get("time_limit")
    if time_limit is not None and (not is_number(time_limit) or not time_limit > 0):
        fail("time_limit", f"expected seconds > 0 per trial; got {time_limit!r}")
    seed = raw.get("seed", 0)
    if not is_int(seed) or seed < 0:
        fail("seed", f"expected an integer >= 0; got {seed!r}")
    return SweepSpec(name=name, data=data, model=model, train=train, method=method, params=params,
                     repeats=int(repeats), trials=int(trials), metric=metric, direction=direction,
                     pruning=pruning, rung_epochs=int(rung_epochs),
                     time_limit=None if time_limit is None else float(time_limit), seed=int(seed))


def load_spec(path):
    """Read and validate a YAML (or JSON) spec file; relative data paths are taken from its folder.

    Raises
    ------
    SpecError
        Unreadable file, bad syntax, or a bad key (named in the message).
    """
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read the spec ({exc.strerror or exc})") from None
    if str(path).lower().endswith(".json"):
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    else:
        import yaml

        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}: " if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise SpecError(f"{path}: not valid YAML ({where}{problem})") from None
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: expected a mapping of keys (name, data, model, ...); got {type(raw).__name__}")
    try:
        if isinstance(raw.get("data"), dict) and isinstance(raw["data"].get("path"), str):
            data_path = raw["data"]["path"]
            if not os.path.isabs(data_path):
                raw = {**raw, "data": {**raw["data"], "path": os.path.join(os.path.dirname(os.path.abspath(path)), data_path)}}
        stem = os.path.splitext(os.path.basename(path))[0]
        return parse_spec(raw, default_name=stem)
    except SpecError as exc:
        raise SpecError(f"{path}: {exc}") from None


def as_spec(spec):
    """A :class:`SweepSpec` from a SweepSpec, a dict or a file path."""
    if isinstance(spec, SweepSpec):
        return spec
    if isinstance(spec, dict):
        return parse_spec(spec)
    if isinstance(spec, (str, os.PathLike)):
        return load_spec(os.fspath(spec))
    raise TypeError(f"spec must be a dict, a SweepSpec or a file path; got {type(spec).__name__}")
