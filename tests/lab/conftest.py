"""Shared fixtures: one --quick run of the whole lab, reused by every test that reads a report."""

import json
import os

import pytest

from layerwise.cli import main


@pytest.fixture(scope="session")
def quick_report(tmp_path_factory):
    """Run ``layerwise lab --quick`` once; returns (report dir, results.json as a dict)."""
    out = tmp_path_factory.mktemp("lab") / "report"
    status = main(["lab", "--quick", "--out", str(out)])
    assert status == 0
    with open(os.path.join(out, "results.json"), encoding="utf-8") as handle:
        return out, json.load(handle)
