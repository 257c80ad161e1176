"""Sweeps through a threaded LocalCluster: grid, random, TPE, repeats, pruning, limits, retries.

Oracle: every configuration trained directly (``oracle.train_directly``, no
rungs or snapshots); scikit-learn's accuracy of the exported model; Optuna's
own rules recomputed by hand for pruning.
"""

import json

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

import layerwise.sweep as sweep
from conftest import iris_spec
from layerwise.network import Network
from layerwise.sweep.spec import SpecError, decoded_params, parse_spec
from layerwise.sweep.storage import StorageError
from oracle import train_directly, validation_accuracy


def _trials(result):
    return result.study.get_trials(deepcopy=False)


def test_grid_every_point_once_and_equal_to_direct_training(thread_client, tmp_path):
    spec = iris_spec("grid")
    result = sweep.run(spec, storage=str(tmp_path / "grid.db"), client=thread_client, progress=False)
    trials = _trials(result)
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 4
    points = [json.dumps(decoded_params(t.params), sort_keys=True) for t in trials]
    expected = [json.dumps({"learning_rate": lr, "hidden": h}, sort_keys=True)
                for lr in (0.003, 0.03) for h in ([4], [8])]
    assert points == expected  # spec order, each point once
    for t in trials:
        history, network, data = train_directly(spec, decoded_params(t.params))
        assert t.value == history["val_accuracy"][-1], t.number
        assert t.intermediate_values == {e: history["val_accuracy"][e - 1] for e in (4, 8, 12)}
        saved = Network.load(result.checkpoints + f"/trial-{t.number:05d}.lw")
        np.testing.assert_array_equal(saved.predict_proba(data.X_val), network.predict_proba(data.X_val))
        assert validation_accuracy(saved, data) == pytest.approx(t.value, abs=1e-12)
    assert result.best_value == max(t.value for t in trials)
    # the study is a plain Optuna study
    loaded = optuna.load_study(study_name="grid", storage=f"sqlite:///{tmp_path / 'grid.db'}")
    assert len(loaded.trials) == 4 and loaded.best_trial.number == result.best_trial.number


def test_random_search_is_a_function_of_the_seed(thread_client, tmp_path):
    spec = iris_spec("rand", method="random")
    first = sweep.run(spec, storage=str(tmp_path / "a.db"), client=thread_client, progress=False)
    second = sweep.run(spec, storage=str(tmp_path / "b.db"), client=thread_client, progress=False)
    a, b = _trials(first), _trials(second)
    assert len(a) == 6 and all(t.state == TrialState.COMPLETE for t in a)
    assert [(t.params, t.value) for t in a] == [(t.params, t.value) for t in b]
    for t in a:
        assert 1e-3 <= t.params["learning_rate"] <= 1e-1 and 0.0 <= t.params["l2"] <= 0.1
        assert t.params["hidden"] in ("[4]", "[8]")
    history, _, _ = train_directly(spec, decoded_params(a[3].params))
    assert a[3].value == history["val_accuracy"][-1]
    assert len({t.params["learning_rate"] for t in a}) == 6


def test_log_scale_draws_are_log_uniform():
    from scipy import stats

    from layerwise.sweep.search import _sample, _trial_rng

    dist = optuna.distributions.FloatDistribution(1e-4, 1e-1, log=True)
    draws = np.array([_sample(dist, _trial_rng(0, n, "lr")) for n in range(3000)])
    assert draws.min() >= 1e-4 and draws.max() <= 1e-1
    p = stats.kstest(np.log10(draws), stats.uniform(loc=-4, scale=3).cdf).pvalue
    assert p > 1e-3, p
    ints = optuna.distributions.IntDistribution(1, 4)
    counts = np.bincount([_sample(ints, _trial_rng(0, n, "k")) for n in range(4000)], minlength=5)[1:]
    assert stats.chisquare(counts).pvalue > 1e-3, counts


def test_tpe_search(thread_client, tmp_path):
    spec = iris_spec("tpe", method="tpe")
    result = sweep.run(spec, storage=str(tmp_path / "tpe.db"), client=thread_client, progress=False)
    trials = _trials(result)
    assert len(trials) == 6 and all(t.state == TrialState.COMPLETE for t in trials)
    assert isinstance(result.study.sampler, optuna.samplers.TPESampler)
    best = result.best_trial
    history, _, _ = train_directly(spec, decoded_params(best.params))
    assert best.value == history["val_accuracy"][-1]


def test_repeats_average_the_seeds(thread_client, tmp_path):
    spec = iris_spec("rep")
    spec["search"] = {"method": "grid", "params": {"learning_rate": [0.03]}, "repeats": 3}
    result = sweep.run(spec, storage=str(tmp_path / "rep.db"), client=thread_client, progress=False)
    (trial,) = _trials(result)
    direct = [train_directly(spec, {"learning_rate": 0.03}, repeat=r)[0]["val_accuracy"][-1] for r in range(3)]
    assert trial.user_attrs["repeats"]["values"] == direct
    assert trial.value == pytest.approx(np.mean(direct), abs=1e-15)


