"""layerwise against scikit-learn's MLP on scikit-learn's bundled data sets.

Run by hand (never in CI): ``python scripts/real_data.py [--repeats 5]``.
``--csv-memory`` measures instead the peak memory (maximum resident set
size, from ``/usr/bin/time -v``) and wall time of ``layerwise train`` on a
seeded 200 000 x 100 numeric CSV, against reading the same CSV with pandas
alone and against importing the libraries ``train`` loads (each in a fresh
process). ``--sparse`` fits digits (75/25 split) from
a dense array and from the same data as a scipy CSR matrix and compares the
predictions.

For each data set, ``--repeats`` seeded, stratified (classification) 75/25
splits; layerwise's ``DeepClassifier``/``DeepRegressor`` and scikit-learn's
``MLPClassifier``/``MLPRegressor`` get the same budget: the same hidden
layers, ReLU, Adam at 0.001, the same batch size, the same number of epochs
(``max_iter``; scikit-learn's own convergence stop is switched off with
``n_iter_no_change=epochs``) and the same L2 strength (``alpha`` = ``l2``:
both add ``(l2 / 2 m_batch) * sum ||W||^2`` per batch). Both see standardised
features (layerwise: ``standardize=True``; scikit-learn: a ``StandardScaler``
in a ``Pipeline``) and, for regression, standardised targets (scikit-learn:
``TransformedTargetRegressor``). The table gives the median test score (min
to max in brackets) and the median fit time. BLAS runs on one thread for
both, so that the times compare the implementations rather than thread
contention on a shared machine. No downloads: load_digits,
load_breast_cancer and load_diabetes ship with scikit-learn.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings


CONFIGS = {
    # name: (loader, task, hidden, epochs, batch, l2, target)
    "digits (8x8, 10 classes)": ("load_digits", "classify", (128, 64), 50, 64, 0.0, 0.97),
    "breast cancer (2 classes)": ("load_breast_cancer", "classify", (32,), 100, 32, 1.0, 0.96),
    "diabetes (regression)": ("load_diabetes", "regress", (32, 16), 100, 32, 3.0, None),
}


def _models(task, hidden, epochs, batch, l2, seed):
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from layerwise.sklearn import DeepClassifier, DeepRegressor

    same = dict(hidden_layer_sizes=hidden, batch_size=batch, random_state=seed)
    peer = dict(same, activation="relu", solver="adam", learning_rate_init=1e-3, alpha=l2,
                max_iter=epochs, n_iter_no_change=epochs)
    ours = dict(same, activation="relu", optimizer="adam", learning_rate=1e-3, l2=l2,
                epochs=epochs, standardize=True)
    if task == "classify":
        return DeepClassifier(**ours), make_pipeline(StandardScaler(), MLPClassifier(**peer))
    return DeepRegressor(**ours), make_pipeline(
        StandardScaler(), TransformedTargetRegressor(MLPRegressor(**peer), transformer=StandardScaler()))


def measure(repeats):
    """Return one result dict per data set."""
    import sklearn.datasets
    from sklearn.model_selection import train_test_split

    results = []
    for name, (loader, task, hidden, epochs, batch, l2, target) in CONFIGS.items():
        X, y = getattr(sklearn.datasets, loader)(return_X_y=True)
        scores = {"layerwise": [], "scikit-learn": []}
        times = {"layerwise": [], "scikit-learn": []}
        for seed in range(repeats):
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.25, random_state=seed, stratify=y if task == "classify" else None)
            for label, model in zip(("layerwise", "scikit-learn"),
                                    _models(task, hidden, epochs, batch, l2, seed)):
                start = time.perf_counter()
                model.fit(X_tr, y_tr)
                times[label].append(time.perf_counter() - start)
                scores[label].append(model.score(X_te, y_te))
        results.append({"name": name, "task": task, "n": X.shape[0], "d": X.shape[1],
                        "budget": f"{hidden}, {epochs} epochs, batch {batch}, l2 {l2:g}",
                        "scores": scores, "times": times, "target": target})
    return results


def show(results, repeats):
    """Print the results as a rich table; returns True if every target is met."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"layerwise vs scikit-learn MLP: median of {repeats} seeded 75/25 splits")
    for column in ("data set", "budget (both)", "metric", "layerwise", "sklearn MLP",
                   "fit s layerwise", "fit s sklearn", "target"):
        table.add_column(column, justify="left" if column in ("data set", "budget (both)") else "right")
    ok = True
    for r in results:
        metric = "accuracy" if r["task"] == "classify" else "R²"

        def cell(values):
            return f"{statistics.median(values):.4f} [{min(values):.3f}-{max(values):.3f}]"

        ours = statistics.median(r["scores"]["layerwise"])
        verdict = "-"
        if r["target"] is not None:
            met = ours >= r["target"]
            ok &= met
            verdict = f">= {r['target']:.2f} {'met' if met else 'MISSED'}"
        table.add_row(f"{r['name']}\n{r['n']} x {r['d']}", r["budget"], metric,
                      cell(r["scores"]["layerwise"]), cell(r["scores"]["scikit-learn"]),
                      f"{statistics.median(r['times']['layerwise']):.3f}",
                      f"{statistics.median(r['times']['scikit-learn']):.3f}", verdict)
    Console(width=160).print(table)
    return ok


