"""Benchmarks: layerwise vs PyTorch (CPU) vs scikit-learn, in one run.

    python benchmarks/run.py [--quick] [--json FILE] [--out-dir DIR]

W1  MNIST-sized epoch (60000 x 784 float32, 784-512-256-10 ReLU + softmax, Adam,
    batches of 128), beside the GEMM floor; loss after the epochs vs PyTorch's.
    Each system runs in its own worker process; the parent runs them in rounds,
    one epoch each, one system computing at a time (``workers.py``).
W2  the notes' small nets, time per step, beside a hand-written NumPy loop.
W3  W1's epoch time against batch size and hidden width (one PNG), run as W1.
MEM peak resident memory of W1 for each system, each in its own process.

All data is synthetic and seeded. Times are medians of wall-clock seconds.
Nothing here is timed in CI: ``--quick`` runs every workload at a tiny size and
the test only checks the JSON's shape.
"""

from __future__ import annotations

import os

# OpenBLAS kernels selected by OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some
# machines for older OpenBLAS builds) slow current NumPy and torch alike. For
# this process and its children only, drop both before NumPy loads; the JSON
# records what was set and which kernel threadpoolctl then reports.
_OPENBLAS_ENV = {k: os.environ.pop(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
                 if k in os.environ}

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import workloads as wl  # noqa: E402
from report import TARGETS, plot_w3, print_tables, verdicts  # noqa: E402
from workers import Workers  # noqa: E402

FULL = {
    "w1": {"m": 60000, "dims": [784, 512, 256, 10], "batch_size": 128, "epochs": 8,
           "settle_s": 0.2},
    "w2": {"gd_epochs": 2000, "adam_epochs": 400, "repeats": 5},
    "w3": {"batch_sizes": [32, 64, 128, 256, 512, 1024], "widths": [64, 128, 256, 512, 1024, 2048],
           "steps": 120},
}
QUICK = {
    "w1": {"m": 1024, "dims": [64, 32, 16, 10], "batch_size": 128, "epochs": 2,
           "settle_s": 0.0},
    "w2": {"gd_epochs": 20, "adam_epochs": 4, "repeats": 2},
    "w3": {"batch_sizes": [32, 128], "widths": [16, 32], "steps": 4},
}


# ---------------------------------------------------------------------------- machine
def machine_info():
    """Cores, CPU model, BLAS (threadpoolctl), library versions, load."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {"cores": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "numpy": np.__version__, "openblas_env_unset": _OPENBLAS_ENV,
            "load_avg_start": _load()}
    try:
        from threadpoolctl import threadpool_info

        info["blas"] = [{k: d.get(k) for k in ("internal_api", "version", "architecture",
                                                "num_threads", "filepath")}
                        for d in threadpool_info() if d.get("user_api") == "blas"]
    except ImportError:
        info["blas"] = "threadpoolctl not installed"
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        info["torch"] = None
    import sklearn

    info["sklearn"] = sklearn.__version__
    try:
        import numba

        info["numba"] = numba.__version__
    except ImportError:
        info["numba"] = None
    return info


def _load():
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def _have_torch():
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        return False


def med(xs):
    return float(np.median(xs)) if xs else None


# ---------------------------------------------------------------------------- W1
def run_w1(cfg, log):
    systems = ("layerwise", "torch", "sklearn", "gemm") if _have_torch() else (
        "layerwise", "sklearn", "gemm")
    log(f"W1 {cfg['epochs']} rounds of one epoch each: {', '.join(systems)}, "
        "each system in its own process")
    with Workers(systems, settle_s=cfg["settle_s"]) as workers:
        r = wl.w1_interleaved(workers, (cfg["m"], cfg["dims"][0], 0), cfg["dims"],
                              batch_size=cfg["batch_size"], epochs=cfg["epochs"], seed=0)
    out = {"config": {k: cfg[k] for k in ("m", "dims", "batch_size", "epochs", "settle_s")},
           "method": "each system in its own spawned process; the parent runs them in rounds, "
                     "one epoch each, one process computing at a time"}
    for key, name in (("layerwise", "layerwise"), ("torch", "torch"), ("sklearn", "sklearn"),
                      ("gemm", "gemm_floor")):
        if key in r:
            timed = r[key]["epoch_s"][1:]  # the first epoch is the warm-up
            out[name] = {**r[key], "median_s": med(timed), "min_s": float(min(timed))}
        else:
            out[name] = None
    return out


# ---------------------------------------------------------------------------- W2
def run_w2(cfg, log):
    out = {}
    for name in ("gd", "adam"):
        epochs = cfg[f"{name}_epochs"]
        systems = {"layerwise": wl.w2_layerwise, "hand": wl.w2_hand}
        if _have_torch():
            systems["torch"] = wl.w2_torch
        times = {k: [] for k in systems}
        log(f"W2 {name}")
        for k, f in systems.items():  # warm-up (imports, first-call costs)
            f(name, max(2, epochs // 10))
        for _ in range(cfg["repeats"]):  # interleaved, so that noise hits all alike
            for k, f in systems.items():
                times[k].append(f(name, epochs))
        spec = wl.W2_NETS[name]
        out[name] = {"net": spec["dims"], "m": spec["m"], "batch_size": spec["batch_size"],
                     "optimizer": spec["optimizer"],
                     **{k: {"step_s": v, "median_s": med(v)} for k, v in times.items()}}
        if "torch" not in out[name]:
            out[name]["torch"] = None
    return out


# ---------------------------------------------------------------------------- W3
def run_w3(cfg, w1cfg, log):
    m, base = w1cfg["m"], w1cfg["dims"]
    data = (m, base[0], 1)
    systems = ("layerwise", "torch", "gemm") if _have_torch() else ("layerwise", "gemm")
    out = {"steps_timed": cfg["steps"], "batch_size": {}, "width": {}}
    with Workers(systems, settle_s=w1cfg["settle_s"]) as workers:
        for bs in cfg["batch_sizes"]:
            log(f"W3 batch {bs}")
            # about the same number of examples for small batches, the same steps for big ones
            steps = max(cfg["steps"] * 128 // bs, 4) if bs < 128 else cfg["steps"]
            out["batch_size"][bs] = wl.w3_point(workers, data, base, bs, steps)
        for w in cfg["widths"]:
            log(f"W3 width {w}")
            dims = [base[0], w, max(w // 2, 1), base[-1]]
            # fewer steps for the wide nets: each step costs about (w / 512)^2 of W1's
            steps = max(cfg["steps"] * 512 // w, 4) if w > 512 else cfg["steps"]
            out["width"][w] = wl.w3_point(workers, data, dims, w1cfg["batch_size"], steps)
    return out


# ---------------------------------------------------------------------------- memory
def _status_mb(field):
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def memory_child(system, m, dims, batch_size):
    """Run in a fresh process: import, make the data, one W1 epoch, report peak RSS."""
    import resource

    extra = {}
    if system == "torch":
        import torch  # noqa: F401
    elif system == "sklearn":
        import sklearn.neural_network  # noqa: F401
    else:
        # The library's code, loaded before the baseline as torch's is: numpy,
        # and numba with layerwise's compiled Adam kernel when numba is installed.
        # njit is lazy: the kernel (and LLVM, ~64 MB) loads on its first call, so
        # call it once on float32 arrays -- the signature W1 uses.
        from layerwise import optimizers

        kernel = optimizers._FUSED["adam"] = optimizers._compile_adam()
        if kernel is not None:
            before_mb = _status_mb("VmRSS")
            one = np.ones(1, np.float32)
            f = np.float32
            kernel(one.copy(), one.copy(), one.copy(), one.copy(), f(0.9), f(0.1), f(0.999),
                   f(0.001), f(0.1), f(0.001), f(1e-3), f(1e-8))
            extra["kernel_load_mb"] = _status_mb("VmRSS") - before_mb
    base_mb = _status_mb("VmRSS")
    D, y = wl.mnist_like(m, dims[0], seed=0)
    data_bytes = D.nbytes + (y.size * dims[-1] * 4 if system == "layerwise" else y.nbytes)
    getattr(wl, f"w1_{system}_memory")(D, y, dims, batch_size=batch_size, seed=0)
    # getrusage's ru_maxrss survives exec on Linux, so in a child of a big
    # parent it may report the parent's size; VmHWM is this process's own peak.
    # Both are recorded; the table uses VmHWM where the system has it.
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    hwm_mb = _status_mb("VmHWM")
    print(json.dumps({"peak_rss_mb": hwm_mb if hwm_mb is not None else maxrss_mb,
                      "ru_maxrss_mb": maxrss_mb, "after_imports_mb": base_mb,
                      "data_mb": data_bytes / 2**20, **extra}))


def run_memory(cfg, log):
    out = {}
    systems = ["layerwise", "sklearn"] + (["torch"] if _have_torch() else [])
    for system in systems:
        log(f"memory {system}")
        cmd = [sys.executable, str(Path(__file__).resolve()), "--memory-child", system,
               "--m", str(cfg["m"]), "--dims", ",".join(map(str, cfg["dims"])),
               "--batch-size", str(cfg["batch_size"])]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            out[system] = {"error": res.stderr.strip().splitlines()[-1:] or ["failed"]}
            continue
        r = json.loads(res.stdout.strip().splitlines()[-1])
        r["training_mb"] = r["peak_rss_mb"] - r["after_imports_mb"]
        r["target_mb"] = 2 * r["data_mb"] + 100
        out[system] = r
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes: finishes in seconds")
    p.add_argument("--json", help="write the results here")
    p.add_argument("--out-dir", default=None, help="where the W3 plot goes (default: benchmarks/results)")
    p.add_argument("--only", default="w1,w2,w3,memory", help="comma-separated subset")
    p.add_argument("--memory-child", help=argparse.SUPPRESS)
    p.add_argument("--m", type=int, help=argparse.SUPPRESS)
    p.add_argument("--dims", help=argparse.SUPPRESS)
    p.add_argument("--batch-size", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child, args.m, [int(d) for d in args.dims.split(",")],
                     args.batch_size)
        return 0
    cfg = QUICK if args.quick else FULL
    only = set(args.only.split(","))
    t_start = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - t_start:7.1f}s] {msg}", file=sys.stderr, flush=True)

    res = {"quick": args.quick, "machine": machine_info(), "targets_config": TARGETS}
    res["w1"] = run_w1(cfg["w1"], log) if "w1" in only else None
    res["w2"] = run_w2(cfg["w2"], log) if "w2" in only else None
    res["w3"] = run_w3(cfg["w3"], cfg["w1"], log) if "w3" in only else None
    res["memory"] = run_memory(cfg["w1"], log) if "memory" in only else None
    out_dir = Path(args.out_dir) if args.out_dir else HERE / "results"
    if res["w3"]:
        out_dir.mkdir(parents=True, exist_ok=True)
        res["w3_plot"] = str(out_dir / ("w3_scaling_quick.png" if args.quick else "w3_scaling.png"))
        plot_w3(res["w3"], res["w3_plot"])
    res["load_avg_end"] = _load()
    res["seconds"] = time.perf_counter() - t_start
    if only >= {"w1", "w2", "memory"}:
        res["targets"] = verdicts(res)
        print_tables(res)
    if args.json:
        tmp = Path(args.json).with_suffix(".tmp")
        tmp.write_text(json.dumps(res, indent=1, default=str))
        os.replace(tmp, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
