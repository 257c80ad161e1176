"""layerwise against scikit-learn's MLP on scikit-learn's bundled data sets.

Run by hand (never in CI): ``python scripts/real_data.py [--repeats 5]``.

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
import statistics
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="seeded splits per data set")
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    warnings.simplefilter("ignore", category=UserWarning)
    with threadpool_limits(limits=1):
        results = measure(args.repeats)
    return 0 if show(results, args.repeats) else 1


if __name__ == "__main__":
    raise SystemExit(main())
