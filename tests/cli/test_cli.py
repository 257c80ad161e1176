"""``layerwise train / predict / info`` end to end on files written here.

Oracles: the data's own labels (accuracy), the estimator API on the saved
model (predict through the CLI == predict in Python), and the rules in the
issue for bad input (exit 2, one stderr line, no traceback, no output file).
"""

import csv
import io
import os
import subprocess
import sys

import numpy as np
import pytest

# The tests call predict with plain arrays on models fitted with feature names.
pytestmark = pytest.mark.filterwarnings("ignore:X does not have valid feature names")
from sklearn.datasets import make_blobs, make_regression

from layerwise.cli import main
from layerwise.sklearn import DeepClassifier, DeepRegressor

NAMES = ["alpha", "beta", "gamma"]
SPECIES = np.array(["setosa", "versicolor", "virginica"])


def write_csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(150, n_features=3, centers=3, cluster_std=1.0, random_state=0)
    return X, SPECIES[y]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, blobs):
    """A classification CSV and the model trained on it (through main, in-process)."""
    d = tmp_path_factory.mktemp("trained")
    X, y = blobs
    data = write_csv(d / "flowers.csv", NAMES + ["species"], [[*x, t] for x, t in zip(X, y)])
    model = str(d / "flowers.lw")
    assert main(["train", data, "--target", "species", "--hidden", "16", "--epochs", "60",
                 "--learning-rate", "0.01",
                 "--out", model, "--quiet"]) == 0
    return d, data, model


