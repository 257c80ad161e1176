"""The one training loop: snapshots, interruption, early stopping, convergence, divergence.

Oracles: an uninterrupted run of the same trainer (bit-for-bit continuation),
scikit-learn's stopping rule recomputed by hand from the recorded curves, the
validation metric recomputed from the restored weights, and plain serial
inference for the thread tests.
"""

import math
import os
import signal
import threading

import numpy as np
import pytest

import layerwise as lw
from layerwise.training import TrainConfig, Trainer, TrainerSnapshot


def _moons(m=120, seed=0):
    from sklearn.datasets import make_moons

    X, y = make_moons(m, noise=0.25, random_state=seed)
    return np.ascontiguousarray(X.T), y.reshape(1, -1).astype(float)


X, Y = _moons()
XV, YV = _moons(60, seed=1)

OPTIMIZERS = ["gd", "momentum", "rmsprop", "adam"]


def _trainer(config, dtype="float64", seed=0, validation=True):
    net = lw.Network([2, 6, 4, 1], seed=seed, dtype=dtype)
    return Trainer(net, config, X.astype(dtype), Y.astype(dtype),
                   validation_data=(XV.astype(dtype), YV.astype(dtype)) if validation else None)


# ------------------------------------------------------------------ snapshots
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("schedule", [None, "inverse_time", "step"])
@pytest.mark.parametrize("keep_prob", [1.0, 0.8])
def test_snapshot_mid_epoch_continues_bit_for_bit(dtype, optimizer, schedule, keep_prob):
    config = TrainConfig(optimizer=optimizer, learning_rate=0.05, epochs=6, batch_size=32,
                         lr_schedule=schedule, decay_rate=0.5, time_interval=2,
                         keep_prob=keep_prob, lambd=0.1, seed=4, early_stopping=True,
                         n_iter_no_change=20)
    reference = _trainer(config, dtype)
    reference.run()

    first = _trainer(config, dtype)
    first.run(until=2)
    for _ in range(2):  # into the middle of epoch 3
        first.step()
    blob = first.snapshot().to_bytes()
    # a fresh network and trainer, restored from bytes, continues as if never stopped
    snapshot = TrainerSnapshot.from_bytes(blob)
    second = Trainer.from_snapshot(snapshot, lw.Network.from_spec(snapshot.network_spec),
                                   X.astype(dtype), Y.astype(dtype),
                                   validation_data=(XV.astype(dtype), YV.astype(dtype)))
    second.run()
    np.testing.assert_array_equal(second.network.flat_parameters,
                                  reference.network.flat_parameters)
    assert second.history.to_dict()["cost"] == reference.history.to_dict()["cost"]
    assert second.history.val_cost == reference.history.val_cost
    assert second.history.best_epoch == reference.history.best_epoch
    assert second.steps == reference.steps


def test_restore_into_the_same_trainer_rewinds_it():
    config = TrainConfig(optimizer="adam", learning_rate=0.01, epochs=5, batch_size=16, seed=1)
    trainer = _trainer(config)
    trainer.run(until=1)
    trainer.step()
    snap = trainer.snapshot()
    trainer.run(until=3)
    after_three = trainer.network.flat_parameters.copy()
    trainer.restore(snap)
    assert trainer.epoch == 1 and trainer.batch == 1
    trainer.run(until=3)
    np.testing.assert_array_equal(trainer.network.flat_parameters, after_three)


def test_snapshot_refuses_another_network_or_data():
    trainer = _trainer(TrainConfig(epochs=2, seed=0))
    snap = trainer.snapshot()
    other = Trainer(lw.Network([2, 5, 1], seed=0), TrainConfig(epochs=2), X, Y)
    with pytest.raises(ValueError, match="layer_dims"):
        other.restore(snap)
    fewer = Trainer(lw.Network([2, 6, 4, 1], seed=0), TrainConfig(epochs=2), X[:, :50], Y[:, :50])
    with pytest.raises(ValueError, match="120 training examples"):
        fewer.restore(snap)
    with pytest.raises(ValueError, match="not a trainer snapshot"):
        TrainerSnapshot.from_bytes(b"not an npz")


