"""The search side of a sweep, as Optuna objects: sampler, pruner, grid points.

* ``grid`` -- every grid point is enqueued in the study (``enqueue_trial``) in
  the spec's order, so trial ``k`` is always the same point, and a resumed or
  widened grid only enqueues the points the study does not hold yet.
* ``random`` -- :class:`TrialSeededRandomSampler`: each value is drawn from a
  generator seeded by (spec seed, trial number, parameter), so trial ``k``
  gets the same parameters whether the coordinator ran without a break or
  was killed and resumed in between (Optuna's ``RandomSampler`` keeps one
  generator per process, which a restart rewinds).
* ``tpe`` -- Optuna's ``TPESampler`` seeded by the spec (after a resume it
  continues from the study's trials, as Optuna makes it).

Pruning: ``median`` is ``MedianPruner(n_startup_trials, n_warmup_steps)``,
``successive_halving`` is ``SuccessiveHalvingPruner(min_resource,
reduction_factor)``; steps are epochs.
"""

from __future__ import annotations

import hashlib

import numpy as np
import optuna


def _trial_rng(seed, number, name):
    digest = hashlib.sha256(f"{seed}/{number}/{name}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _sample(distribution, rng):
    d = optuna.distributions
    if isinstance(distribution, d.CategoricalDistribution):
        return distribution.choices[int(rng.integers(len(distribution.choices)))]
    low, high = distribution.low, distribution.high
    if isinstance(distribution, d.IntDistribution):
        if distribution.log:
            value = int(round(np.exp(rng.uniform(np.log(low - 0.5), np.log(high + 0.5)))))
            return min(max(value, low), high)
        steps = (high - low) // distribution.step
        return int(low + distribution.step * rng.integers(steps + 1))
    if distribution.log:
        return float(min(max(np.exp(rng.uniform(np.log(low), np.log(high))), low), high))
    if distribution.step is not None:
        steps = int(round((high - low) / distribution.step))
        return float(low + distribution.step * rng.integers(steps + 1))
    return float(rng.uniform(low, high))


class TrialSeededRandomSampler(optuna.samplers.BaseSampler):
    """Uniform random search whose draws depend only on (seed, trial number, parameter).

    Parameters
    ----------
    seed : int

    Notes
    -----
    Log-scaled floats are uniform in ``log(value)``; integer log ranges round
    a log-uniform draw over ``[low - 0.5, high + 0.5]``.
    """

    def __init__(self, seed):
        self.seed = int(seed)

    def infer_relative_search_space(self, study, trial):
        return {}

    def sample_relative(self, study, trial, search_space):
        return {}

    def sample_independent(self, study, trial, param_name, param_distribution):
        return _sample(param_distribution, _trial_rng(self.seed, trial.number, param_name))


def make_sampler(spec):
    """The Optuna sampler for ``spec.method``."""
    if spec.method == "tpe":
        return optuna.samplers.TPESampler(seed=spec.seed)
    # grid points are enqueued with fixed parameters; the sampler never draws for them
    return TrialSeededRandomSampler(spec.seed)


def make_pruner(spec):
    """The Optuna pruner for ``spec.pruning`` (``NopPruner`` for none)."""
    options = spec.pruning
    if options["method"] == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=options.get("startup_trials", 5),
                                           n_warmup_steps=options.get("warmup_epochs", 0))
    if options["method"] == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(
            min_resource=options.get("min_epochs", "auto"),
            reduction_factor=options.get("reduction_factor", 4))
    return optuna.pruners.NopPruner()


def distributions(spec):
    """``{param name: Optuna distribution}`` of every searched parameter."""
    return {p.name: p.distribution(grid=spec.method == "grid") for p in spec.params}
