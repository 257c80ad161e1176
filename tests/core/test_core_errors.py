"""Bad input: the named error, with a message that names the argument.

Oracle: the issue's list of bad inputs. Also: damaged model files are refused,
a diverging fit stops with TrainingDivergedError and keeps finite parameters,
and Ctrl-C during fit returns what was learned with a warning.
"""

import hashlib
import io
import json
import zipfile

import numpy as np
import pytest

import layerwise as lw

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 6))
Y = np.array([[0.0, 1.0, 1.0, 0.0, 1.0, 0.0]])
PARAMS = lw.initialize_parameters_deep([3, 4, 1], rng=0)


def _grads():
    AL, caches = lw.L_model_forward(X, PARAMS)
    return lw.L_model_backward(AL, Y, caches)


def _net(**kw):
    return lw.Network([3, 4, 1], seed=0, **kw)


def _with_nan(a, where=(1, 2), value=np.nan):
    a = a.copy()
    a[where] = value
    return a


CHOICES_ACT = "leaky_relu.*linear.*relu.*sigmoid.*softmax.*tanh"

BAD_CALLS = {
    # X rows != layer_dims[0]
    "fit X rows": (lambda: _net().fit(RNG.standard_normal((2, 6)), Y, verbose=0), ValueError,
                   r"X has 2 rows.*layer_dims\[0\] is 3"),
    "predict X rows": (lambda: _net().predict(RNG.standard_normal((4, 6))), ValueError, r"X has 4 rows"),
    "L_model_forward X rows": (lambda: lw.L_model_forward(RNG.standard_normal((2, 6)), PARAMS),
                               ValueError, r"X has shape \(2, 6\).*3"),
    "X transposed": (lambda: _net().fit(X.T, Y.T, verbose=0), ValueError, r"X has 6 rows.*one example per column"),
    # X and Y with different m
    "fit m": (lambda: _net().fit(X, Y[:, :5], verbose=0), ValueError, r"X has 6 examples.*Y has 5"),
    "mini batches m": (lambda: lw.random_mini_batches(X, Y[:, :5], 2), ValueError, r"X has 6 .*Y has 5"),
    "compute_cost m": (lambda: lw.compute_cost(np.full((1, 6), 0.5), Y[:, :5]), ValueError,
                       r"Y has shape \(1, 5\) but AL has shape \(1, 6\)"),
    "L_model_backward m": (lambda: lw.L_model_backward(*_fwd_AL_caches_bad_Y()), ValueError,
                           r"Y has shape .* but AL has shape"),
    "split m": (lambda: lw.train_test_split(X, Y[:, :5]), ValueError, r"X has 6 .*Y has 5"),
    # labels
    "bce labels": (lambda: _net().fit(X, Y * 2, verbose=0), ValueError, r"Y must hold labels 0 or 1.*\[2\.0\]"),
    "bce labels 0.5": (lambda: _net().fit(X, Y * 0 + 0.5, verbose=0), ValueError, r"Y must hold labels 0 or 1"),
    "cce not one-hot": (lambda: lw.Network([3, 4, 3], ["relu", "softmax"]).fit(X, np.ones((3, 6)), verbose=0),
                        ValueError, r"Y must be one-hot"),
    "cce labels": (lambda: lw.Network([3, 4, 3], ["relu", "softmax"]).fit(
        X, lw.one_hot([0, 1, 2, 0, 1, 2]) * 2, verbose=0), ValueError, r"Y must be one-hot"),
    # NaN / inf
    "NaN in X": (lambda: _net().fit(_with_nan(X), Y, verbose=0), ValueError, r"X contains NaN or inf.*\(1, 2\)"),
    "inf in X": (lambda: _net().fit(_with_nan(X, value=np.inf), Y, verbose=0), ValueError, r"X contains NaN"),
    "NaN in Y": (lambda: _net().fit(X, _with_nan(Y, (0, 3)), verbose=0), ValueError, r"Y contains NaN"),
    "-inf in Y": (lambda: _net().fit(X, _with_nan(Y, (0, 3), -np.inf), verbose=0), ValueError, r"Y contains NaN"),
    "NaN in predict": (lambda: _net().predict(_with_nan(X)), ValueError, r"X contains NaN"),
    "NaN in validation": (lambda: _net().fit(X, Y, validation_data=(_with_nan(X), Y), verbose=0),
                          ValueError, r"X contains NaN"),
    "NaN in Standardizer": (lambda: lw.Standardizer().fit(_with_nan(X)), ValueError, r"X contains NaN"),
    # unknown names, with the choices listed
    "activation Network": (lambda: lw.Network([3, 4, 1], ["relu", "sigmoidd"]), ValueError,
                           r"unknown activation 'sigmoidd'; choose one of .*" + CHOICES_ACT),
    "activation forward": (lambda: lw.L_model_forward(X, PARAMS, ["relu", "swish"]), ValueError,
                           r"unknown activation 'swish'.*" + CHOICES_ACT),
    "activation layer": (lambda: lw.linear_activation_forward(X, PARAMS["W1"], PARAMS["b1"], "gelu"),
                         ValueError, r"unknown activation 'gelu'.*" + CHOICES_ACT),
    "initializer Network": (lambda: lw.Network([3, 4, 1], init="glorot"), ValueError,
                            r"unknown init 'glorot'; choose one of .*he.*random.*xavier.*zeros"),
    "initializer function": (lambda: lw.initialize_parameters_deep([3, 4, 1], "glorot"), ValueError,
                             r"unknown initialization method 'glorot'.*he.*random.*xavier.*zeros"),
    "loss Network": (lambda: lw.Network([3, 4, 1], loss="hinge"), ValueError,
                     r"unknown loss 'hinge'.*binary_cross_entropy.*categorical_cross_entropy.*mae.*mse"),
    "loss compute_cost": (lambda: lw.compute_cost(np.full((1, 6), 0.5), Y, "hinge"), ValueError,
                          r"unknown loss 'hinge'.*mse"),
    "optimizer fit": (lambda: _net().fit(X, Y, optimizer="adagrad", verbose=0), ValueError,
                      r"unknown optimizer 'adagrad'.*adam.*gd.*momentum.*rmsprop"),
    "optimizer object": (lambda: _net().fit(X, Y, optimizer=object(), verbose=0), TypeError,
                         r"optimizer must be one of"),
    # number of activations
    "too few activations": (lambda: lw.Network([3, 4, 1], ["relu"]), ValueError,
                            r"activations has 1 entries but the network has 2 layers"),
    "too many activations": (lambda: lw.L_model_forward(X, PARAMS, ["relu", "relu", "sigmoid"]),
                             ValueError, r"activations has 3 entries but the network has 2 layers"),
    "activations string": (lambda: lw.Network([3, 4, 1], "relu"), TypeError, r"activations must be a list"),
    # keep_prob
    "keep_prob 0": (lambda: _net().fit(X, Y, keep_prob=0.0, verbose=0), ValueError, r"keep_prob must be in \(0, 1\]; got 0"),
    "keep_prob 1.5": (lambda: _net().fit(X, Y, keep_prob=1.5, verbose=0), ValueError, r"keep_prob .*1\.5"),
    "keep_prob -0.1 forward": (lambda: lw.L_model_forward(X, PARAMS, keep_prob=-0.1), ValueError, r"keep_prob"),
    "keep_prob count": (lambda: lw.L_model_forward(X, PARAMS, keep_prob=[0.5, 0.5]), ValueError,
                        r"keep_prob must be one number or one per hidden layer \(1\); got 2"),
    # learning_rate
    "lr 0 fit": (lambda: _net().fit(X, Y, learning_rate=0, verbose=0), ValueError, r"learning_rate must be .*> 0; got 0"),
    "lr negative fit": (lambda: _net().fit(X, Y, learning_rate=-0.1, verbose=0), ValueError, r"learning_rate.*-0\.1"),
    "lr 0 update_parameters": (lambda: lw.update_parameters(PARAMS, _grads(), 0.0), ValueError, r"learning_rate"),
    "lr 0 adam": (lambda: lw.update_parameters_with_adam(PARAMS, _grads(), *lw.initialize_adam(PARAMS), 1,
                                                         learning_rate=0), ValueError, r"learning_rate"),
    "lr NaN optimizer": (lambda: lw.Adam(np.nan), ValueError, r"learning_rate must be a finite number"),
    "lr string": (lambda: lw.GradientDescent("0.1"), TypeError, r"learning_rate must be a real number"),
    # mini_batch_size
    "mini_batch_size 0": (lambda: lw.random_mini_batches(X, Y, 0), ValueError, r"mini_batch_size must be an integer >= 1; got 0"),
    "mini_batch_size float": (lambda: lw.random_mini_batches(X, Y, 2.5), TypeError, r"mini_batch_size must be an integer"),
    "batch_size 0": (lambda: _net().fit(X, Y, batch_size=0, verbose=0), ValueError, r"batch_size must be an integer >= 1"),
    # layer sizes
    "layer 0 Network": (lambda: lw.Network([3, 0, 1]), ValueError, r"layer_dims\[1\] must be >= 1.*got 0"),
    "layer -2 init": (lambda: lw.initialize_parameters_deep([3, 4, -2]), ValueError, r"layer_dims\[2\] must be >= 1"),
    "layer float": (lambda: lw.initialize_parameters_deep([3, 4.5, 1]), TypeError, r"layer_dims\[1\] must be an integer"),
    "one layer size": (lambda: lw.Network([3]), ValueError, r"layer_dims needs at least two entries"),
    # others
    "adam t": (lambda: lw.update_parameters_with_adam(PARAMS, _grads(), *lw.initialize_adam(PARAMS), 0),
               ValueError, r"t must be an integer >= 1"),
    "beta 1": (lambda: lw.Momentum(0.1, beta=1.0), ValueError, r"beta must be in \[0, 1\); got 1\.0"),
    "rng": (lambda: lw.initialize_parameters_deep([3, 4, 1], rng="seed"), TypeError, r"rng must be None, an int"),
    "epochs 0": (lambda: _net().fit(X, Y, epochs=0, verbose=0), ValueError, r"epochs must be an integer >= 1"),
}