def test_update_config_applies_from_the_next_step():
    config = TrainConfig(optimizer="gd", learning_rate=0.1, epochs=3, batch_size=None)
    trainer = _trainer(config, validation=False)
    params = {k: v.copy() for k, v in trainer.network.parameters.items()}
    trainer.step()
    trainer.update_config(learning_rate=0.01)
    trainer.step()
    # the oracle: the same two GD steps with the functional API, 0.1 then 0.01
    for lr in (0.1, 0.01):
        AL, caches = lw.L_model_forward(X, params)
        grads = lw.L_model_backward(AL, Y, caches)
        params = lw.update_parameters(params, grads, lr)
    for key, value in params.items():
        np.testing.assert_allclose(trainer.network.parameters[key], value, rtol=1e-13, err_msg=key)
    assert trainer.history.learning_rate == [0.1, 0.01]


# ---------------------------------------------------------------- interruption
class _RaiseAt(lw.Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, trainer, epoch, logs):
        if epoch == self.epoch:
            raise KeyboardInterrupt


def _consistent(history):
    d = history.to_dict()
    lengths = {k: len(d[k]) for k in ("cost", "learning_rate", "val_cost", "val_accuracy",
                                      "val_score", "seconds")}
    assert len(set(lengths.values())) == 1, lengths


@pytest.mark.parametrize("at", range(0, 40, 4))
def test_keyboard_interrupt_from_a_callback_keeps_the_history_consistent(at):
    net = lw.Network([2, 6, 1], seed=0)
    with pytest.warns(RuntimeWarning, match="interrupted"):
        history = net.fit(X, Y, epochs=60, batch_size=16, validation_data=(XV, YV),
                          early_stopping=10, callbacks=[_RaiseAt(at)], verbose=0, rng=0)
    assert history.interrupted and history.stop_reason == "interrupted"
    _consistent(history)
    assert history.epochs == at + 1


def test_sigint_at_a_hundred_instants_never_tears_the_history():
    """Real SIGINTs from a timer thread, at spread-out moments of fits with early stopping."""
    import warnings

    rng = np.random.default_rng(0)
    config = TrainConfig(epochs=100000, batch_size=8, early_stopping=True,
                         n_iter_no_change=10**6, learning_rate=0.01)
    class SignalLater(lw.Callback):
        """Starts the timer once the loop runs (after epoch 0), so every signal lands in it."""

        def __init__(self, delay):
            self.delay, self.timer = delay, None

        def on_epoch_end(self, trainer, epoch, logs):
            if self.timer is None:
                self.timer = threading.Timer(self.delay, os.kill, (os.getpid(), signal.SIGINT))
                self.timer.start()

    for k in range(100):
        net = lw.Network([2, 16, 16, 1], seed=k)
        later = SignalLater(float(rng.uniform(0.0, 0.03)))
        trainer = Trainer(net, config, X, Y, validation_data=(XV, YV), rng=k, callbacks=[later])
        # A budget the signal always interrupts: epochs far beyond the delay.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                history = trainer.run()
            finally:
                later.timer.join()
        assert history.interrupted and trainer.stop_reason == "interrupted", k
        _consistent(history)
        assert np.isfinite(net.flat_parameters).all()
        # early stopping put back the best epoch seen before the interrupt
        if history.epochs:
            assert history.best_epoch == int(np.argmin(history.val_cost))


def test_interrupted_trainer_resumes_where_it_stopped():
    config = TrainConfig(optimizer="adam", learning_rate=0.01, epochs=6, batch_size=16, seed=3)
    reference = _trainer(config)
    reference.run()
    trainer = _trainer(config)
    trainer.run(until=2)
    for _ in range(3):
        trainer.step()
    snap = trainer.snapshot()  # what an interrupted trainer holds
    resumed = _trainer(config)
    resumed.restore(snap)
    resumed.run()
    np.testing.assert_array_equal(resumed.network.flat_parameters,
                                  reference.network.flat_parameters)


# ------------------------------------------------------------- early stopping
def _sklearn_stop_epoch(values, tol, n_iter_no_change, maximize):
    """scikit-learn's MLP rule, by hand: the epoch count at which it stops (or None)."""
    best, count = -math.inf if maximize else math.inf, 0
    for i, v in enumerate(values):
        worse = v < best + tol if maximize else v > best - tol
        count = count + 1 if worse else 0
        if (maximize and v > best) or (not maximize and v < best):
            best = v
        if count > n_iter_no_change:
            return i + 1
    return None


