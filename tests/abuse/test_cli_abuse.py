"""The command line under abuse: nothing the user owns is destroyed, no traceback ever.

Every refused case checks the issue's rules: exit status 2 (1 for an internal
error), exactly one line on stderr, no traceback, no file left behind (no
litter), and every input byte-identical afterwards.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import signal
import stat
import subprocess
import sys
import time

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from layerwise.cli import main

pytestmark = pytest.mark.filterwarnings("ignore:X does not have valid feature names")

ENTRY = [sys.executable, "-c", "import sys; from layerwise.cli import main; sys.exit(main())"]


def write_csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def snapshot(directory):
    """Every entry under ``directory`` with its content digest (links as their target)."""
    found = {}
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, directory)
            if os.path.islink(path):
                found[rel] = ("link", os.readlink(path))
            elif os.path.isfile(path):
                with open(path, "rb") as handle:
                    found[rel] = ("file", hashlib.sha256(handle.read()).hexdigest())
            elif os.path.isdir(path):
                found[rel] = ("dir",)
            else:
                found[rel] = ("special",)
    return found


def refused(capsys, argv, *, status=2, contains=None):
    """Run ``layerwise argv`` in-process; check the one-line refusal and return it."""
    assert main(argv) == status
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    if contains is not None:
        assert contains in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def flowers(tmp_path_factory):
    """A classification CSV and a model trained on it."""
    d = tmp_path_factory.mktemp("flowers")
    X, y = make_blobs(60, n_features=3, centers=3, random_state=0)
    data = write_csv(d / "flowers.csv", ["a", "b", "c", "species"],
                     [[*x, s] for x, s in zip(X, np.array(["x", "y", "z"])[y])])
    model = str(d / "flowers.lw")
    assert main(["train", data, "--target", "species", "--hidden", "8", "--epochs", "5",
                 "--out", model, "--quiet"]) == 0
    return data, model


@pytest.fixture()
def workspace(tmp_path, flowers):
    """A directory with copies of the data and the model (so tests may link to them)."""
    data, model = flowers
    (tmp_path / "data.csv").write_bytes(open(data, "rb").read())
    (tmp_path / "model.lw").write_bytes(open(model, "rb").read())
    return tmp_path


# ------------------------------------------------------------ --out is an input
@pytest.mark.parametrize("how", ["same path", "symlink", "hard link", "relative path"])
def test_train_out_equal_to_the_input_is_refused(workspace, capsys, how, monkeypatch):
    data = workspace / "data.csv"
    out = {"same path": data, "symlink": workspace / "alias.csv",
           "hard link": workspace / "hard.csv", "relative path": "./data.csv"}[how]
    if how == "symlink":
        out.symlink_to(data)
    if how == "hard link":
        os.link(data, out)
    monkeypatch.chdir(workspace)
    before = snapshot(workspace)
    refused(capsys, ["train", str(data), "--target", "species", "--out", str(out), "--quiet"])
    assert snapshot(workspace) == before


@pytest.mark.parametrize("which", ["model", "data"])
@pytest.mark.parametrize("how", ["same path", "symlink", "hard link"])
def test_predict_out_equal_to_an_input_is_refused(workspace, capsys, which, how):
    target = workspace / ("model.lw" if which == "model" else "data.csv")
    out = {"same path": target, "symlink": workspace / "alias", "hard link": workspace / "hard"}[how]
    if how == "symlink":
        out.symlink_to(target)
    if how == "hard link":
        os.link(target, out)
    before = snapshot(workspace)
    refused(capsys, ["predict", str(workspace / "model.lw"), str(workspace / "data.csv"),
                     "--out", str(out)])
    assert snapshot(workspace) == before


def test_existing_symlink_and_special_files_at_out_are_refused(workspace, capsys):
    elsewhere = workspace / "elsewhere.txt"
    elsewhere.write_text("keep me")
    link = workspace / "link.lw"
    link.symlink_to(elsewhere)
    before = snapshot(workspace)
    for out, what in [(link, "symbolic link"), ("/dev/null", "character device"),
                      (workspace, "directory")]:
        refused(capsys, ["train", str(workspace / "data.csv"), "--target", "species",
                         "--out", str(out), "--quiet"], contains=what)
        refused(capsys, ["predict", str(workspace / "model.lw"), str(workspace / "data.csv"),
                         "--out", str(out)], contains=what)
    assert snapshot(workspace) == before
    assert os.path.islink(link) and elsewhere.read_text() == "keep me"
    fifo = workspace / "fifo.csv"
    os.mkfifo(fifo)
    refused(capsys, ["predict", str(workspace / "model.lw"), str(workspace / "data.csv"),
                     "--out", str(fifo)], contains="FIFO")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_bad_out_directory_is_refused_before_training(workspace, capsys, monkeypatch):
    import layerwise.estimators.classifier as classifier

    def no_fit(*args, **kwargs):
        raise AssertionError("training started before --out was checked")

    monkeypatch.setattr(classifier.DeepClassifier, "fit", no_fit)
    before = snapshot(workspace)
    line = refused(capsys, ["train", str(workspace / "data.csv"), "--target", "species",
                            "--out", str(workspace / "missing" / "m.lw"), "--quiet"],
                   contains="does not exist")
    assert ".tmp" not in line and ".layerwise" not in line  # names the user's path, not a temporary
    assert snapshot(workspace) == before


# ------------------------------------------------------------------ file modes
@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_outputs_keep_the_umask_mode(workspace, capsys, umask, mode):
    old = os.umask(umask)
    try:
        assert main(["train", str(workspace / "data.csv"), "--target", "species", "--hidden", "4",
                     "--epochs", "2", "--out", str(workspace / "m.lw"), "--quiet"]) == 0
        assert main(["predict", str(workspace / "m.lw"), str(workspace / "data.csv"),
                     "--out", str(workspace / "p.csv")]) == 0
    finally:
        os.umask(old)
    capsys.readouterr()
    for name in ("m.lw", "m_curve.png", "p.csv"):
        assert stat.S_IMODE(os.stat(workspace / name).st_mode) == mode, name


# ------------------------------------------------------------- resource limits
def test_huge_hidden_and_empty_hidden_are_refused(workspace, capsys):
    data = str(workspace / "data.csv")
    line = refused(capsys, ["train", data, "--target", "species", "--hidden", "1000000,1000000",
                            "--out", str(workspace / "m.lw")], contains="1,000,00")
    assert "parameters" in line and "TB" in line
    refused(capsys, ["train", data, "--target", "species", "--hidden", "",
                     "--out", str(workspace / "m.lw")], contains="at least one layer size")
    refused(capsys, ["train", data, "--target", "species", "--hidden", ",",
                     "--out", str(workspace / "m.lw")], contains="at least one layer size")
    assert not (workspace / "m.lw").exists()


def test_too_many_classes_is_refused_before_allocating(tmp_path, capsys):
    n = 10_001
    rng = np.random.default_rng(0)
    data = write_csv(tmp_path / "many.csv", ["a", "label"],
                     [[f"{v:.3f}", f"class{i}"] for i, v in enumerate(rng.standard_normal(n))])
    before = snapshot(tmp_path)
    line = refused(capsys, ["train", data, "--target", "label", "--out", str(tmp_path / "m.lw")],
                   contains="10,001 distinct classes")
    assert "at most 10,000" in line
    assert snapshot(tmp_path) == before


def test_large_integer_labels_stay_exact(tmp_path, capsys):
    big = [2**53, 2**53 + 1, 2**62 + 3]
    rng = np.random.default_rng(1)
    rows = [[f"{i % 3 + 0.01 * rng.standard_normal():.4f}", big[i % 3]] for i in range(60)]
    data = write_csv(tmp_path / "big.csv", ["x", "label"], rows)
    model = str(tmp_path / "m.lw")
    assert main(["train", data, "--target", "label", "--hidden", "8", "--epochs", "3",
                 "--out", model, "--quiet"]) == 0
    capsys.readouterr()
    from layerwise.sklearn import DeepClassifier

    classes = DeepClassifier.load(model).classes_
    assert classes.dtype == np.int64 and classes.tolist() == big  # three classes, exact
    assert main(["predict", model, data]) == 0
    predicted = {int(row[0]) for row in list(csv.reader(io.StringIO(capsys.readouterr().out)))[1:]}
    assert predicted <= set(big)
    # Beyond int64 the labels are kept as their exact text.
    huge = ["1000000000000000000000000000000", "1000000000000000000000000000001"]
    rows = [[f"{i % 2 + 0.01 * rng.standard_normal():.4f}", huge[i % 2]] for i in range(40)]
    data = write_csv(tmp_path / "huge.csv", ["x", "label"], rows)
    assert main(["train", data, "--target", "label", "--hidden", "4", "--epochs", "2",
                 "--out", model, "--quiet"]) == 0
    capsys.readouterr()
    assert DeepClassifier.load(model).classes_.tolist() == huge


# ------------------------------------------------------- damaged model files
def test_damaged_models_give_one_line_for_info_and_predict(workspace, capsys):
    sys.path.insert(0, os.path.dirname(__file__))
    from fuzz_corpus import corpus

    model_bytes = (workspace / "model.lw").read_bytes()
    bad = workspace / "bad.lw"
    data = workspace / "data.csv"
    data_digest = hashlib.sha256(data.read_bytes()).hexdigest()
    picked = [c for i, c in enumerate(corpus({"classifier": model_bytes}, seed=3)) if i % 37 == 0]
    assert len(picked) >= 50
    for case in picked:
        bad.write_bytes(case.data)
        for argv in (["info", str(bad)], ["predict", str(bad), str(data)]):
            status = main(argv)
            captured = capsys.readouterr()
            if status == 0:  # a harmless mutation: it must be the original model
                assert case.expect != "refuse", case.name
                continue
            assert status == 2, (case.name, captured.err)
            lines = captured.err.splitlines()
            assert len(lines) == 1 and "Traceback" not in captured.err, (case.name, captured.err)
            assert captured.out == ""
    assert hashlib.sha256(data.read_bytes()).hexdigest() == data_digest
    for special in ("/dev/zero", "/dev/urandom"):
        refused(capsys, ["info", special], contains="device")


# ----------------------------------------------------------- internal errors
def test_internal_error_is_one_line_and_debug_shows_the_traceback(workspace, capsys, monkeypatch):
    import layerwise.commands.info as info

    def broken(args):
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(info, "run", broken)
    line = refused(capsys, ["info", str(workspace / "model.lw")], status=1,
                   contains="layerwise info: internal error: RuntimeError: something inside broke")
    assert "--debug" in line
    assert main(["--debug", "info", str(workspace / "model.lw")]) == 1
    assert "Traceback" in capsys.readouterr().err
    monkeypatch.setenv("LAYERWISE_DEBUG", "1")
    assert main(["info", str(workspace / "model.lw")]) == 1
    assert "Traceback" in capsys.readouterr().err


# ------------------------------------------------------------------ SIGTERM
def _big_csv(path, rows=20000):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((rows, 8))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    np.savetxt(path, np.column_stack([X, y]), delimiter=",", fmt="%.5f",
               header=",".join([f"f{i}" for i in range(8)] + ["t"]), comments="")


def _wait_for_handler(pid, signum, timeout=60):
    """Wait until process ``pid`` catches ``signum`` (its handler is installed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/status") as handle:
            caught = next(int(line.split()[1], 16) for line in handle if line.startswith("SigCgt"))
        if caught >> (signum - 1) & 1:
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} never installed a handler for signal {signum}")