def _fwd_AL_caches_bad_Y():
    AL, caches = lw.L_model_forward(X, PARAMS)
    return AL, Y[:, :5], caches


@pytest.mark.parametrize("case", list(BAD_CALLS))
def test_bad_input_raises_a_named_error(case):
    call, error, pattern = BAD_CALLS[case]
    with pytest.raises(error, match=pattern):
        call()


# ------------------------------------------------------------------------ model files
@pytest.fixture
def saved(tmp_path):
    net = lw.Network([3, 4, 1], seed=1)
    path = tmp_path / "model.lw"
    net.save(path)
    return path


def _rewrite(path, edit_member):
    """Rewrite the ZIP at ``path``, passing each member's bytes through ``edit_member(name, data)``."""
    with zipfile.ZipFile(path) as zf:
        members = [(info.filename, zf.read(info.filename)) for info in zf.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, edit_member(name, data))
    path.write_bytes(buffer.getvalue())


def _edit_metadata(path, change, resign=True):
    """Change the metadata; with ``resign`` also recompute its digest, so that the
    checks behind the digest (shapes, versions, names) are what is tested."""
    edited = {}

    def edit(name, data):
        if name == "metadata.json":
            meta = json.loads(data)
            change(meta)
            edited["bytes"] = json.dumps(meta).encode()
            return edited["bytes"]
        if name == "metadata.sha256" and resign:
            return b""  # filled in below, once the new metadata is known
        return data
    _rewrite(path, edit)
    if resign:
        _rewrite(path, lambda name, data: hashlib.sha256(edited["bytes"]).hexdigest().encode()
                 if name == "metadata.sha256" else data)


