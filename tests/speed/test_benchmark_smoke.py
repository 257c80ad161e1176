"""``benchmarks/run.py --quick`` runs every workload and writes JSON of the right shape.

Nothing is timed here: only the presence and kind of the fields is checked.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"


@pytest.mark.skipif(not RUN.exists(), reason="benchmarks/ is not in this checkout")
def test_quick_benchmark_writes_every_section(tmp_path):
    pytest.importorskip("torch", reason="the benchmark compares with PyTorch")
    out = tmp_path / "bench.json"
    res = subprocess.run([sys.executable, str(RUN), "--quick", "--json", str(out),
                          "--out-dir", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    data = json.loads(out.read_text())
    assert data["quick"] is True
    for key in ("cores", "cpu", "blas", "numpy", "torch", "torch_threads", "sklearn"):
        assert key in data["machine"], key
    w1 = data["w1"]
    for system in ("layerwise", "torch", "sklearn", "gemm_floor"):
        assert isinstance(w1[system]["median_s"], float), system
        assert all(isinstance(t, float) for t in w1[system]["epoch_s"])
    for system in ("layerwise", "torch", "sklearn"):
        assert isinstance(w1[system]["loss"], float)
    # each system trained in a worker process of its own
    assert len({w1[s]["pid"] for s in ("layerwise", "torch", "sklearn", "gemm_floor")}) == 4
    for net in ("gd", "adam"):
        for system in ("layerwise", "hand", "torch"):
            assert isinstance(data["w2"][net][system]["median_s"], float), (net, system)
    for axis in ("batch_size", "width"):
        assert len(data["w3"][axis]) >= 2
        for point in data["w3"][axis].values():
            assert set(point) >= {"layerwise", "torch", "gemm"}
    assert Path(data["w3_plot"]).exists()
    for system in ("layerwise", "torch", "sklearn"):
        mem = data["memory"][system]
        assert {"peak_rss_mb", "after_imports_mb", "training_mb", "data_mb", "target_mb"} <= set(mem)
    names = {t["target"] for t in data["targets"]}
    assert {"w1_vs_torch", "w1_vs_sklearn", "w1_vs_gemm", "w1_loss_rel_diff", "w2_gd_vs_torch",
            "w2_gd_vs_hand", "w2_adam_vs_torch", "w2_adam_vs_hand", "memory_layerwise"} <= names
    for t in data["targets"]:
        assert set(t) >= {"target", "value", "limit", "met", "missed_by"}
    assert "W1" in res.stdout and "Targets" in res.stdout
