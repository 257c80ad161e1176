"""Shared pytest configuration for the layerwise test suite."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # hypothesis tests then skip on their own importorskip
    pass
else:
    # Deterministic and bounded: CI runs the same examples every time, no per-example deadline
    # (a first call may compile or warm caches; nothing here is timed).
    settings.register_profile("layerwise", max_examples=25, deadline=None, derandomize=True,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "layerwise"))