@pytest.mark.parametrize("change", [
    lambda m: m.__setitem__("activations", ["tanh", "tanh", "sigmoid"]),
    lambda m: m.__setitem__("loss", "mse"),
    lambda m: m.__setitem__("extra", {"note": "edited"}),
], ids=["activations", "loss", "extra"])
def test_metadata_edited_without_its_digest_is_refused(saved, change):
    _edit_metadata(saved, change, resign=False)
    with pytest.raises(lw.ModelFileError, match=r"metadata.*checksum"):
        lw.Network.load(saved)


def test_model_file_round_trip_loads(saved):
    assert isinstance(lw.Network.load(saved), lw.Network)


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.2])
def test_truncated_model_file_is_refused(saved, keep):
    data = saved.read_bytes()
    saved.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(lw.ModelFileError, match=r"model\.lw"):
        lw.Network.load(saved)


def test_changed_array_byte_is_refused(saved):
    def flip_last_byte(name, data):
        if name != "W1.npy":
            return data
        return data[:-1] + bytes([data[-1] ^ 0x01])  # the last byte of W1's last float
    _rewrite(saved, flip_last_byte)
    with pytest.raises(lw.ModelFileError, match=r"'W1'.*checksum"):
        lw.Network.load(saved)


def test_corrupted_compressed_bytes_are_refused(saved):
    data = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as zf:
        info = zf.getinfo("W2.npy")
    data[info.header_offset + 30 + len(info.filename) + 5] ^= 0xFF  # inside W2's compressed data
    saved.write_bytes(bytes(data))
    with pytest.raises(lw.ModelFileError):
        lw.Network.load(saved)


