"""``layerwise train`` interrupted by Ctrl-C at random moments: exit 130, one line,
the model file that was there before untouched, no temporary files left."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest


def _csv(path, m=400):
    rng = np.random.RandomState(0)
    X = rng.randn(m, 4)
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int)
    with open(path, "w") as f:
        f.write("a,b,c,d,y\n")
        for row, label in zip(X, y):
            f.write(",".join(f"{v:.6f}" for v in row) + f",{label}\n")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_train_interrupted_at_random_moments(tmp_path):
    data = tmp_path / "data.csv"
    _csv(data)
    model = tmp_path / "model.lw"
    model.write_bytes(b"the user's own file, not a model")
    before = model.read_bytes()
    rng = np.random.default_rng(0)
    cmd = [sys.executable, "-c", "import sys; from layerwise.cli import main; sys.exit(main())",
           "train", str(data), "--target", "y", "--epochs", "100000", "--patience", "100000",
           "--out", str(model), "--quiet", "--hidden", "64,64", "--batch-size", "8"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # How long start-up, reading and one epoch take here: the signals come later,
    # while training runs (Ctrl-C during start-up is another test's matter).
    start = time.perf_counter()
    one = cmd[:cmd.index("--epochs") + 1] + ["1"] + cmd[cmd.index("--epochs") + 2:]
    one[one.index("--out") + 1] = str(tmp_path / "probe.lw")
    subprocess.run(one, capture_output=True, timeout=120, env=env, cwd=tmp_path, check=True)
    startup = time.perf_counter() - start
    for name in ("probe.lw", "probe_curve.png"):
        (tmp_path / name).unlink(missing_ok=True)
    for delay in startup + rng.uniform(0.2, 2.0, size=3):
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env, cwd=tmp_path)
        time.sleep(float(delay))
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, (proc.returncode, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
        assert model.read_bytes() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "model.lw"]
