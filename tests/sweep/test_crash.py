"""Crash survival: a coordinator killed with SIGKILL and resumed, a worker process
killed mid-rung, Ctrl-C on the command line and ``--resume``.

Oracle: the same sweep run without interruption (and each configuration trained
directly, for the worker-kill test); what Optuna held at the moment of the kill.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import optuna
import pytest
from optuna.trial import TrialState

import layerwise.sweep as sweep
from conftest import cli_env, iris_spec
from layerwise.sweep.spec import decoded_params
from layerwise.sweep.storage import CheckpointStore
from oracle import train_directly

TESTS = os.path.dirname(os.path.abspath(__file__))

COORDINATOR = """
import json, logging, sys
sys.path.insert(0, {tests!r})
import conftest  # noqa: F401  (test helpers)
from distributed import Client, LocalCluster
import layerwise.sweep as sweep

if __name__ == "__main__":
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                           silence_logs=logging.ERROR)
    sweep.run(json.loads(sys.argv[1]), storage=sys.argv[2], client=Client(cluster), progress=False)
"""


def crash_spec(name, method):
    spec = iris_spec(name, method=method, rung_epochs=3)
    spec["train"]["epochs"] = 18
    if method == "grid":
        spec["search"]["params"]["l2"] = [0.0, 0.05]
    else:
        spec["search"]["trials"] = 8
    return spec


def _counts(db):
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
        states = dict(connection.execute("SELECT state, COUNT(*) FROM trials GROUP BY state").fetchall())
        reported_running = connection.execute(
            "SELECT COUNT(*) FROM trial_intermediate_values v JOIN trials t ON v.trial_id = t.trial_id "
            "WHERE t.state = 'RUNNING'").fetchone()[0]
    return states.get("COMPLETE", 0), reported_running


def _wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except sqlite3.Error:  # the tables are not created yet, or a write is in progress
            pass
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _record(study):
    return {t.number: (t.state, t.system_attrs.get("fixed_params", t.params), t.value, dict(t.intermediate_values))
            for t in study.get_trials()}


def _by_params(study):
    return {json.dumps(t.params, sort_keys=True): (t.value, dict(t.intermediate_values)) for t in study.get_trials()}


@pytest.mark.parametrize("method", ["grid", "random"])
def test_coordinator_sigkill_then_resume(method, thread_client, tmp_path):
    spec = crash_spec(f"crash-{method}", method)
    db = tmp_path / "crash.db"
    script = tmp_path / "coordinator.py"
    script.write_text(COORDINATOR.format(tests=TESTS))
    proc = subprocess.Popen([sys.executable, str(script), json.dumps(spec), str(db)], env=cli_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(lambda: proc.poll() is None and _counts(db)[0] >= 2 and _counts(db)[1] >= 1, 120,
                  "two complete trials and a reported rung of a running one")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
    url = f"sqlite:///{db}"
    at_kill = _record(optuna.load_study(study_name=spec["name"], storage=url))
    running = {n for n, r in at_kill.items() if r[0] == TrialState.RUNNING}
    assert running, "the kill came after the sweep finished"
    store = CheckpointStore(str(tmp_path / "crash.checkpoints"))
    checkpointed = {n: store.load(n, 1)[0]["epoch"] for n in running if os.path.exists(store.path(n))}
    assert any(e > 0 for e in checkpointed.values())

    result = sweep.run(spec, storage=str(db), client=thread_client, progress=False, resume=True)
    after = _record(result.study)
    assert len(after) == 8 and all(r[0] == TrialState.COMPLETE for r in after.values())
    assert len({json.dumps(r[1], sort_keys=True) for r in after.values()}) == 8  # each point once
    for number, (state, params, value, reported) in at_kill.items():
        assert after[number][1] == params  # same parameters
        assert reported.items() <= after[number][3].items(), number  # nothing reported was lost
        if state == TrialState.COMPLETE:
            assert after[number][2] == value
    for number, epoch in checkpointed.items():  # resumed from the checkpoint, not from epoch 0
        rungs = store.load(number, 1)[0]["rungs"]
        assert [r["from"] for r in rungs] == list(range(0, 18, 3)), rungs
    if method == "grid":  # uninterrupted: each point trained directly, in one go
        for t in result.study.get_trials():
            history = train_directly(spec, decoded_params(t.params))[0]
            assert t.value == history["val_accuracy"][-1]
            assert t.intermediate_values == {e: history["val_accuracy"][e - 1] for e in range(3, 19, 3)}
    else:  # uninterrupted: the same sweep without a kill; trial k draws the same parameters
        uninterrupted = sweep.run(spec, storage=str(tmp_path / "straight.db"), client=thread_client,
                                  progress=False)
        assert _by_params(result.study) == _by_params(uninterrupted.study)
        assert {n: r[1] for n, r in after.items()} == {t.number: t.params for t in uninterrupted.study.trials}


def test_worker_sigkill_mid_rung(tmp_path):
    """Real worker processes; one is killed while it trains a rung."""
    from distributed import Client, LocalCluster

    spec = iris_spec("worker-kill", rung_epochs=15)  # 2 x 2 grid
    spec["train"]["epochs"] = 45
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                           host="127.0.0.1", silence_logs=50)
    client = Client(cluster)
    try:
        env = client.run(lambda: (os.environ.get("OPENBLAS_NUM_THREADS"), os.environ.get("OMP_NUM_THREADS")))
        assert set(env.values()) == {("1", "1")}  # BLAS limited to one thread per worker
        outcome = {}
        thread = threading.Thread(target=lambda: outcome.update(result=sweep.run(
            spec, storage=str(tmp_path / "w.db"), client=client, progress=False)))
        thread.start()
        db = tmp_path / "w.db"

        def busy_worker():
            processing = {w: keys for w, keys in client.processing().items() if keys}
            return processing and _counts(db)[1] >= 1 and processing

        _wait_for(busy_worker, 120, "a rung in flight after the first report")
        victim = next(iter(busy_worker()))
        pids = client.run(os.getpid)
        os.kill(pids[victim], signal.SIGKILL)
        thread.join(300)
        assert not thread.is_alive()
        result = outcome["result"]
        assert victim not in client.run(os.getpid)  # that worker really died (the nanny started another)
    finally:
        client.close()
        cluster.close()
    trials = result.study.get_trials()
    assert len(trials) == 4 and all(t.state == TrialState.COMPLETE for t in trials)
    store = CheckpointStore(result.checkpoints)
    for t in trials:
        history = train_directly(spec, decoded_params(t.params))[0]
        assert t.value == history["val_accuracy"][-1]
        assert t.intermediate_values == {e: history["val_accuracy"][e - 1] for e in (15, 30, 45)}
        assert [r["from"] for r in store.load(t.number, 1)[0]["rungs"]] == [0, 15, 30]  # each rung once


def test_cli_ctrl_c_then_resume(tmp_path):
    spec = crash_spec("cli", "grid")
    spec["train"]["epochs"] = 30
    path = tmp_path / "cli.yaml"
    path.write_text(json.dumps(spec))
    command = [sys.executable, "-m", "layerwise", "sweep", str(path), "--workers", "1"]
    proc = subprocess.Popen(command, cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _wait_for(lambda: proc.poll() is None and _counts(tmp_path / "cli.db")[0] >= 1, 180,
                  "a complete trial")
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    # stderr: the progress display's one line per finished trial (not a terminal), then
    # exactly one line about the interrupt.
    lines = err.strip().splitlines()
    assert "--resume" in lines[-1] and "Traceback" not in err, err
    assert all(line.startswith("trial ") for line in lines[:-1]), err
    at_stop = _record(optuna.load_study(study_name="cli", storage=f"sqlite:///{tmp_path / 'cli.db'}"))
    assert 1 <= sum(r[0] == TrialState.COMPLETE for r in at_stop.values()) < 8
    done = subprocess.run(command + ["--resume"], cwd=tmp_path, env=cli_env(), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "8 complete, 0 pruned, 0 failed" in done.stdout
    study = optuna.load_study(study_name="cli", storage=f"sqlite:///{tmp_path / 'cli.db'}")
    assert all(t.state == TrialState.COMPLETE for t in study.trials) and len(study.trials) == 8
    for number, (state, params, value, reported) in at_stop.items():
        assert reported.items() <= study.trials[number].intermediate_values.items()
    for t in study.trials[:3]:
        assert t.value == train_directly(spec, decoded_params(t.params))[0]["val_accuracy"][-1]
