"""Storage problems come out as one line (exit 2) before anything is trained."""

import json
import os
import sqlite3
import stat
import subprocess
import sys

import pytest

import layerwise.sweep as sweep
from conftest import cli_env, iris_spec
from layerwise.sweep.storage import CoordinatorLock, StorageError, open_storage


def _cli(tmp_path, *args):
    """``layerwise sweep ARGS`` in ``tmp_path`` (in this process: the CLI's own main); its one stderr line."""
    import contextlib
    import io

    from layerwise.cli import main

    err = io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = main(["sweep", *args])
    finally:
        os.chdir(cwd)
    lines = err.getvalue().strip().splitlines()
    assert status == 2 and len(lines) == 1, err.getvalue()
    assert lines[0].startswith("layerwise sweep: error: ")
    return lines[0]


def test_one_line_from_a_real_process(tmp_path):
    (tmp_path / "s.json").write_text(json.dumps(iris_spec("s")))
    (tmp_path / "notes.db").write_text("not a database\n")
    proc = subprocess.run([sys.executable, "-m", "layerwise", "sweep", "s.json", "--storage", "notes.db"],
                          cwd=tmp_path, env=cli_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "notes.db is not an SQLite database" in proc.stderr


@pytest.fixture
def spec_file(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(iris_spec("s")))
    return path


@pytest.fixture(scope="module")
def finished_db(tmp_path_factory, thread_client):
    folder = tmp_path_factory.mktemp("done")
    sweep.run(iris_spec("s"), storage=str(folder / "s.db"), client=thread_client, progress=False)
    return folder / "s.db"


def test_not_an_optuna_database(tmp_path, spec_file):
    (tmp_path / "notes.db").write_text("my notes, not a database\n")
    line = _cli(tmp_path, str(spec_file), "--storage", "notes.db")
    assert "notes.db is not an SQLite database" in line
    assert (tmp_path / "notes.db").read_text() == "my notes, not a database\n"  # untouched
    assert not (tmp_path / "notes.checkpoints").exists()
    with sqlite3.connect(tmp_path / "other.db") as connection:
        connection.execute("CREATE TABLE customers (name TEXT)")
    line = _cli(tmp_path, str(spec_file), "--storage", "other.db")
    assert "other.db is an SQLite database but not an Optuna storage (its tables: customers)" in line
    line = _cli(tmp_path, "report", "notes.db")
    assert "notes.db is not an SQLite database" in line


def test_read_only_storage(tmp_path, spec_file, finished_db):
    copy = tmp_path / "s.db"
    copy.write_bytes(finished_db.read_bytes())
    os.chmod(copy, stat.S_IRUSR | stat.S_IRGRP)
    try:
        line = _cli(tmp_path, str(spec_file), "--resume")
    finally:
        os.chmod(copy, stat.S_IRUSR | stat.S_IWUSR)
    assert "s.db is read-only" in line
    assert copy.read_bytes() == finished_db.read_bytes()


def test_locked_storage(tmp_path, spec_file, finished_db):
    copy = tmp_path / "s.db"
    copy.write_bytes(finished_db.read_bytes())
    holder = sqlite3.connect(copy)
    holder.execute("BEGIN EXCLUSIVE")  # another program writing the database
    try:
        line = _cli(tmp_path, str(spec_file), "--resume")
    finally:
        holder.rollback()
        holder.close()
    assert "s.db is locked by another process" in line


def test_second_coordinator_refused(tmp_path):
    folder = tmp_path / "x.checkpoints"
    folder.mkdir()
    with CoordinatorLock(folder):
        with pytest.raises(StorageError, match=rf"another coordinator \(pid {os.getpid()}\) is running"):
            CoordinatorLock(folder).acquire()
    CoordinatorLock(folder).acquire().release()  # free again once released


def test_existing_study_and_missing_study(tmp_path, spec_file, finished_db):
    (tmp_path / "s.db").write_bytes(finished_db.read_bytes())
    line = _cli(tmp_path, str(spec_file))
    assert "a study named 's' already exists" in line and "--resume" in line
    line = _cli(tmp_path, str(spec_file), "--storage", "fresh.db", "--resume")
    assert "fresh.db does not exist; there is no study to resume" in line
    assert not (tmp_path / "fresh.db").exists()
    (tmp_path / "other.db").write_bytes(finished_db.read_bytes())
    (tmp_path / "t.json").write_text(json.dumps(iris_spec("t")))
    line = _cli(tmp_path, "t.json", "--storage", "other.db", "--resume")
    assert "there is no study named 't' in sqlite:///other.db to resume" in line
    assert not (tmp_path / "other.checkpoints").exists()  # nothing left behind


def test_bad_cli_combinations(tmp_path, spec_file):
    assert "--workers must be >= 1" in _cli(tmp_path, str(spec_file), "--workers", "0")
    assert "not both" in _cli(tmp_path, str(spec_file), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1")
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in _cli(
            tmp_path, str(spec_file), "--scheduler", "tcp://127.0.0.1:9")
    assert "--resume is for running a sweep" in _cli(tmp_path, "report", "x.db", "--resume")


def test_report_opens_read_only(finished_db):
    storage = open_storage(f"sqlite:///{finished_db}", writable=False, must_exist=True)
    assert storage.get_all_studies()[0].study_name == "s"
