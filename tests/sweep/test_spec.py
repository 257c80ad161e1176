"""Spec parsing: the issue's example as written, defaults, and one-line refusals naming the key."""

import json
import os
import subprocess
import sys

import pytest

from conftest import cli_env
from layerwise.sweep.spec import SpecError, load_spec, parse_spec
from layerwise.sweep.study import spec_changes

ISSUE_EXAMPLE = """\
name: digits-grid
data: {name: digits}                       # or {path: my.csv, target: label}
model: {hidden: [64], activation: relu}
train: {optimizer: adam, epochs: 30, batch_size: 64, validation_fraction: 0.2}
search:
  method: grid                             # grid | random | tpe
  params:
    learning_rate: [0.001, 0.01]
    l2: [0.0, 0.01]                        # the estimators' names for TrainConfig fields
    hidden: [[32], [64]]
  repeats: 1
metric: {name: val_accuracy, direction: maximize}
"""


def test_issue_example_parses_as_written(tmp_path):
    path = tmp_path / "digits-grid.yaml"
    path.write_text(ISSUE_EXAMPLE)
    spec = load_spec(str(path))
    assert spec.name == "digits-grid" and spec.method == "grid" and spec.trials == 8
    assert spec.metric == "val_accuracy" and spec.direction == "maximize"
    assert spec.data == {"name": "digits", "task": "auto", "standardize": True, "validation_fraction": 0.2}
    assert spec.train == {"optimizer": "adam", "epochs": 30, "batch_size": 64}
    grid = spec.grid()
    assert len(grid) == 8 and grid[0] == {"learning_rate": 0.001, "l2": 0.0, "hidden": [32]}
    assert len({json.dumps(g, sort_keys=True) for g in grid}) == 8
    model, train = spec.settings({"learning_rate": 0.01, "l2": 0.01, "hidden": [64]})
    assert model == {"hidden": [64], "activation": "relu", "init": "he"}
    assert train == {"optimizer": "adam", "epochs": 30, "batch_size": 64, "learning_rate": 0.01, "lambd": 0.01}
    assert spec.rung_epochs == 3  # a tenth of the budget


def test_json_and_dict_give_the_same_spec(tmp_path):
    import yaml

    raw = yaml.safe_load(ISSUE_EXAMPLE)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(raw))
    assert load_spec(str(path)) == parse_spec(raw)
    assert parse_spec(parse_spec(raw).to_dict()) == parse_spec(raw)


def test_random_spaces():
    spec = parse_spec({"name": "r", "data": {"name": "iris"},
                       "search": {"method": "random", "trials": 5, "params": {
                           "learning_rate": {"low": 1.0e-4, "high": 1.0e-1, "log": True},
                           "batch_size": {"low": 8, "high": 64}, "hidden": {"low": 4, "high": 32, "log": True}}}})
    kinds = {p.name: (p.kind, p.log) for p in spec.params}
    assert kinds == {"learning_rate": ("float", True), "batch_size": ("int", False), "hidden": ("int", True)}
    model, train = parse_spec({**spec.to_dict(), "model": {"hidden": [10, 10]}}).settings(
        {"learning_rate": 0.01, "batch_size": 16, "hidden": 7})
    assert model["hidden"] == [7, 7] and train["batch_size"] == 16


BASE = {"name": "x", "data": {"name": "iris"}, "search": {"method": "grid", "params": {"learning_rate": [0.01]}}}


def _with(path, value):
    raw = json.loads(json.dumps(BASE))
    node = raw
    keys = path.split(".")
    for k in keys[:-1]:
        node = node.setdefault(k, {})
    if value is KeyError:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return raw


