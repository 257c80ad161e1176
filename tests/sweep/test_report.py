"""The report: an offline page that renders in headless Chromium without console
errors, a table that sorts, figures that load, and the best trial's files."""

import contextlib
import io
import json
import os
import shutil

import numpy as np
import pytest

import layerwise.sweep as sweep
from conftest import iris_spec
from layerwise.network import Network
from layerwise.sweep.spec import decoded_params

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def report(tmp_path_factory, thread_client):
    folder = tmp_path_factory.mktemp("report")
    spec = iris_spec("rep", method="random")
    spec["pruning"] = {"method": "median", "startup_trials": 2}
    result = sweep.run(spec, storage=str(folder / "rep.db"), client=thread_client, progress=False,
                       report=str(folder / "out"))
    return result, folder / "out"


def _browse(path, actions=None):
    from playwright.sync_api import sync_playwright  # the test extra brings it

    if not os.path.exists(CHROMIUM):
        pytest.fail("headless Chromium is needed: apt-get install -y chromium")
    problems, requests = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(f"file://{path}")
        page.wait_for_load_state("load")
        out = actions(page) if actions else None
        browser.close()
    return problems, requests, out


def test_page_renders_offline_and_sorts(report):
    result, out = report
    trials = result.study.get_trials()

    def actions(page):
        images = page.eval_on_selector_all("img", "els => els.map(e => [e.alt, e.naturalWidth, e.naturalHeight])")
        rows = page.eval_on_selector_all("table.trials tbody tr", "els => els.length")
        column = 3  # trial, state, val_accuracy
        cells = "table.trials tbody tr td:nth-child(3)"
        page.click(f"table.trials th:nth-child({column})")
        ascending = page.eval_on_selector_all(cells, "els => els.map(e => e.getAttribute('data-key'))")
        page.click(f"table.trials th:nth-child({column})")
        descending = page.eval_on_selector_all(cells, "els => els.map(e => e.getAttribute('data-key'))")
        page.click("table.trials th:nth-child(1)")
        numbers = page.eval_on_selector_all("table.trials tbody tr td:nth-child(1)", "els => els.map(e => +e.textContent)")
        return images, rows, ascending, descending, numbers

    problems, requests, (images, rows, ascending, descending, numbers) = _browse(out / "index.html", actions)
    assert problems == []
    assert all(url.startswith(("file://", "data:")) for url in requests), requests  # nothing from a network
    assert [alt for alt, _, _ in images] == ["parallel coordinates", "metric against parameters", "learning curves"]
    assert all(w > 300 and h > 200 for _, w, h in images), images
    assert rows == len(trials)
    from optuna.trial import TrialState

    values = sorted(t.value for t in trials if t.state == TrialState.COMPLETE)  # pruned ones show no value
    shown = [float(v) for v in ascending if v]
    assert shown == values and [float(v) for v in descending if v] == values[::-1]
    assert ascending[len(values):] == [""] * (len(trials) - len(values))  # pruned ones (blank) last
    assert numbers == sorted(t.number for t in trials)


def test_console_errors_are_caught(tmp_path):
    """The check above can fail: a page with a script error is reported."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><script>no_such_function();</script></body></html>")
    problems, _, _ = _browse(page)
    assert problems and "no_such_function" in problems[0]


def test_best_trial_files(report):
    from layerwise.training import TrainConfig

    result, out = report
    best = result.best_trial
    record = json.loads((out / "best_config.json").read_text())
    assert record["trial"] == best.number and record["val_accuracy"] == best.value
    assert record["params"] == decoded_params(best.params)
    assert TrainConfig.from_dict(record["train_config"]).to_dict() == record["train_config"]
    network = Network.load(str(out / "best_model.lw"))
    original = Network.load(os.path.join(result.checkpoints, f"trial-{best.number:05d}.lw"))
    X = np.random.default_rng(0).normal(size=(4, 7))
    np.testing.assert_array_equal(network.predict_proba(X), original.predict_proba(X))
    assert network.layer_dims == [4, *record["model"]["hidden"], 3]


def test_report_command(report, tmp_path):
    from layerwise.cli import main

    result, _ = report
    db = result.storage[len("sqlite:///"):]
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        assert main(["sweep", "report", db, "--out", str(tmp_path / "again")]) == 0
    assert (tmp_path / "again" / "index.html").exists() and "report:" in printed.getvalue()
    page = (tmp_path / "again" / "index.html").read_text()
    assert "http://" not in page and "https://" not in page
