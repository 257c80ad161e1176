"""Shared fixtures of the sweep tests: a threaded Dask cluster, small specs."""

import logging
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # the tests' helpers (oracle.py) in subprocesses too

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "src"))


@pytest.fixture(scope="session")
def thread_client():
    """Two single-threaded workers inside this process (fast to start)."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                           silence_logs=logging.ERROR)
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


def iris_spec(name, method="grid", **changes):
    """A small, fast sweep on iris: 2 x 2 grid, 12 epochs in rungs of 4."""
    spec = {"name": name, "data": {"name": "iris"}, "model": {"hidden": [8], "activation": "relu"},
            "train": {"optimizer": "adam", "epochs": 12, "batch_size": 32},
            "search": {"method": method,
                       "params": {"learning_rate": [0.003, 0.03], "hidden": [[4], [8]]}},
            "rung_epochs": 4, "seed": 1}
    if method != "grid":
        spec["search"]["params"] = {"learning_rate": {"low": 1e-3, "high": 1e-1, "log": True},
                                    "l2": {"low": 0.0, "high": 0.1}, "hidden": [[4], [8]]}
        spec["search"]["trials"] = 6
    for key, value in changes.items():
        spec[key] = value
    return spec


def cli_env():
    """Environment for running ``python -m layerwise`` from this worktree."""
    return dict(os.environ, PYTHONPATH=SRC, MPLBACKEND="Agg")