@pytest.mark.parametrize("change,pattern", [
    (lambda m: m["arrays"]["W1"].__setitem__("shape", [4, 2]), r"'W1'.*metadata says"),
    (lambda m: m.__setitem__("layer_dims", [3, 5, 1]), r"shape|needs"),
    (lambda m: m.__setitem__("format_version", 2), r"format_version 2, newer"),
    (lambda m: m.__setitem__("format_version", "1"), r"invalid format_version"),
    (lambda m: m.__setitem__("format", "something-else"), r"not a layerwise model file"),
    (lambda m: m.__setitem__("activations", ["relu", "swish"]), r"describes no valid network.*swish"),
    (lambda m: m["arrays"].pop("b2"), r"holds arrays|needs"),
], ids=["array shape", "layer_dims", "newer version", "bad version", "format", "activation",
        "missing array"])
def test_tampered_metadata_is_refused(saved, change, pattern):
    _edit_metadata(saved, change)
    with pytest.raises(lw.ModelFileError, match=pattern):
        lw.Network.load(saved)


def test_not_a_model_file(tmp_path):
    path = tmp_path / "model.lw"
    np.savez(path, W1=np.zeros((2, 2)))  # a plain npz: no metadata.json
    with pytest.raises(lw.ModelFileError, match=r"not a layerwise model file"):
        lw.Network.load(str(path) + ".npz")
    path.write_text("hello")
    with pytest.raises(lw.ModelFileError, match=r"not a readable layerwise model file"):
        lw.Network.load(path)
    with pytest.raises(FileNotFoundError):
        lw.Network.load(tmp_path / "absent.lw")


# --------------------------------------------------------------- divergence and Ctrl-C
def test_diverging_fit_raises_names_the_epoch_and_keeps_finite_parameters():
    rng = np.random.default_rng(1)
    Xr = rng.standard_normal((2, 40)) * 10
    Yr = rng.standard_normal((1, 40)) * 10
    net = lw.Network([2, 16, 1], ["relu", "linear"], seed=0)
    with pytest.raises(lw.TrainingDivergedError, match=r"epoch \d+.*smaller learning_rate") as info:
        net.fit(Xr, Yr, optimizer="gd", learning_rate=10.0, epochs=200, verbose=0)
    # The epoch is named as the progress bar counts it, from 1: "in epoch 5 of 200".
    epoch = int(str(info.value).split("epoch ")[1].split(" of")[0])
    assert info.value.epoch == epoch and info.value.quantity
    history = info.value.history
    assert history is net.history_
    assert len(history.cost) == epoch - 1, "history holds exactly the epochs before the failing one"
    assert all(np.isfinite(history.cost))
    for key, value in net.parameters.items():
        assert np.isfinite(value).all(), f"{key} is not finite after divergence"
    # the kept parameters still predict something finite
    assert np.isfinite(net.predict_proba(Xr)).all()