@pytest.mark.parametrize("tol", [0.0, 1e-4, 0.02, 0.2])
def test_network_early_stopping_restores_the_best_epoch(tol):
    net = lw.Network([2, 16, 1], seed=0)
    history = net.fit(X, Y, optimizer="adam", learning_rate=0.05, epochs=300, batch_size=16,
                      validation_data=(XV, YV), early_stopping=True, tol=tol,
                      n_iter_no_change=8, verbose=0, rng=0)
    best = int(np.argmin(history.val_cost))  # first minimum: ties keep the earliest
    assert history.best_epoch == best
    assert net.evaluate(XV, YV)["cost"] == history.val_cost[best]
    stop = _sklearn_stop_epoch(history.val_cost, tol, 8, maximize=False)
    assert history.epochs == (stop or 300)


@pytest.mark.parametrize("seed", range(20))
def test_classifier_best_validation_score_is_the_max_and_is_restored(seed):
    from sklearn.datasets import make_classification

    from layerwise.sklearn import DeepClassifier

    Xc, yc = make_classification(300, n_features=6, n_informative=4, random_state=seed)
    tol = [0.0, 1e-4, 0.05][seed % 3]
    clf = DeepClassifier((16,), epochs=200, learning_rate=0.02, early_stopping=True,
                         validation_fraction=0.2, n_iter_no_change=6, tol=tol,
                         random_state=seed).fit(Xc, yc)
    scores = clf.validation_scores_
    assert clf.best_validation_score_ == max(scores)
    assert clf.best_epoch_ == int(np.argmax(scores))
    stop = _sklearn_stop_epoch(scores, tol, 6, maximize=True)
    assert clf.n_iter_ == (stop or 200)


def test_regressor_restores_the_best_r2_epoch():
    from sklearn.datasets import make_regression
    from sklearn.metrics import r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.utils import check_random_state

    from layerwise.sklearn import DeepRegressor

    for seed in range(8):
        Xr, yr = make_regression(200, n_features=4, noise=5.0, random_state=seed)
        reg = DeepRegressor((16,), epochs=150, learning_rate=0.01, early_stopping=True,
                            n_iter_no_change=5, standardize=True, random_state=seed).fit(Xr, yr)
        assert reg.best_validation_score_ == max(reg.validation_scores_)
        # recompute R² of the restored weights on the same held-out rows
        rs = check_random_state(seed)
        rs.standard_normal(4 * 16)
        rs.standard_normal(16)
        index = np.sort(rs.permutation(200)[:20])
        np.testing.assert_allclose(r2_score(yr[index], reg.predict(Xr[index])),
                                   reg.best_validation_score_, rtol=1e-9)


# ---------------------------------------------------------------- convergence
def test_tol_without_early_stopping_stops_on_the_training_cost():
    net = lw.Network([2, 8, 1], seed=0)
    history = net.fit(X, Y, optimizer="adam", learning_rate=0.01, epochs=2000, batch_size=32,
                      tol=1e-3, n_iter_no_change=5, verbose=0, rng=0)
    assert history.converged and history.stop_reason == "converged"
    assert history.epochs == _sklearn_stop_epoch(history.cost, 1e-3, 5, maximize=False)


def test_estimators_warn_when_the_budget_runs_out():
    from sklearn.exceptions import ConvergenceWarning

    from layerwise.sklearn import DeepClassifier

    with pytest.warns(ConvergenceWarning, match="maximum of 3 epochs"):
        DeepClassifier((8,), epochs=3, random_state=0).fit(X.T, Y.ravel())