def test_median_pruning_follows_the_median_rule(thread_client, tmp_path):
    spec = iris_spec("prune", method="random")
    spec["search"]["trials"] = 10
    spec["search"]["params"] = {"learning_rate": {"low": 1e-5, "high": 1e-1, "log": True}}
    spec["pruning"] = {"method": "median", "startup_trials": 3, "warmup_epochs": 4}
    result = sweep.run(spec, storage=str(tmp_path / "p.db"), client=thread_client, progress=False)
    trials = _trials(result)
    pruned = [t for t in trials if t.state == TrialState.PRUNED]
    assert pruned and all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)
    for t in pruned:
        step = max(t.intermediate_values)
        assert 4 <= step < 12  # warm-up epochs are never pruned; a pruned trial stops short
        # MedianPruner's rule by hand: the trial's best value so far is below the median,
        # at this step, of the trials COMPLETE when it was pruned
        earlier = [o.intermediate_values[step] for o in trials
                   if o.state == TrialState.COMPLETE and o.datetime_complete < t.datetime_complete]
        assert len(earlier) >= 3 and max(t.intermediate_values.values()) < np.median(earlier)


def test_successive_halving_prunes(thread_client, tmp_path):
    spec = iris_spec("sha", method="random")
    spec["search"]["trials"] = 8
    spec["pruning"] = {"method": "successive_halving", "min_epochs": 4, "reduction_factor": 2}
    result = sweep.run(spec, storage=str(tmp_path / "s.db"), client=thread_client, progress=False)
    assert isinstance(result.study.pruner, optuna.pruners.SuccessiveHalvingPruner)
    states = [t.state for t in _trials(result)]
    assert TrialState.PRUNED in states and TrialState.COMPLETE in states


def test_time_limit_then_retry_failed(thread_client, tmp_path):
    storage = str(tmp_path / "t.db")
    spec = iris_spec("limit", time_limit=1e-6)
    result = sweep.run(spec, storage=storage, client=thread_client, progress=False)
    failed = _trials(result)
    assert [t.state for t in failed] == [TrialState.FAIL] * 4
    assert all(t.user_attrs["failure"].startswith("time limit of 1e-06 s reached at epoch 1") for t in failed)
    spec.pop("time_limit")
    result = sweep.run(spec, storage=storage, client=thread_client, progress=False, retry_failed=True)
    trials = _trials(result)
    retries = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(trials) == 8 and len(retries) == 4
    assert sorted(t.user_attrs["retry_of"] for t in retries) == [0, 1, 2, 3]
    for t in retries:
        assert t.params == failed[t.user_attrs["retry_of"]].params
        assert t.value == train_directly(spec, decoded_params(t.params))[0]["val_accuracy"][-1]
    # nothing left to retry: a second run changes nothing
    again = sweep.run(spec, storage=storage, client=thread_client, progress=False, retry_failed=True)
    assert len(_trials(again)) == 8


def test_resume_refusals(thread_client, tmp_path):
    storage = str(tmp_path / "r.db")
    spec = iris_spec("r")
    with pytest.raises(StorageError, match="r.db does not exist; there is no study to resume"):
        sweep.run(spec, storage=storage, client=thread_client, progress=False, resume=True)
    sweep.run(spec, storage=storage, client=thread_client, progress=False)
    with pytest.raises(StorageError, match="already exists .* --resume"):
        sweep.run(spec, storage=storage, client=thread_client, progress=False)
    changed = iris_spec("r", model={"hidden": [8], "activation": "tanh"})
    with pytest.raises(SpecError, match=r"spec changed .*model.activation: \"relu\" -> \"tanh\""):
        sweep.run(changed, storage=storage, client=thread_client, progress=False, resume=True)
    # adding a grid value is allowed: only the new points run
    wider = iris_spec("r")
    wider["search"]["params"]["learning_rate"] = [0.003, 0.03, 0.01]
    result = sweep.run(wider, storage=storage, client=thread_client, progress=False, resume=True)
    trials = _trials(result)
    assert len(trials) == 6 and all(t.state == TrialState.COMPLETE for t in trials)
    assert {decoded_params(t.params)["learning_rate"] for t in trials[4:]} == {0.01}


def test_regression_r2_matches_scikit_learn(thread_client, tmp_path):
    from sklearn.metrics import r2_score

    from layerwise.sweep.data import load_data

    spec = {"name": "reg", "data": {"name": "diabetes"}, "model": {"hidden": [16]},
            "train": {"optimizer": "adam", "epochs": 20, "batch_size": 32},
            "search": {"method": "grid", "params": {"learning_rate": [0.01, 0.03]}}, "seed": 2}
    result = sweep.run(spec, storage=str(tmp_path / "reg.db"), client=thread_client, progress=False)
    data = load_data(parse_spec(spec).data, 2)
    for t in _trials(result):
        model = Network.load(result.checkpoints + f"/trial-{t.number:05d}.lw")
        assert t.value == pytest.approx(r2_score(data.Y_val.ravel(), model.predict_proba(data.X_val).ravel()),
                                        abs=1e-12)
    assert result.study.direction == optuna.study.StudyDirection.MAXIMIZE


def test_divergence_fails_the_trial_only(thread_client, tmp_path):
    spec = iris_spec("div")
    spec["search"]["params"] = {"learning_rate": [0.01, 1.0e6]}
    spec["train"]["optimizer"] = "gd"
    result = sweep.run(spec, storage=str(tmp_path / "div.db"), client=thread_client, progress=False)
    ok, bad = _trials(result)
    assert ok.state == TrialState.COMPLETE and bad.state == TrialState.FAIL
    assert bad.user_attrs["failure"].startswith("training diverged")
