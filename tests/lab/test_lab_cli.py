"""The lab's command line: --data files, bad input (one stderr line, exit 2, nothing written)."""

import json
import os

import numpy as np
import pytest

from layerwise.cli import main
from layerwise.lab.data import football, load_data_file


def _run(capsys, *argv):
    status = main(["lab", *argv])
    captured = capsys.readouterr()
    return status, captured.err


def _small_set(seed=0):
    X, Y, Xt, Yt = football(n_train=40, n_test=30, seed=seed)
    return X.T, Y.T, Xt.T, Yt.T  # rows are samples, as in the course's data.mat


def _assert_refused(tmp_path, capsys, argv):
    out = tmp_path / "report"
    status, err = _run(capsys, *argv, "--out", str(out))
    assert status == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("layerwise lab: error:")
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == sorted(p for p in os.listdir(tmp_path)
                                                  if not p.startswith(".report"))
    return err


def test_data_mat_runs_regularization(tmp_path, capsys):
    import scipy.io

    X, y, Xval, yval = _small_set()
    path = tmp_path / "data.mat"
    scipy.io.savemat(path, {"X": X, "y": y.astype(np.uint8), "Xval": Xval,
                            "yval": yval.astype(np.uint8)})
    out = tmp_path / "report"
    status, _ = _run(capsys, "regularization", "--quick", "--data", str(path), "--out", str(out))
    assert status == 0
    results = json.loads((out / "results.json").read_text())
    exp = results["experiments"]["regularization"]
    assert exp["setup"]["data"] == "--data data.mat"
    assert exp["setup"]["n_train"] == 40 and exp["setup"]["n_test"] == 30
    assert set(exp["runs"]) == {"none", "l2", "dropout"}
    assert list(results["experiments"]) == ["regularization"]
    for fig in exp["figures"]:
        assert (out / fig).is_file()


def test_data_csv_gives_the_same_run_as_npz(tmp_path, capsys):
    X, y, Xval, yval = _small_set(seed=3)
    csv = tmp_path / "data.csv"
    lines = ["x1,x2,y,split"]
    lines += [f"{float(a)!r},{float(b)!r},{int(c)},train" for (a, b), c in zip(X, y[:, 0])]
    lines += [f"{float(a)!r},{float(b)!r},{int(c)},test" for (a, b), c in zip(Xval, yval[:, 0])]
    csv.write_text("\n".join(lines) + "\n")
    npz = tmp_path / "data.npz"
    np.savez(npz, X=X, y=y, Xval=Xval, yval=yval)
    a, b = load_data_file(csv), load_data_file(npz)
    for key in ("X_train", "Y_train", "X_test", "Y_test"):
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert a["X_train"].shape == (2, 40) and a["Y_test"].shape == (1, 30)
    out = tmp_path / "report"
    status, _ = _run(capsys, "regularization", "--quick", "--data", str(csv), "--out", str(out))
    assert status == 0
    runs = json.loads((out / "results.json").read_text())["experiments"]["regularization"]["runs"]
    assert all(0 <= r["test_accuracy"] <= 1 for r in runs.values())


def _write_mat(path, **arrays):
    import scipy.io

    scipy.io.savemat(path, arrays)
    return path


@pytest.mark.parametrize("case", ["missing_key", "wrong_shape", "mismatched_features",
                                  "labels_not_binary", "not_numeric_csv", "unreadable_mat",
                                  "csv_without_split", "nan_values", "no_such_file",
                                  "unknown_extension", "complex_values"])
def test_bad_data_file_is_refused_before_anything_runs(tmp_path, capsys, case):
    X, y, Xval, yval = _small_set()
    path = tmp_path / "bad.mat"
    if case == "missing_key":
        _write_mat(path, X=X, y=y, Xval=Xval)
    elif case == "wrong_shape":
        _write_mat(path, X=X, y=y[:10], Xval=Xval, yval=yval)
    elif case == "mismatched_features":
        _write_mat(path, X=X, y=y, Xval=np.hstack([Xval, Xval]), yval=yval)
    elif case == "labels_not_binary":
        _write_mat(path, X=X, y=y * 3, Xval=Xval, yval=yval)
    elif case == "nan_values":
        X = X.copy()
        X[0, 0] = np.nan
        _write_mat(path, X=X, y=y, Xval=Xval, yval=yval)
    elif case == "complex_values":
        _write_mat(path, X=X * 1j, y=y, Xval=Xval, yval=yval)
    elif case == "unreadable_mat":
        path.write_bytes(b"this is not a MATLAB file at all" * 10)
    elif case == "not_numeric_csv":
        path = tmp_path / "bad.csv"
        path.write_text("x1,x2,y,split\n0.1,0.2,1,train\nabc,0.3,0,test\n")
    elif case == "csv_without_split":
        path = tmp_path / "bad.csv"
        path.write_text("x1,x2,y\n0.1,0.2,1\n")
    elif case == "no_such_file":
        path = tmp_path / "absent.mat"
    elif case == "unknown_extension":
        path = tmp_path / "data.txt"
        path.write_text("1 2 3\n")
    err = _assert_refused(tmp_path, capsys, ["--quick", "--data", str(path)])
    assert os.path.basename(str(path)) in err


def test_unknown_experiment_is_refused(tmp_path, capsys):
    err = _assert_refused(tmp_path, capsys, ["init", "nonsense"])
    assert "nonsense" in err and "regularization" in err


def test_a_non_empty_out_is_refused_without_force_and_user_files_survive_force(tmp_path, capsys):
    out = tmp_path / "report"
    out.mkdir()
    (out / "stale.txt").write_text("mine")
    status, err = _run(capsys, "gradcheck", "--out", str(out))
    assert status == 2 and "not empty" in err and "--force" in err
    assert os.listdir(out) == ["stale.txt"]
    status, _ = _run(capsys, "gradcheck", "ewa", "--out", str(out), "--force")
    assert status == 0
    assert (out / "stale.txt").read_text() == "mine"  # never deleted, even with --force
    results = json.loads((out / "results.json").read_text())
    assert list(results["experiments"]) == ["gradcheck", "ewa"]
    assert os.listdir(tmp_path) == ["report"]  # no temporary directory left


def test_a_failing_experiment_leaves_no_report(tmp_path, capsys, monkeypatch):
    from layerwise.lab import ewa

    def broken(ctx):
        raise ValueError("boom")

    monkeypatch.setattr(ewa, "run", broken)
    out = tmp_path / "report"
    status, err = _run(capsys, "ewa", "--out", str(out))
    assert status == 2 and "boom" in err
    assert os.listdir(tmp_path) == []


def test_output_works_without_a_terminal(tmp_path, capsys):
    status = main(["lab", "gradcheck", "--out", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert status == 0
    assert "N-D, buggy backward" in out and "b1, W2" in out  # the table
    assert out.rstrip().endswith("index.html")  # then the report's path
