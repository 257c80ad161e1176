"""``layerwise lab --out`` never destroys what the user owns (the issue's data-loss cases)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from layerwise.cli import main

sys.path.insert(0, os.path.dirname(__file__))
from test_cli_abuse import ENTRY, _wait_for_handler, refused, snapshot  # noqa: E402

FAST = ["gradcheck", "--jobs", "1"]  # a one-second experiment


@pytest.fixture()
def home(tmp_path):
    (tmp_path / "thesis.tex").write_text("years of work")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "run1.csv").write_text("1,2,3")
    return tmp_path


def test_out_dot_is_refused_and_the_directory_untouched(home, capsys, monkeypatch):
    monkeypatch.chdir(home)
    before = snapshot(home)
    refused(capsys, ["lab", *FAST, "--out", "."], contains="not empty")
    assert snapshot(home) == before


def test_out_a_file_is_refused(home, capsys):
    before = snapshot(home)
    refused(capsys, ["lab", *FAST, "--out", str(home / "thesis.tex")], contains="not a directory")
    assert snapshot(home) == before


def test_out_a_symlink_is_refused_even_to_an_empty_directory(home, capsys):
    (home / "empty").mkdir()
    for target in ("results", "empty"):
        link = home / f"link-{target}"
        link.symlink_to(home / target)
        before = snapshot(home)
        refused(capsys, ["lab", *FAST, "--out", str(link), "--force"], contains="symbolic link")
        assert snapshot(home) == before


def test_force_replaces_only_the_reports_own_files(home, capsys):
    out = home / "results"
    (out / "figures").mkdir()
    (out / "figures" / "mine.png").write_bytes(b"my figure")
    (out / "index.html").write_text("old report")
    assert main(["lab", *FAST, "--out", str(out), "--force"]) == 0
    capsys.readouterr()
    assert (out / "run1.csv").read_text() == "1,2,3"
    assert (out / "figures" / "mine.png").read_bytes() == b"my figure"
    assert "old report" not in (out / "index.html").read_text()
    assert (out / "results.json").exists()
    assert [n for n in os.listdir(home) if n.startswith(".")] == []  # no temporary left


def test_force_refuses_a_symlink_among_the_reports_files(home, capsys):
    out = home / "results"
    (out / "index.html").symlink_to(home / "thesis.tex")
    before = snapshot(home)
    refused(capsys, ["lab", *FAST, "--out", str(out), "--force"], contains="symbolic link")
    (out / "index.html").unlink()
    (out / "figures").symlink_to(home)
    refused(capsys, ["lab", *FAST, "--out", str(out), "--force"], contains="not a directory")
    (out / "figures").unlink()
    (out / "index.html").symlink_to(home / "thesis.tex")
    assert snapshot(home) == before and (home / "thesis.tex").read_text() == "years of work"


def test_a_new_report_keeps_the_umask_mode(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        assert main(["lab", *FAST, "--out", str(tmp_path / "r")]) == 0
    finally:
        os.umask(old)
    capsys.readouterr()
    assert stat.S_IMODE(os.stat(tmp_path / "r").st_mode) == 0o755
    assert stat.S_IMODE(os.stat(tmp_path / "r" / "index.html").st_mode) == 0o644


def test_a_killed_runs_temporary_directory_is_removed_by_the_next_run(tmp_path, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".r.{dead.pid}-0.tmp"
    (stale / "figures").mkdir(parents=True)
    (stale / "index.html").write_text("half a report")
    assert main(["lab", *FAST, "--out", str(tmp_path / "r")]) == 0
    capsys.readouterr()
    assert sorted(os.listdir(tmp_path)) == ["r"]


def test_sigterm_stops_the_lab_and_its_workers_leaving_nothing(tmp_path):
    out = tmp_path / "r"
    proc = subprocess.Popen(ENTRY + ["lab", "optimization", "init", "--jobs", "2", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    _wait_for_handler(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    while len(_session_members(proc.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1)
    assert len(_session_members(proc.pid)) >= 3  # the command and its two workers are running
    start = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert time.perf_counter() - start < 20  # the workers were stopped, not waited for
    assert err.strip().splitlines()[-1] == "layerwise lab: terminated", err
    assert "Traceback" not in err
    assert os.listdir(tmp_path) == []
    # no worker outlives the command (they would still be in its session)
    assert _session_members(proc.pid) == []


def _session_members(sid):
    """Live processes whose session id is ``sid`` (from /proc/PID/stat)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # fields after the name: state, ppid, pgrp, session
            members.append(int(entry))
    return members