@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stopped_train_keeps_the_old_model_and_leaves_no_litter(tmp_path, signum, status):
    data = tmp_path / "big.csv"
    _big_csv(data)
    model = tmp_path / "m.lw"
    model.write_bytes(b"the user's previous model")
    before = snapshot(tmp_path)
    proc = subprocess.Popen(ENTRY + ["train", str(data), "--target", "t", "--hidden", "64,64",
                                     "--epochs", "100000", "--out", str(model), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_handler(proc.pid, signal.SIGTERM)  # the command is running (not still importing)
    time.sleep(1.5)  # and into the fit
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert snapshot(tmp_path) == before  # old model untouched, no curve, no temporary


def test_a_killed_save_leaves_one_temporary_that_the_next_save_removes(tmp_path):
    from layerwise import Network
    from layerwise.files import temporary_name

    target = tmp_path / "net.lw"
    code = ("import os, sys, numpy as np, layerwise.files as f\n"
            "from layerwise import Network\n"
            "real = f.os.replace\n"
            "def stall(src, dst): os.kill(os.getpid(), 9)\n"  # killed between write and rename
            "f.os.replace = stall\n"
            f"Network([3, 4, 1], seed=0).save({str(target)!r})\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert result.returncode == -signal.SIGKILL
    left = [n for n in os.listdir(tmp_path)]
    assert len(left) == 1 and left[0].startswith(".net.lw.") and left[0].endswith(".tmp"), left
    assert os.path.basename(temporary_name(target)).startswith(".net.lw.")
    Network([3, 4, 1], seed=0).save(target)
    assert os.listdir(tmp_path) == ["net.lw"]  # the dead process's temporary is gone