def write_numeric_csv(path, rows, cols, *, digits=17, seed=0):
    """A seeded CSV: ``cols`` standard-normal features written with ``digits``
    significant digits (17: exact round trip, as pandas' ``to_csv`` writes
    float64) and a 0/1 target ``y``; written in blocks to keep memory flat."""
    import numpy as np

    rng = np.random.default_rng(seed)
    weights = rng.standard_normal(cols)
    with open(path, "w") as handle:
        handle.write(",".join([f"x{j}" for j in range(cols)] + ["y"]) + "\n")
        for start in range(0, rows, 20_000):
            block = rng.standard_normal((min(20_000, rows - start), cols))
            target = (block @ weights > 0).astype(int)
            np.savetxt(handle, np.column_stack([block, target]), delimiter=",",
                       fmt=[f"%.{digits}g"] * cols + ["%d"])


def _peak_and_wall(command):
    """Run ``command`` under ``/usr/bin/time -v``; return (peak RSS bytes, wall seconds)."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True,
                          env={**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"})
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{command} failed: {done.stderr.strip().splitlines()[-1]}")
    kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    return kib * 1024, wall


def csv_memory(rows, cols, digits, epochs):
    """Peak memory and time of ``layerwise train`` vs ``pandas.read_csv`` on one CSV."""
    from rich.console import Console
    from rich.table import Table

    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "big.csv")
        write_numeric_csv(data, rows, cols, digits=digits)
        size = os.path.getsize(data)
        python = [sys.executable]
        runs = {
            "python + numpy + pandas imported": python + ["-c", "import numpy, pandas"],
            # What train has loaded when it starts fitting (scikit-learn brings scipy).
            "+ layerwise train's libraries imported": python + [
                "-c", "import layerwise.commands.train, layerwise.estimators, "
                      "sklearn.model_selection"],
            "pandas.read_csv alone": python + ["-c", f"import pandas; pandas.read_csv({data!r})"],
            f"layerwise train --epochs {epochs}": python + [
                "-m", "layerwise", "train", data, "--target", "y", "--epochs", str(epochs),
                "--quiet", "--out", os.path.join(tmp, "big.lw")],
        }
        table = Table(title=f"{rows:,} x {cols} numeric CSV ({digits} significant digits), "
                            f"{size / 1e6:.0f} MB; float64 data {rows * cols * 8 / 1e6:.0f} MB")
        for column in ("run", "peak RSS MB", "x file size", "wall s"):
            table.add_column(column, justify="left" if column == "run" else "right")
        for name, command in runs.items():
            peak, wall = _peak_and_wall(command)
            table.add_row(name, f"{peak / 1e6:.0f}", f"{peak / size:.2f}", f"{wall:.1f}")
    Console(width=120).print(table)


def sparse_vs_dense(seed=0):
    """Digits fitted dense and as CSR: the largest probability difference and both times."""
    import numpy as np
    import scipy.sparse as sp
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from layerwise.sklearn import DeepClassifier

    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    print(f"digits: {X.shape[0]} x {X.shape[1]}, {np.mean(X == 0):.0%} zeros")
    results = {}
    for name, train, test in (("dense", X_tr, X_te),
                              ("CSR", sp.csr_matrix(X_tr), sp.csr_matrix(X_te))):
        # standardize=False: sparse input would be scaled but not centred.
        clf = DeepClassifier((128, 64), epochs=50, batch_size=64, random_state=seed,
                             standardize=False)
        start = time.perf_counter()
        clf.fit(train, y_tr)
        seconds = time.perf_counter() - start
        results[name] = (clf.predict_proba(test), clf.score(test, y_te), seconds)
        print(f"{name:>6}: test accuracy {results[name][1]:.4f}, fit {seconds:.2f} s")
    difference = np.abs(results["dense"][0] - results["CSR"][0]).max()
    print(f"largest |probability difference| dense vs CSR: {difference:.3g}")
    return difference


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="seeded splits per data set")
    parser.add_argument("--csv-memory", action="store_true",
                        help="measure layerwise train's peak memory on a large CSV instead")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--cols", type=int, default=100)
    parser.add_argument("--digits", type=int, default=17)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--sparse", action="store_true",
                        help="compare digits fitted from dense and sparse input instead")
    args = parser.parse_args(argv)
    if args.sparse:
        sparse_vs_dense()
        return 0
    if args.csv_memory:
        csv_memory(args.rows, args.cols, args.digits, args.epochs)
        return 0
    from threadpoolctl import threadpool_limits

    warnings.simplefilter("ignore", category=UserWarning)
    with threadpool_limits(limits=1):
        results = measure(args.repeats)
    return 0 if show(results, args.repeats) else 1


if __name__ == "__main__":
    raise SystemExit(main())
