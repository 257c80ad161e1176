"""The TrainConfig options that reproduce the course's arithmetic, on hand-worked cases.

Oracles: closed forms (for a sigmoid unit with cross-entropy, the chained
``dAL * s * (1 - s)`` equals ``AL - Y``), and costs worked out by hand from
``-(y log a + (1 - y) log(1 - a))`` on outputs saturated at exactly 0 and 1.
"""

import math

import numpy as np
import pytest

from layerwise import Network
from layerwise.training import Trainer, TrainConfig, TrainingDivergedError


def _unit(w, b=0.0):
    """One sigmoid unit on one input: logistic regression with weight ``w``."""
    net = Network([1, 1], ["sigmoid"], init="zeros", loss="binary_cross_entropy")
    net.parameters = {"W1": np.array([[w]]), "b1": np.array([[b]])}
    return net


def _step(net, X, Y, **options):
    config = TrainConfig(optimizer="gd", learning_rate=0.5, epochs=1, **options)
    trainer = Trainer(net, config, X, Y, rng=0)
    trainer.run()
    return trainer


def test_chained_output_delta_is_the_fused_one_for_sigmoid_and_cross_entropy():
    rs = np.random.RandomState(0)
    X = rs.randn(1, 50)
    Y = (rs.rand(1, 50) < 0.5).astype(float)
    w0, b0 = 0.7, -0.2
    a = 1 / (1 + np.exp(-(w0 * X + b0)))
    # closed form of one batch-GD step: dW = (a - y) x^T / m, db = mean(a - y)
    w1 = w0 - 0.5 * float(np.mean((a - Y) * X))
    b1 = b0 - 0.5 * float(np.mean(a - Y))
    for delta in ("fused", "chain"):
        net = _unit(w0, b0)
        _step(net, X, Y, output_delta=delta, clip_probabilities=False)
        np.testing.assert_allclose([net.parameters["W1"][0, 0], net.parameters["b1"][0, 0]],
                                   [w1, b1], rtol=1e-13, err_msg=delta)


def test_unclipped_cost_is_inf_where_the_output_saturates_against_its_label():
    X, Y = np.array([[1.0, -1.0]]), np.array([[0.0, 1.0]])
    # a = [1.0 exactly, sigmoid(-100)]: the first loss is -log(1 - 1) = inf
    net = _unit(100.0)
    trainer = _step(net, X, Y, clip_probabilities=False, on_divergence="continue")
    assert trainer.history.cost == [math.inf]
    # the fused delta AL - Y stays finite: the parameters moved and stayed finite
    assert np.isfinite(net.flat_parameters).all() and net.parameters["W1"][0, 0] < 100.0
    with pytest.raises(TrainingDivergedError, match=r"cost became inf in epoch 1 of 1"):
        _step(_unit(100.0), X, Y, clip_probabilities=False)
    clipped = _step(_unit(100.0), X, Y).history.cost[0]
    assert math.isfinite(clipped) and clipped > 10  # -log(eps) / 2, large but finite


def test_skip_nan_losses_drops_zero_times_log_zero_as_nansum_does():
    X, Y = np.array([[1.0, -1.0, 0.0]]), np.array([[1.0, 0.0, 1.0]])
    # losses by hand: a = 1 with y = 1 gives 0 * log(0) = nan; a ~ 0 with y = 0 gives 0;
    # a = 1/2 gives log 2. nansum / m = log(2) / 3; a plain sum is nan.
    trainer = _step(_unit(100.0), X, Y, clip_probabilities=False, skip_nan_losses=True)
    assert trainer.history.cost == [pytest.approx(math.log(2) / 3, rel=1e-15)]
    kept = _step(_unit(100.0), X, Y, clip_probabilities=False, on_divergence="continue")
    assert math.isnan(kept.history.cost[0])


def test_check_targets_false_takes_real_valued_targets():
    X, Y = np.array([[1.0, 2.0]]), np.array([[-0.5, 1.5]])
    with pytest.raises(ValueError, match="Y"):
        _step(_unit(0.1), X, Y)
    net = _unit(0.1)
    _step(net, X, Y, check_targets=False)
    # dZ = a - y still: w1 = w0 - lr * mean((a - y) x)
    a = 1 / (1 + np.exp(-0.1 * X))
    assert net.parameters["W1"][0, 0] == pytest.approx(0.1 - 0.5 * np.mean((a - Y) * X), rel=1e-13)


def test_continue_keeps_training_through_non_finite_parameters():
    def linear_unit():
        net = Network([1, 1], ["linear"], init="zeros", loss="mse")
        net.parameters = {"W1": np.array([[1.0]]), "b1": np.array([[0.0]])}
        return net

    X, Y = np.array([[1e200, 2e200]]), np.array([[0.0, 1.0]])
    config = TrainConfig(optimizer="gd", learning_rate=1.0, epochs=4, on_divergence="continue")
    history = Trainer(linear_unit(), config, X, Y, rng=0).run()
    # (a - y)^2 of 1e200-sized outputs overflows at once; the loop goes on as the course's do
    assert history.epochs == 4 and history.stop_reason == "epochs"
    assert history.cost[0] == math.inf
    with pytest.raises(TrainingDivergedError, match="in epoch 1 of 4"):
        Trainer(linear_unit(), config.replace(on_divergence="raise"), X, Y, rng=0).run()


def test_course_options_are_fixed_for_a_trainer_and_round_trip_as_json():
    config = TrainConfig(output_delta="chain", clip_probabilities=False, skip_nan_losses=True,
                         check_targets=False, on_divergence="continue")
    assert TrainConfig.from_dict(config.to_dict()) == config
    old = TrainConfig().to_dict()
    for key in ("output_delta", "clip_probabilities", "skip_nan_losses", "check_targets",
                "on_divergence"):
        del old[key]  # a model file written before these fields existed
    assert TrainConfig.from_dict(old) == TrainConfig()
    with pytest.raises(ValueError, match=r"unknown output_delta 'unfused'; choose one of "
                                         r"\['chain', 'fused'\]"):
        TrainConfig(output_delta="unfused")
    with pytest.raises(TypeError, match="clip_probabilities must be True or False"):
        TrainConfig(clip_probabilities=1)
    trainer = Trainer(_unit(0.1), TrainConfig(epochs=2), np.array([[1.0]]), np.array([[1.0]]),
                      rng=0)
    for change in ({"clip_probabilities": False}, {"output_delta": "chain"},
                   {"skip_nan_losses": True}, {"check_targets": False}):
        with pytest.raises(ValueError, match="is fixed when a trainer is built"):
            trainer.update_config(**change)
    trainer.update_config(on_divergence="continue")  # a stopping rule: may change mid-run