class _Interrupt(lw.Callback):
    def __init__(self, at_epoch):
        self.at_epoch = at_epoch
        self.params_at_interrupt = None

    def on_epoch_end(self, trainer, epoch, logs):
        if epoch == self.at_epoch:
            self.params_at_interrupt = {k: v.copy() for k, v in trainer.network.parameters.items()}
            raise KeyboardInterrupt


def test_ctrl_c_returns_history_with_warning_and_keeps_learned_parameters():
    net = _net()
    initial = {k: v.copy() for k, v in net.parameters.items()}
    stop = _Interrupt(at_epoch=3)
    with pytest.warns(RuntimeWarning, match=r"interrupted"):
        history = net.fit(X, Y, optimizer="adam", learning_rate=0.01, epochs=50, callbacks=[stop],
                          verbose=0)
    assert history.interrupted is True
    assert history.epochs == 4 and len(history.learning_rate) == 4
    for key, value in net.parameters.items():
        np.testing.assert_array_equal(value, stop.params_at_interrupt[key], err_msg=key)
        assert not np.array_equal(value, initial[key]) or key.startswith("b"), f"{key} unchanged"


# ---------------------------------------------------- the functional API refuses bad input too
def _small_problem():
    rng = np.random.RandomState(0)
    params = lw.initialize_parameters_deep([3, 4, 1], rng=rng)
    X = rng.randn(3, 5)
    Y = (rng.rand(1, 5) > 0.5).astype(float)
    return params, X, Y


def test_L_model_forward_refuses_nan_in_X():
    params, X, _ = _small_problem()
    X[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"X contains NaN or infinity"):
        lw.L_model_forward(X, params)


@pytest.mark.parametrize("bad,pattern", [
    (lambda Y: 2 * Y, r"Y must lie in \[0, 1\]"),
    (lambda Y: np.where(Y > 0, np.inf, 0.0), r"Y contains NaN or infinity"),
], ids=["label 2", "inf"])
def test_compute_cost_and_backward_refuse_bad_targets(bad, pattern):
    params, X, Y = _small_problem()
    AL, caches = lw.L_model_forward(X, params)
    with pytest.raises(ValueError, match=pattern):
        lw.compute_cost(AL, bad(Y))
    with pytest.raises(ValueError, match=pattern):
        lw.L_model_backward(AL, bad(Y), caches)


def test_negative_lambd_is_refused():
    params, X, Y = _small_problem()
    AL, caches = lw.L_model_forward(X, params)
    with pytest.raises(ValueError, match=r"lambd must be a finite number >= 0; got -1"):
        lw.compute_cost(AL, Y, parameters=params, lambd=-1)
    with pytest.raises(ValueError, match=r"lambd"):
        lw.L_model_backward(AL, Y, caches, lambd=-1)


def test_gradient_check_names_missing_gradients():
    params, X, Y = _small_problem()
    AL, caches = lw.L_model_forward(X, params)
    grads = lw.L_model_backward(AL, Y, caches)
    del grads["db1"]
    with pytest.raises(ValueError, match=r"gradients lacks \['db1'\]"):
        lw.gradient_check(params, grads, X, Y)


def test_fit_gives_the_callers_optimizer_back_unchanged():
    params, X, Y = _small_problem()
    net = lw.Network([3, 4, 1], seed=0)
    opt = lw.Adam(0.01)
    history = net.fit(X, Y, optimizer=opt, lr_schedule="inverse_time", epochs=5, verbose=0)
    assert history.learning_rate == [0.01, 0.01, 0.005, 0.01 / 3, 0.0025]
    assert opt.learning_rate == 0.01
    second = net.fit(X, Y, optimizer=opt, lr_schedule="inverse_time", epochs=2, verbose=0)
    assert second.learning_rate == [0.01, 0.01]