@pytest.mark.parametrize("path, value, key", [
    ("colour", "red", "colour: unknown key"),
    ("data", KeyError, "data: missing"),
    ("data.name", "mnist", "data.name: unknown data set 'mnist'"),
    ("data.path", "x.csv", "data: give exactly one of"),
    ("model.hidden", [0], "model.hidden: expected a list of positive"),
    ("model.activation", "softmax", "model.activation: expected one of"),
    ("train.epochs", 0, "train: "),
    ("train.optimizer", "sgdd", "train: "),
    ("train.seed", 3, "train.seed: use the top-level 'seed'"),
    ("train.validation_fraction", 1.5, "train.validation_fraction: expected a number in (0, 1)"),
    ("search.method", "bayes", "search.method: expected one of grid, random, tpe"),
    ("search.params", {}, "search.params: no parameters"),
    ("search.params.learning_rate", [], "search.params.learning_rate: an empty list"),
    ("search.params.learning_rate", [-0.1], "search.params.learning_rate: "),
    ("search.params.learning_rate", {"low": 0.1, "high": 0.01}, "search.params.learning_rate: low must be below high"),
    ("search.params.learning_rate", {"low": 0.0, "high": 0.1, "log": True}, "search.params.learning_rate.low: must be > 0"),
    ("search.params.learning_rate", {"low": 0.001, "high": 0.1}, "search.params.learning_rate: a grid search needs a list"),
    ("search.params.validation_fraction", [0.1, 0.2], "search.params.validation_fraction: the validation split"),
    ("search.params.hidden", [[4, 0]], "search.params.hidden: expected a list of positive"),
    ("search.params.activation", ["relu", "swish"], "search.params.activation: unknown value 'swish'"),
    ("search.repeats", 0, "search.repeats: expected an integer >= 1"),
    ("search.trials", 3, "search.trials: a grid search runs every point (1)"),
    ("metric.name", "f1", "metric.name: expected one of"),
    ("metric.name", "val_r2", "metric.name: val_r2 is a regression metric"),
    ("metric.direction", "up", "metric.direction: expected maximize or minimize"),
    ("pruning.method", "hyperband", "pruning.method: expected one of"),
    ("time_limit", -1, "time_limit: expected seconds > 0"),
    ("rung_epochs", 0, "rung_epochs: expected an integer >= 1"),
    ("name", "a/b", "name: must be usable as a file name"),
])
def test_refusals_name_the_key(path, value, key):
    with pytest.raises(SpecError) as info:
        parse_spec(_with(path, value))
    message = str(info.value)
    assert message.startswith(key), message
    assert "\n" not in message


def test_random_needs_trials():
    raw = _with("search.method", "random")
    with pytest.raises(SpecError, match=r"^search.trials|^trials: a random search needs 'trials'"):
        parse_spec(raw)


def test_cli_refuses_before_anything_runs(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(ISSUE_EXAMPLE.replace("l2: [0.0, 0.01]", "l2: [0.0, -0.01]"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    for path, key in ((bad, "search.params.l2"), (broken, "not valid YAML (line")):
        proc = subprocess.run([sys.executable, "-m", "layerwise", "sweep", str(path)], cwd=tmp_path,
                              env=cli_env(), capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and key in lines[0] and "Traceback" not in proc.stderr, proc.stderr
    assert sorted(os.listdir(tmp_path)) == ["bad.yaml", "broken.yaml"]  # no storage, no checkpoints


def test_spec_changes():
    old = parse_spec(_with("search.params.learning_rate", [0.01, 0.1])).to_dict()
    assert spec_changes(old, old) == []
    wider = parse_spec(_with("search.params.learning_rate", [0.01, 0.1, 0.3])).to_dict()
    assert spec_changes(old, wider) == []
    narrower = parse_spec(_with("search.params.learning_rate", [0.01])).to_dict()
    assert spec_changes(old, narrower) == ["search.params.learning_rate: value 0.1 removed"]
    other = parse_spec({**_with("search.params.learning_rate", [0.01, 0.1]), "model": {"hidden": [5]}}).to_dict()
    assert spec_changes(old, other) == ["model.hidden: [64] -> [5]"]
    hidden = {**BASE, "search": {"method": "grid", "params": {"hidden": [[4], [8]]}}}
    more_hidden = {**BASE, "search": {"method": "grid", "params": {"hidden": [[4], [8], [16]]}}}
    (message,) = spec_changes(parse_spec(hidden).to_dict(), parse_spec(more_hidden).to_dict())
    assert message.startswith("search.params.hidden: values [[16]] added, but Optuna cannot widen")
    limited = parse_spec({**_with("search.params.learning_rate", [0.01, 0.1]), "time_limit": 5}).to_dict()
    assert spec_changes(old, limited) == []
