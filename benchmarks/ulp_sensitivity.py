"""How far does each published course number move when exp/log change in the last bit?

Run by hand (about a minute and a half per condition, ~12 minutes in all)::

    PYTHONPATH=src python benchmarks/ulp_sensitivity.py [--out sensitivity.json]

Conditions, each in its own process:

- ``baseline``: this machine's code path;
- ``npy-baseline``: ``NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL"`` (the baseline
  exp/log kernels; on a machine with AVX-512 this is a different path);
- ``blas-<core>``: ``OPENBLAS_CORETYPE=<core>``, an older OpenBLAS kernel set
  (different summation order inside matrix products);
- ``ulp-<seed>-<fraction>``: every exp/log result moved by one ulp, up or down at
  random, with the given probability (``tests/repro/ulp.py``), imitating the
  AVX-512 kernels' last-bit differences on a machine that lacks them.

For every published number it prints the largest relative deviation from the
baseline run over the conditions; ``tests/repro/test_cross_cpu.py`` records
these figures next to the tolerances they justify.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FOOTBALL = os.path.join(os.path.dirname(REPO), "shared", "data", "football_2d.mat")
CONDITIONS = {
    "baseline": {},
    "npy-baseline": {"NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL"},
    "blas-Prescott": {"OPENBLAS_CORETYPE": "Prescott"},
    "blas-Sandybridge": {"OPENBLAS_CORETYPE": "Sandybridge"},
    "ulp-0-0.25": {"ULP": "0:0.25"}, "ulp-1-0.25": {"ULP": "1:0.25"},
    "ulp-2-0.25": {"ULP": "2:0.25"}, "ulp-3-0.5": {"ULP": "3:0.5"},
    "ulp-4-1.0": {"ULP": "4:1.0"},
}


def measure(football=FOOTBALL):
    """The published numbers as this process computes them: {name: value}."""
    import numpy as np

    from layerwise.lab import gradcheck, init, optimization, regularization
    from layerwise.initializers import initialize_parameters_deep
    from layerwise.lab.common import Context, make_network, train_mini_batches
    from layerwise.training import TrainConfig

    out = {}
    ctx = Context(out_dir=os.devnull)
    r = init.run(ctx)
    for name, pub in init.PUBLISHED.items():
        for it in pub["costs"]:
            out[f"init.{name}.cost@{it}"] = r.runs[name]["costs"][it // 100]
        for key in ("train_accuracy", "test_accuracy"):
            out[f"init.{name}.{key}"] = r.runs[name][key]
    g = gradcheck.run(ctx)
    for name in gradcheck.PUBLISHED:
        out[f"gradcheck.{name}"] = g.runs[name]["difference"]
    X, Y = optimization.load_moons()
    for run in ("gd", "adam"):
        params = initialize_parameters_deep([2, 5, 2, 1], "he", rng=np.random.RandomState(3))
        net = make_network([2, 5, 2, 1], ["relu", "relu", "sigmoid"], params)
        config = TrainConfig.from_optimizer(optimization.RUNS[run][1](), epochs=1001,
                                            batch_size=64, shuffle_seed=11,
                                            mean_in_output_delta=True)
        costs, _, _ = train_mini_batches(net, X, Y, config)
        out[f"optimization.{run}.cost@0"], out[f"optimization.{run}.cost@1000"] = costs[0], costs[10]
    reg = regularization.run(ctx)  # the built-in data: README's table
    for name, rec in reg.runs.items():
        for key in ("final_cost", "train_accuracy", "test_accuracy"):
            out[f"regularization-builtin.{name}.{key}"] = rec[key]
    if os.path.isfile(football):
        from layerwise.lab.data import load_data_file

        d = load_data_file(football)
        trained = regularization.train_runs(d["X_train"], d["Y_train"], d["X_test"], d["Y_test"],
                                            regularization.ITERATIONS)
        for name, pub in regularization.PUBLISHED.items():
            rec = trained[name][0]
            for it in pub["costs"]:
                out[f"regularization.{name}.cost@{it}"] = rec["costs"][it // 100]
            for key in ("train_accuracy", "test_accuracy"):
                out[f"regularization.{name}.{key}"] = rec[key]
    return out


def _child():
    spec = os.environ.get("ULP")
    if spec:
        sys.path.insert(0, os.path.join(REPO, "tests", "repro"))
        from ulp import perturbed_exp_log

        seed, fraction = spec.split(":")
        with perturbed_exp_log(int(seed), float(fraction)):
            values = measure()
    else:
        values = measure()
    json.dump(values, sys.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="write all figures as JSON here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child()
    results = {}
    for name, extra_env in CONDITIONS.items():
        env = {k: v for k, v in os.environ.items()
               if k not in ("ULP", "NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE")}
        env.update(MPLBACKEND="Agg", **extra_env)
        proc = subprocess.run([sys.executable, __file__, "--child"], env=env, check=True,
                              capture_output=True, text=True)
        results[name] = json.loads(proc.stdout)
        print(f"{name}: done", file=sys.stderr, flush=True)
    base = results["baseline"]
    report = {}
    for key, value in base.items():
        devs = {c: abs(r[key] - value) / abs(value) if value else abs(r[key] - value)
                for c, r in results.items() if c != "baseline"}
        worst = max(devs, key=devs.get)
        report[key] = {"baseline": value, "max_rel_dev": devs[worst], "worst_condition": worst,
                       "by_condition": devs}
        print(f"{key:45s} {value!r:>24s}  max rel dev {devs[worst]:.2e} ({worst})")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump({"results": results, "report": report}, handle, indent=1)


if __name__ == "__main__":
    main()
