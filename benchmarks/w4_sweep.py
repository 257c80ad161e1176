"""W4: a 24-trial grid on digits -- `layerwise sweep` (1 and 2 workers) vs GridSearchCV.

    python benchmarks/w4_sweep.py [--epochs 200] [--quick] [--json FILE]

The grid: hidden {32, 64, 128} x learning rate {1e-3, 3e-3, 1e-2, 3e-2} x
L2 {0, 1e-2}; Adam, batches of 64, a fixed number of epochs (no early
stopping), one fixed validation split (20 %, stratified, seed 0) and
standardised features.

* layerwise: ``layerwise.sweep.run`` on a LocalCluster of 1 and of 2
  single-threaded worker processes (BLAS one thread each). Starting the cluster
  and importing the training code on the workers is timed on its own; the
  sweep's time is everything after that (Optuna storage, checkpoints, Dask).
* scikit-learn: ``GridSearchCV(Pipeline(StandardScaler, MLPClassifier),
  cv=PredefinedSplit(the same split), n_jobs=2, refit=False)``, timed as one
  call (its joblib workers start inside it). ``alpha`` is the same L2 term as
  layerwise's lambda: alpha / (2 m) * sum(W^2).

Every system runs in its own fresh process, one after the other. Reported:
wall times and ratios against the targets (2 workers >= 1.8x faster than 1;
<= 0.5x GridSearchCV's time; coordinator/storage/checkpoint time <= 5 % of the
sweep; best validation accuracy within 0.5 % of GridSearchCV's best).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
HIDDEN = [[32], [64], [128]]
RATES = [1e-3, 3e-3, 1e-2, 3e-2]
L2 = [0.0, 1e-2]
SEED = 0


def sweep_spec(epochs):
    return {"name": "w4", "data": {"name": "digits", "validation_fraction": 0.2},
            "model": {"hidden": [64], "activation": "relu"},
            "train": {"optimizer": "adam", "epochs": epochs, "batch_size": 64},
            "search": {"method": "grid", "params": {"hidden": HIDDEN, "learning_rate": RATES, "l2": L2}},
            "metric": {"name": "val_accuracy"}, "seed": SEED}


def run_layerwise(workers, epochs):
    import layerwise.sweep as sweep
    from layerwise.sweep.cluster import start_local_cluster, warm_up

    tick = time.perf_counter()
    client, cluster = start_local_cluster(workers)
    warm_up(client)
    startup = time.perf_counter() - tick
    with tempfile.TemporaryDirectory() as folder:
        result = sweep.run(sweep_spec(epochs), storage=os.path.join(folder, "w4.db"), client=client,
                           progress=False)
        trials = [(t.params, t.value) for t in result.study.get_trials()]
    client.close()
    cluster.close()
    busy = result.compute_seconds / (result.seconds * workers)
    return {"system": f"layerwise sweep, {workers} worker{'s' if workers > 1 else ''}",
            "startup_seconds": startup, "seconds": result.seconds,
            "coordinator_seconds": result.coordinator_seconds, "compute_seconds": result.compute_seconds,
            "worker_busy_fraction": busy, "best_value": result.best_value,
            "best_params": result.best_params, "n_complete": result.n_complete, "trials": trials}


def run_sklearn(epochs):
    import warnings

    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV, PredefinedSplit, train_test_split
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from layerwise.sweep.data import load_data

    X, y = load_digits(return_X_y=True)
    # the sweep's split: the same call on the indices draws the same permutation
    train, val = train_test_split(np.arange(len(y)), test_size=0.2, random_state=SEED, stratify=y)
    data = load_data({"name": "digits", "validation_fraction": 0.2}, SEED)
    scaler = StandardScaler().fit(X[train])
    np.testing.assert_allclose(scaler.transform(X[val]).T, data.X_val, atol=1e-12)  # same split, same scaling
    fold = np.full(len(y), -1)
    fold[val] = 0
    model = make_pipeline(StandardScaler(), MLPClassifier(solver="adam", batch_size=64, max_iter=epochs,
                                                          n_iter_no_change=epochs + 1, tol=0.0,
                                                          early_stopping=False, random_state=SEED))
    grid = {"mlpclassifier__hidden_layer_sizes": [tuple(h) for h in HIDDEN],
            "mlpclassifier__learning_rate_init": RATES, "mlpclassifier__alpha": L2}
    search = GridSearchCV(model, grid, cv=PredefinedSplit(fold), n_jobs=2, refit=False, scoring="accuracy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        os.environ["PYTHONWARNINGS"] = "ignore::UserWarning"  # joblib workers: no ConvergenceWarning spam
        tick = time.perf_counter()
        search.fit(X, y)
        seconds = time.perf_counter() - tick
    best = int(np.argmax(search.cv_results_["mean_test_score"]))
    return {"system": "GridSearchCV(MLPClassifier), n_jobs=2", "seconds": seconds,
            "best_value": float(search.cv_results_["mean_test_score"][best]),
            "best_params": {k: (list(v) if isinstance(v, tuple) else v)
                            for k, v in search.cv_results_["params"][best].items()}}


def child(args):
    if args.system == "sklearn":
        out = run_sklearn(args.epochs)
    else:
        out = run_layerwise(int(args.system), args.epochs)
    print("W4-RESULT " + json.dumps(out))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="5 epochs: checks that everything runs")
    parser.add_argument("--json", default=str(HERE / "results" / "w4_sweep.json"))
    parser.add_argument("--system", help=argparse.SUPPRESS)  # internal: run one system in this process
    args = parser.parse_args()
    if args.quick:
        args.epochs = 5
    if args.system:
        return child(args)
    results = []
    for system in ("1", "2", "sklearn"):
        proc = subprocess.run([sys.executable, __file__, "--system", system, "--epochs", str(args.epochs)],
                              capture_output=True, text=True, env=dict(os.environ, MPLBACKEND="Agg"))
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("W4-RESULT ")), None)
        if proc.returncode != 0 or line is None:
            sys.exit(f"W4 {system} failed:\n{proc.stderr[-3000:]}")
        results.append(json.loads(line[len("W4-RESULT "):]))
        r = results[-1]
        print(f"{r['system']:42s} {r['seconds']:7.2f} s  best val_accuracy {r['best_value']:.4f}"
              + (f"  (start-up {r['startup_seconds']:.2f} s)" if "startup_seconds" in r else ""), flush=True)
    one, two, sk = results
    same = {json.dumps(p, sort_keys=True): v for p, v in one["trials"]} == \
        {json.dumps(p, sort_keys=True): v for p, v in two["trials"]}
    figures = {
        "speedup_2_over_1_workers": one["seconds"] / two["seconds"],
        "layerwise_2_workers_over_gridsearchcv": two["seconds"] / sk["seconds"],
        "coordinator_fraction_1_worker": one["coordinator_seconds"] / one["seconds"],
        "coordinator_fraction_2_workers": two["coordinator_seconds"] / two["seconds"],
        "idle_fraction_2_workers": 1 - two["worker_busy_fraction"],
        "best_accuracy_gap": sk["best_value"] - two["best_value"],
        "same_results_1_and_2_workers": same,
    }
    targets = {
        "speedup_2_over_1_workers": (">=", 1.8),
        "layerwise_2_workers_over_gridsearchcv": ("<=", 0.5),
        "coordinator_fraction_2_workers": ("<=", 0.05),
        "best_accuracy_gap": ("<=", 0.005),
    }
    print()
    for key, value in figures.items():
        if key in targets:
            op, limit = targets[key]
            met = value >= limit if op == ">=" else value <= limit
            print(f"{key:40s} {value:8.3f}   target {op} {limit}   {'met' if met else 'NOT met'}")
        else:
            print(f"{key:40s} {value if isinstance(value, bool) else round(value, 3)}")
    for r in results:
        r.pop("trials", None)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"epochs": args.epochs, "results": results, "figures": figures,
                                           "cpu_count": os.cpu_count(),
                                           "load_average": os.getloadavg()}, indent=2) + "\n")


if __name__ == "__main__":
    main()