def read_output(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def test_train_writes_model_curve_and_summary(tmp_path, blobs, capsys):
    X, y = blobs
    data = write_csv(tmp_path / "d.csv", NAMES + ["species"], [[*x, t] for x, t in zip(X, y)])
    out = tmp_path / "m.lw"
    assert main(["train", data, "--target", "species", "--hidden", "8,8", "--epochs", "30",
                 "--optimizer", "adam", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "summary" in captured.out and "validation accuracy" in captured.out
    assert "epoch 30/30" in captured.out or "epoch" in captured.out  # the progress bar
    assert out.exists() and (tmp_path / "m_curve.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(os.listdir(tmp_path)) == ["d.csv", "m.lw", "m_curve.png"]  # no temp files left
    clf = DeepClassifier.load(out)
    np.testing.assert_array_equal(clf.classes_, SPECIES)
    np.testing.assert_array_equal(clf.feature_names_in_, NAMES)
    np.testing.assert_allclose(clf.input_mean_, X.mean(axis=0))  # statistics kept in the model


def test_predict_matches_estimator_and_labels(trained, blobs, capsys):
    d, data, model = trained
    X, y = blobs
    assert main(["predict", model, data, "--proba"]) == 0
    header, rows = read_output(capsys.readouterr().out)
    assert header == ["species"] + [f"proba_{s}" for s in SPECIES]
    labels = np.array([r[0] for r in rows])
    assert np.mean(labels == y) > 0.9
    clf = DeepClassifier.load(model)
    np.testing.assert_array_equal(labels, clf.predict(X))
    np.testing.assert_allclose(np.array([r[1:] for r in rows], dtype=float), clf.predict_proba(X),
                               atol=1e-6)


def test_predict_matches_features_by_name_without_target(trained, blobs, capsys):
    d, data, model = trained
    X, y = blobs
    shuffled = write_csv(d / "shuffled.csv", ["gamma", "alpha", "beta"], X[:, [2, 0, 1]])
    assert main(["predict", model, shuffled]) == 0
    _, rows = read_output(capsys.readouterr().out)
    np.testing.assert_array_equal([r[0] for r in rows], DeepClassifier.load(model).predict(X))


def test_info(trained, capsys):
    _, _, model = trained
    assert main(["info", model]) == 0
    out = capsys.readouterr().out
    for text in ("DeepClassifier", "3 -> 16 -> 3", "setosa", "alpha", "standardize", "species"):
        assert text in out


def test_regression_csv_and_task_rule(tmp_path, capsys):
    X, t = make_regression(120, n_features=3, noise=0.5, random_state=0)
    t = 50 * t + 1000
    data = write_csv(tmp_path / "r.csv", NAMES + ["price"], [[*x, v] for x, v in zip(X, t)])
    out = str(tmp_path / "r.lw")
    assert main(["train", data, "--target", "price", "--hidden", "32", "--epochs", "150",
                 "--learning-rate", "0.01", "--out", out, "--quiet"]) == 0
    assert "regress" in capsys.readouterr().out
    assert main(["predict", out, data]) == 0
    _, rows = read_output(capsys.readouterr().out)
    pred = np.array([float(r[0]) for r in rows])
    assert 1 - np.sum((pred - t) ** 2) / np.sum((t - t.mean()) ** 2) > 0.9
    # Six significant digits, as the probabilities: half a unit in the 6th digit at most.
    np.testing.assert_allclose(pred, DeepRegressor.load(out).predict(X), rtol=5e-6, atol=0)
    assert all(len(r[0].lstrip("-").replace(".", "").lstrip("0")) <= 6 for r in rows)
    # Integer-valued targets with few values are classes; --task regress overrides.
    ints = write_csv(tmp_path / "i.csv", NAMES + ["grade"], [[*x, int(v > 0) + 1] for x, v in zip(X, t - 1000)])
    assert main(["train", ints, "--target", "grade", "--epochs", "5", "--out", out, "--quiet"]) == 0
    assert DeepClassifier.load(out).classes_.tolist() == [1, 2]
    assert main(["train", ints, "--target", "grade", "--epochs", "5", "--out", out, "--quiet",
                 "--task", "regress"]) == 0
    DeepRegressor.load(out)


def test_npz_input(tmp_path, blobs, capsys):
    X, y = blobs
    np.savez(tmp_path / "d.npz", X=X, y=np.searchsorted(SPECIES, y), feature_names=np.array(NAMES))
    out = str(tmp_path / "n.lw")
    assert main(["train", str(tmp_path / "d.npz"), "--epochs", "10", "--out", out, "--quiet"]) == 0
    capsys.readouterr()
    assert main(["predict", out, str(tmp_path / "d.npz")]) == 0
    _, rows = read_output(capsys.readouterr().out)
    assert len(rows) == len(y)


# ------------------------------------------------------------------ bad input
def _bad_files(d, model):
    csvs = {
        "empty": "",
        "header_only": "alpha,beta,gamma,species\n",
        "non_numeric": "alpha,beta,gamma,species\n" + "1,2,3,a\n" * 5 + "1,two,3,b\n" + "1,2,3,b\n" * 5,
        "nan": "alpha,beta,gamma,species\n" + "1,2,3,a\n" * 5 + "1,nan,3,b\n" + "1,2,3,b\n" * 5,
        "blank_cell": "alpha,beta,gamma,species\n" + "1,2,3,a\n" * 5 + "1,,3,b\n" + "1,2,3,b\n" * 5,
        "two_features": "alpha,beta\n1,2\n3,4\n",
    }
    paths = {}
    for name, text in csvs.items():
        paths[name] = str(d / f"{name}.csv")
        with open(paths[name], "w") as handle:
            handle.write(text)
    not_model = d / "not_model.lw"
    not_model.write_text("this is not a model\n")
    truncated = d / "truncated.lw"
    truncated.write_bytes(open(model, "rb").read()[:200])
    paths["not_model"], paths["truncated"] = str(not_model), str(truncated)
    return paths


BAD_TRAIN = [("missing target", ["--target", "nope"], "flowers", "no column 'nope'"),
             ("empty file", ["--target", "species"], "empty", "empty"),
             ("no rows", ["--target", "species"], "header_only", "no data rows"),
             ("non-numeric", ["--target", "species"], "non_numeric", "non-numeric value 'two'"),
             ("NaN", ["--target", "species"], "nan", "missing value"),
             ("blank cell", ["--target", "species"], "blank_cell", "missing value")]


@pytest.mark.parametrize("case, options, file, message", BAD_TRAIN, ids=[c[0] for c in BAD_TRAIN])
def test_bad_train_input(trained, capsys, tmp_path, case, options, file, message):
    d, data, model = trained
    paths = _bad_files(tmp_path, model)
    paths["flowers"] = data
    out = tmp_path / "out.lw"
    before = sorted(os.listdir(tmp_path))
    assert main(["train", paths[file], *options, "--out", str(out), "--quiet"]) == 2
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in captured.err, captured.err
    assert captured.out == ""
    assert sorted(os.listdir(tmp_path)) == before  # no model, no curve, no temp file


BAD_PREDICT = [("wrong feature count", "model", "two_features", "expects 3"),
               ("non-numeric", "model", "non_numeric", "non-numeric"),
               ("NaN", "model", "nan", "missing value"),
               ("empty", "model", "empty", "empty"),
               ("not a model file", "not_model", "flowers", "not a readable layerwise model file"),
               ("truncated model", "truncated", "flowers", "layerwise model file")]


@pytest.mark.parametrize("case, model_key, file, message", BAD_PREDICT, ids=[c[0] for c in BAD_PREDICT])
def test_bad_predict_input(trained, capsys, tmp_path, case, model_key, file, message):
    d, data, model = trained
    paths = _bad_files(tmp_path, model)
    paths["flowers"], paths["model"] = data, model
    out = tmp_path / "pred.csv"
    assert main(["predict", paths[model_key], paths[file], "--out", str(out)]) == 2
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in captured.err, captured.err
    assert captured.out == "" and not out.exists()
    assert main(["predict", paths[model_key], paths[file]]) == 2  # and nothing on stdout
    assert capsys.readouterr().out == ""


def test_info_rejects_non_model(tmp_path, capsys):
    bad = tmp_path / "x.lw"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["info", str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "model file" in err[0]


def test_subprocess_end_to_end(trained, tmp_path):
    d, data, model = trained
    # The entry point's own code path (``python -m layerwise.cli`` would load cli.py
    # a second time as __main__, with a CLIError class of its own).
    run = [sys.executable, "-c", "import sys; from layerwise.cli import main; sys.exit(main())"]
    ok = subprocess.run(run + ["predict", model, data], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and ok.stdout.splitlines()[0] == "species"
    assert len(ok.stdout.splitlines()) == 151
    missing = subprocess.run(run + ["train", data, "--target", "nope", "--out", str(tmp_path / "m.lw")],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and missing.stdout == ""
    assert len(missing.stderr.splitlines()) == 1 and "Traceback" not in missing.stderr
    assert not (tmp_path / "m.lw").exists()


def test_diverging_train_gives_one_stderr_line(tmp_path):
    # A learning rate far too large: the fit diverges; the user must see one line, no warnings.
    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    path = tmp_path / "reg.csv"
    write_csv(path, ["a", "b", "c", "t"], [[*row, 1e3 * row.sum()] for row in X])
    out = tmp_path / "m.lw"
    result = subprocess.run(
        [sys.executable, "-m", "layerwise", "train", str(path), "--target", "t", "--task", "regress",
         "--optimizer", "gd", "--learning-rate", "1e6", "--epochs", "20", "--out", str(out),
         "--quiet"], capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "learning_rate" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()