# ------------------------------------------------------------------ divergence
def test_divergence_names_the_quantity_and_keeps_finite_weights():
    net = lw.Network([2, 8, 1], ["relu", "linear"], loss="mse", seed=0)
    with pytest.raises(lw.TrainingDivergedError) as info:
        net.fit(X * 100, Y * 100, optimizer="gd", learning_rate=1e300, epochs=5, verbose=0)
    err = info.value
    # counted as the progress bar counts: the epochs recorded, plus the failing one
    assert err.epoch == len(err.history.cost) + 1 and f"epoch {err.epoch} of 5" in str(err)
    assert err.quantity == "cost" or err.quantity.startswith(("parameter", "gradient"))
    assert not math.isfinite(err.value) and f"the {err.quantity} became {err.value}" in str(err)
    assert np.isfinite(net.flat_parameters).all()


def test_estimator_left_unfitted_after_divergence():
    from sklearn.exceptions import NotFittedError

    from layerwise.sklearn import DeepRegressor

    reg = DeepRegressor((8,), optimizer="gd", learning_rate=1e6, batch_size=None, epochs=5)
    with pytest.raises(lw.TrainingDivergedError):
        reg.fit(X.T * 100, Y.ravel() * 1e6)
    with pytest.raises(NotFittedError):
        reg.predict(X.T)
    assert not hasattr(reg, "n_iter_") and not hasattr(reg, "loss_curve_")
    # a fitted estimator whose partial_fit diverges keeps its previous state
    reg = DeepRegressor((8,), optimizer="gd", learning_rate=1e-3, random_state=0).fit(X.T, Y.ravel())
    before = reg.predict(X.T)
    reg.set_params(learning_rate=1e300)
    with pytest.raises(lw.TrainingDivergedError):
        reg.partial_fit(X.T * 1e3, Y.ravel() * 1e9)
    np.testing.assert_array_equal(reg.predict(X.T), before)


# ---------------------------------------------------------------------- threads
def test_eight_threads_predict_exactly_the_serial_result():
    from sklearn.datasets import load_digits

    from layerwise.sklearn import DeepClassifier

    Xd, yd = load_digits(return_X_y=True)
    clf = DeepClassifier((32,), epochs=3, random_state=0).fit(Xd, yd)
    serial = clf.predict_proba(Xd)
    other = DeepClassifier((64, 32), epochs=40, random_state=1)
    results, errors = [None] * 8, []

    def work(i):
        try:
            for _ in range(5):
                out = clf.predict_proba(Xd)
                results[i] = out
                if not np.array_equal(out, serial):
                    return
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    fitting = threading.Thread(target=other.fit, args=(Xd, yd))
    fitting.start()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    fitting.join()
    assert not errors
    for out in results:
        np.testing.assert_array_equal(out, serial)


# ----------------------------------------------------------------- the config
def test_config_json_round_trip_and_refusals():
    import json

    config = TrainConfig(optimizer="momentum", learning_rate=0.1, keep_prob=(0.9, 0.8),
                         lr_schedule="step", early_stopping=True, tol=1e-3, seed=7)
    again = TrainConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config
    with pytest.raises(ValueError, match="unknown TrainConfig field 'learnig_rate'"):
        TrainConfig.from_dict({"learnig_rate": 0.1})
    with pytest.raises(ValueError, match=r"epochs must be an integer >= 1"):
        TrainConfig(epochs=0)
    with pytest.raises(TypeError, match=r"shuffle must be True or False; got str 'yes'"):
        TrainConfig(shuffle="yes")
    with pytest.raises(ValueError, match=r"unknown monitor 'val_loss'"):
        TrainConfig(monitor="val_loss")
    with pytest.raises(ValueError, match=r"l2 must be a finite number >= 0; got -1"):
        TrainConfig.from_aliases({"l2": -1}, {"l2": "lambd"})
    with pytest.raises(TypeError, match="callable"):
        TrainConfig(lr_schedule=lambda lr, e: lr).to_dict()


def test_model_files_and_estimators_share_one_config_table():
    from layerwise.sklearn import DeepClassifier

    with pytest.raises(ValueError, match=r"epochs must be an integer >= 1"):
        DeepClassifier(epochs=0).fit(X.T, Y.ravel())
    with pytest.raises(ValueError, match=r"l2 must be a finite number >= 0"):
        DeepClassifier(l2=-1.0).fit(X.T, Y.ravel())
    with pytest.raises(ValueError, match=r"epochs must be an integer >= 1"):
        lw.Network([2, 3, 1]).fit(X, Y, epochs=0)
