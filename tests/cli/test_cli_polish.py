"""What a first-time user meets: the command list, --version, defaults in --help,
cost units, ``info``'s feature list and ``layerwise datasets``.

Oracles: the package's declared version, argparse's own defaults, scikit-learn's
bundled data sets (what ``datasets`` writes must read back as the loaders' arrays),
and the estimator fitted on the same file (cost units).
"""

import importlib.metadata

import numpy as np
import pytest
import sklearn.datasets

import layerwise
from layerwise.cli import main
from layerwise.commands.datasets import DATASETS
from layerwise.sklearn import DeepRegressor
from layerwise.tables import read_table


def flat(text):
    """Rich's table without its borders, as one line (cells wrap across lines)."""
    return " ".join(text.translate({ord(c): " " for c in "│┃┌┐└┘├┤┬┴┼─━┏┓┗┛┡┩╇┳┻"}).split())


def test_bare_command_lists_every_command(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    for command in ("lab", "train", "predict", "info", "datasets"):
        assert f"    {command} " in out, out


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    out = capsys.readouterr().out.strip()
    assert out == f"layerwise {layerwise.__version__}"
    assert layerwise.__version__ == importlib.metadata.version("layerwise")


@pytest.mark.parametrize("command, shown", [
    ("train", ["(default: 200)", "(default: 64,32)", "(default: 0.2)", "(default: True)"]),
    ("predict", ["(default: .)"]),
    ("datasets", ["(default: 0)"]),
])
def test_help_shows_defaults(capsys, command, shown):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for text in shown:
        assert text in out, (text, out)


@pytest.mark.parametrize("name", list(DATASETS))
def test_datasets_match_scikit_learn(tmp_path, capsys, name):
    assert main(["datasets", name, "--dir", str(tmp_path)]) == 0
    loader, target, labels, _ = DATASETS[name]
    bunch = getattr(sklearn.datasets, loader)()
    table = read_table(str(tmp_path / f"{name}.csv"), target)
    np.testing.assert_array_equal(table.X, bunch.data)  # every value round-trips exactly
    assert table.feature_names == [f.replace(" ", "_") for f in bunch.feature_names]
    expected = np.asarray(labels)[bunch.target] if labels else bunch.target.astype(str)
    np.testing.assert_array_equal(table.y, expected)


def test_datasets_holdout_and_no_overwrite(tmp_path, capsys):
    assert main(["datasets", "wine", "--dir", str(tmp_path), "--holdout", "8", "--seed", "1"]) == 0
    kept = read_table(str(tmp_path / "wine.csv"), "cultivar")
    new = read_table(str(tmp_path / "wine_new.csv"), "cultivar", require_target=False)
    assert new.y is None and new.X.shape == (8, 13) and kept.X.shape == (170, 13)
    whole = sklearn.datasets.load_wine().data
    together = np.vstack([kept.X, new.X])
    np.testing.assert_array_equal(np.sort(together, axis=0), np.sort(whole, axis=0))
    before = (tmp_path / "wine.csv").read_bytes()
    capsys.readouterr()
    assert main(["datasets", "wine", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists; pass --force" in err
    assert (tmp_path / "wine.csv").read_bytes() == before
    assert main(["datasets", "nope", "--dir", str(tmp_path)]) == 2
    assert "unknown data set 'nope'" in capsys.readouterr().err
    assert main(["datasets", "wine", "--dir", str(tmp_path), "--force"]) == 0


def test_regression_costs_say_their_units(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # rich would cut long cells at 80 columns
    assert main(["datasets", "diabetes", "--dir", str(tmp_path)]) == 0
    model = str(tmp_path / "d.lw")
    capsys.readouterr()
    assert main(["train", str(tmp_path / "diabetes.csv"), "--target", "progression", "--hidden",
                 "16", "--epochs", "30", "--out", model, "--quiet"]) == 0
    out = flat(capsys.readouterr().out)
    assert "training cost (MSE, standardised target)" in out
    assert "validation cost (MSE, standardised target)" in out
    reg = DeepRegressor.load(model)
    best = reg.best_epoch_ if getattr(reg, "best_epoch_", None) is not None else -1
    rmse = np.sqrt(reg.validation_loss_curve_[best]) * reg.target_scale_[0]
    assert f"validation RMSE {rmse:.4g} (in progression's units)" in out


def test_info_shows_a_thirteenth_name_and_counts_the_rest(tmp_path, capsys):
    assert main(["datasets", "wine", "breast_cancer", "--dir", str(tmp_path)]) == 0
    for name, target, n in (("wine", "cultivar", 13), ("breast_cancer", "diagnosis", 30)):
        model = str(tmp_path / f"{name}.lw")
        assert main(["train", str(tmp_path / f"{name}.csv"), "--target", target, "--epochs", "2",
                     "--out", model, "--quiet"]) == 0
        capsys.readouterr()
        assert main(["info", model]) == 0
        out = flat(capsys.readouterr().out)
        if n == 13:
            assert "proline" in out and "in all" not in out  # the 13th name is shown
        else:
            assert f"... and {n - 12} more ({n} in all)" in out
