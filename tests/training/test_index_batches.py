"""Mini-batches drawn by index from one array: the same numbers, without the copies.

Oracles:

* a plain-NumPy reference fit that does what the trainer used to do -- a whole
  standardised copy of X, a split by fancy indexing, each epoch's batches
  gathered with ``X_train[:, perm[batch]]`` -- using only the engine and the
  optimizer for the arithmetic; the trainer must give the same parameters and
  history bit for bit (shuffle on/off, with/without a validation split,
  dense/sparse, float32/float64, with/without ``input_scaling``);
* an uninterrupted run, for a trainer rebuilt from a mid-epoch snapshot;
* NumPy's own ``mean``/``var`` for the block-wise moments of the Standardizer;
* the estimators' old whole-copy input path (still used for sparse input), for
  the estimators' per-batch standardisation;
* ``tracemalloc`` (NumPy reports its buffers to it) for the memory a fit
  allocates beyond the caller's X.
"""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import layerwise as lw
from layerwise.data import Standardizer, _column_major_moments
from layerwise.engine import Engine
from layerwise.sklearn import DeepClassifier, DeepRegressor
from layerwise.training import TrainConfig, Trainer

M, N = 157, 5
SHUFFLE_SEED = 11


def _data(dtype, task):
    rng = np.random.default_rng(4)
    rows = rng.standard_normal((M, N)) * rng.uniform(0.5, 4.0, N) + rng.uniform(-3, 3, N)
    rows[rng.random((M, N)) < 0.3] = 0.0  # zeros, for the sparse variants
    if task == "binary":
        Y = (rows @ rng.standard_normal(N) > 0).astype(float).reshape(1, -1)
        net = lw.Network([N, 6, 1], ["relu", "sigmoid"], seed=1, dtype=dtype)
    elif task == "softmax":
        Y = np.eye(3)[np.digitize(rows[:, 0], [-0.5, 0.5])].T
        net = lw.Network([N, 6, 3], ["tanh", "softmax"], seed=1, dtype=dtype)
    else:
        Y = (rows[:, :1] * 2 - rows[:, 1:2]).T
        net = lw.Network([N, 6, 1], ["relu", "linear"], seed=1, dtype=dtype)
    weights = rng.uniform(0.2, 2.0, M)
    return rows.astype(dtype), Y.astype(dtype), weights, net


def _reference_fit(net, config, X, Y, weights, val_index, scaling, batch_order="C"):
    """The fit done the old way, in plain NumPy: returns (theta, costs, val_costs).

    ``batch_order`` is the memory order of the batches (the trainer's: F-ordered for
    a column-major X used whole and unscaled), since BLAS may round a product
    differently for the two.
    """
    X = X.toarray() if sp.issparse(X) else np.array(X)
    if scaling is not None:  # a whole standardised copy, as the estimators made
        S = np.empty(X.shape, dtype=X.dtype)
        np.subtract(X, scaling[0].reshape(-1, 1), out=S)
        S /= scaling[1].reshape(-1, 1)
        X = S
    keep = np.arange(X.shape[1])
    X_val = Y_val = None
    if val_index is not None:
        keep = np.setdiff1d(keep, val_index)
        X_val, Y_val = np.ascontiguousarray(X[:, val_index]), Y[:, val_index]
    X_t, Y_t = np.ascontiguousarray(X[:, keep]), np.ascontiguousarray(Y[:, keep])
    w_t = None if weights is None else weights[keep]
    m = X_t.shape[1]
    theta = net.flat_parameters.copy()
    engine = Engine(net.layer_dims, net.activations, net.loss, net.dtype, storage=theta)
    optimizer = config.make_optimizer()
    state = optimizer.init(engine.flat_params)
    starts = range(0, m, config.batch_size or m)
    costs, val_costs = [], []
    for epoch in range(config.epochs):
        order = np.arange(m)
        if config.shuffle and len(starts) > 1:
            order = np.random.RandomState(SHUFFLE_SEED + epoch).permutation(m)
        total = 0.0
        for start in starts:
            cols = order[start:start + (config.batch_size or m)]
            total += engine.forward_backward(
                np.asarray(X_t[:, cols], order=batch_order), np.ascontiguousarray(Y_t[:, cols]),
                sample_weight=None if w_t is None else w_t[cols])
            optimizer.update(engine.flat_grads, state, engine.flat_params)
        costs.append((1.0 / m) * total)
        if X_val is not None:
            probe = lw.Network.from_spec(net.spec(), theta)
            val_costs.append(probe.output_metrics(probe.forward_output(X_val), Y_val)["cost"])
    return theta, costs, val_costs


def _standardisation(rows):
    mean, var = rows.astype(np.float64).mean(axis=0), rows.astype(np.float64).var(axis=0)
    return mean, np.sqrt(var)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("layout", ["rows.T", "C", "csc"])
@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("split", [False, True])
@pytest.mark.parametrize("scaled", [False, True])
@pytest.mark.parametrize("task", ["binary", "softmax"])
def test_index_batches_match_a_plain_numpy_fit_bit_for_bit(dtype, layout, shuffle, split, scaled,
                                                           task):
    rows, Y, weights, net = _data(dtype, task)
    X = {"rows.T": rows.T, "C": np.ascontiguousarray(rows.T),
         "csc": sp.csc_matrix(rows.T)}[layout]
    scaling = _standardisation(rows) if scaled else None
    config = TrainConfig(epochs=3, batch_size=20, shuffle=shuffle, shuffle_seed=SHUFFLE_SEED,
                         validation_fraction=0.2 if split else None, optimizer="adam",
                         learning_rate=0.01, verbose=0)
    reference_net = lw.Network.from_spec(net.spec(), net.flat_parameters)
    trainer = Trainer(net, config, X, Y, sample_weight=weights, rng=5, input_scaling=scaling)
    history = trainer.run()
    val_index = trainer.snapshot().arrays.get("validation_index") if split else None
    if split:
        assert len(val_index) == int(np.ceil(0.2 * M))
    order = "F" if layout == "rows.T" and not split and not scaled else "C"
    theta, costs, val_costs = _reference_fit(reference_net, config, X, Y, weights, val_index,
                                             scaling, order)
    np.testing.assert_array_equal(net.flat_parameters, theta)
    assert history.cost == costs
    assert history.val_cost == (val_costs if split else [None] * 3)


def test_the_random_split_is_the_documented_draw_and_its_columns_stay_in_x():
    rows, Y, _, net = _data("float64", "regression")
    config = TrainConfig(epochs=2, batch_size=16, validation_fraction=0.25, shuffle_seed=SHUFFLE_SEED,
                         verbose=0)
    reference_net = lw.Network.from_spec(net.spec(), net.flat_parameters)
    trainer = Trainer(net, config, rows.T, Y, rng=7)
    n_val = int(np.ceil(0.25 * M))
    expected = np.sort(np.random.RandomState(7).permutation(M)[:n_val])
    np.testing.assert_array_equal(trainer.snapshot().arrays["validation_index"], expected)
    assert np.shares_memory(trainer.X, rows)  # the caller's array, not a copy
    history = trainer.run()
    theta, costs, val_costs = _reference_fit(reference_net, config, rows.T, Y, None, expected, None)
    np.testing.assert_array_equal(net.flat_parameters, theta)
    assert history.cost == costs and history.val_cost == val_costs


@pytest.mark.parametrize("sparse", [False, True])
def test_explicit_validation_index_and_validation_data_agree(sparse):
    rows, Y, _, net = _data("float64", "binary")
    scaling = _standardisation(rows)
    index = np.arange(0, M, 5)
    keep = np.setdiff1d(np.arange(M), index)
    X = sp.csc_matrix(rows.T) if sparse else rows.T
    config = TrainConfig(epochs=2, batch_size=32, shuffle_seed=SHUFFLE_SEED, verbose=0)
    other = lw.Network.from_spec(net.spec(), net.flat_parameters)
    by_index = Trainer(net, config, X, Y, validation_index=index, input_scaling=scaling).run()
    # The same split cut out by hand and passed as arrays (scaled with the same scaling).
    by_data = Trainer(other, config, rows.T[:, keep], Y[:, keep], input_scaling=scaling,
                      validation_data=(rows.T[:, index], Y[:, index])).run()
    np.testing.assert_array_equal(net.flat_parameters, other.flat_parameters)
    assert by_index.cost == by_data.cost and by_index.val_cost == by_data.val_cost


def _without_times(history):
    return {k: v for k, v in history.to_dict().items() if k != "seconds"}


@pytest.mark.parametrize("sparse", [False, True])
def test_snapshot_with_split_and_scaling_continues_bit_for_bit(sparse):
    rows, Y, weights, net = _data("float64", "softmax")
    X = sp.csc_matrix(rows.T) if sparse else rows.T
    scaling = _standardisation(rows)
    config = TrainConfig(epochs=3, batch_size=16, validation_fraction=0.2, keep_prob=0.9,
                         lambd=0.05, verbose=0)
    trainer = Trainer(net, config, X, Y, sample_weight=weights, rng=3, input_scaling=scaling)
    for _ in range(13):  # into the second epoch
        trainer.step()
    snapshot = trainer.snapshot()
    trainer.run()
    rebuilt = lw.Network.from_spec(snapshot.network_spec)
    again = Trainer.from_snapshot(snapshot, rebuilt, X, Y, sample_weight=weights,
                                  input_scaling=scaling)
    again.run()
    np.testing.assert_array_equal(rebuilt.flat_parameters, net.flat_parameters)
    assert _without_times(again.history) == _without_times(trainer.history)


def test_training_objective_reads_the_standardised_training_columns():
    rows, Y, weights, net = _data("float64", "softmax")
    scaling = _standardisation(rows)
    config = TrainConfig(epochs=1, batch_size=16, validation_fraction=0.2, lambd=0.05, verbose=0)
    trainer = Trainer(net, config, rows.T, Y, sample_weight=weights, rng=3, input_scaling=scaling)
    trainer.run()
    keep = np.setdiff1d(np.arange(M), trainer.snapshot().arrays["validation_index"])
    # By hand: the standardised copy, its training columns, one full-batch pass.
    S = (rows.T - scaling[0].reshape(-1, 1)) / scaling[1].reshape(-1, 1)
    engine = Engine(net.layer_dims, net.activations, net.loss, net.dtype,
                    storage=net.flat_parameters.copy())
    loss = engine.forward_backward(np.ascontiguousarray(S[:, keep]),
                                   np.ascontiguousarray(Y[:, keep]), lambd=0.05,
                                   sample_weight=weights[keep])
    expected = loss / len(keep) + engine.l2_penalty(0.05, len(keep))
    assert trainer.training_objective() == expected


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(3, 1), (7, 4097), (50, 20000), (13, 12345), (4, 2)])
def test_blockwise_moments_equal_numpys_bit_for_bit(dtype, shape):
    rng = np.random.default_rng(2)
    n, m = shape
    rows = (rng.standard_normal((m, n)) * rng.uniform(0.1, 100, n)
            + rng.uniform(-50, 50, n)).astype(dtype)
    X = rows.T  # column-major: the layout the blocks are for
    for block in (1, 7, 4096):
        mean, var = _column_major_moments(X, block)
        np.testing.assert_array_equal(mean, X.mean(axis=1, keepdims=True))
        np.testing.assert_array_equal(var, X.var(axis=1, keepdims=True))
        assert mean.dtype == X.dtype and var.dtype == X.dtype
    fitted = Standardizer().fit(X)
    np.testing.assert_array_equal(fitted.var_, X.var(axis=1, keepdims=True))


def _quiet(fit, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(*args)


@pytest.mark.parametrize("Estimator", [DeepClassifier, DeepRegressor])
@pytest.mark.parametrize("standardize", [True, False])
@pytest.mark.parametrize("early_stopping", [True, False])
@pytest.mark.parametrize("hidden", [(1,), (6, 3)])
def test_estimators_standardise_per_batch_as_the_whole_copy_did(Estimator, standardize,
                                                                early_stopping, hidden):
    rows, _, weights, _ = _data("float64", "binary")
    y = np.digitize(rows[:, 0], [-0.5, 0.5]) if Estimator is DeepClassifier else rows[:, 1] * 2
    params = dict(hidden_layer_sizes=hidden, epochs=4, batch_size=16, random_state=2,
                  standardize=standardize, early_stopping=early_stopping, tol=None,
                  validation_fraction=0.2)
    new = _quiet(Estimator(**params).fit, rows, y, weights)

    class WholeCopy(Estimator):
        # The old input path: a scaled (n, m) copy handed to the trainer unscaled.
        def _training_inputs(self, X, dtype):
            return self._training_layout(X, dtype), None

    old = _quiet(WholeCopy(**params).fit, rows, y, weights)
    np.testing.assert_array_equal(new.network_.flat_parameters, old.network_.flat_parameters)
    assert new.loss_curve_ == old.loss_curve_
    assert new.validation_scores_ == old.validation_scores_


def test_a_fit_allocates_a_small_fraction_of_x_beyond_x():
    """Beyond the caller's X, a fit with a validation split, shuffling and
    standardisation allocates a few batches and one 4096-column validation
    chunk -- independent of the number of rows (at 60 000 x 50, about 0.2x X).
    The old path allocated a standardised copy, the split copies and an epoch
    buffer: 2.9x X here."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60_000, 50))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    params = dict(hidden_layer_sizes=(16,), epochs=1, batch_size=200, early_stopping=True,
                  validation_fraction=0.2, shuffle=True, standardize=True, random_state=0)
    _quiet(DeepClassifier(**params).fit, X[:500], y[:500])  # imports: not the data's memory
    tracemalloc.start()
    try:
        clf = _quiet(DeepClassifier(**params).fit, X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert clf.n_iter_ == 1
    assert peak <= 0.3 * X.nbytes, f"{peak / X.nbytes:.2f} x X allocated during fit"


def test_bad_input_scaling_and_validation_index_are_refused_by_name():
    rows, Y, _, net = _data("float64", "binary")
    mean, scale = _standardisation(rows)
    with pytest.raises(ValueError, match=r"input_scaling mean must be a float array of shape \(5,\)"):
        Trainer(net, TrainConfig(verbose=0), rows.T, Y, input_scaling=(mean[:3], scale))
    with pytest.raises(ValueError, match="input_scaling scale must be non-zero"):
        Trainer(net, TrainConfig(verbose=0), rows.T, Y, input_scaling=(mean, 0 * scale))
    with pytest.raises(TypeError, match="input_scaling must be a pair"):
        Trainer(net, TrainConfig(verbose=0), rows.T, Y, input_scaling=mean)
    with pytest.raises(TypeError, match="validation_data or validation_index, not both"):
        Trainer(net, TrainConfig(verbose=0), rows.T, Y, validation_index=[1, 2],
                validation_data=(rows.T, Y))
    with pytest.raises(ValueError, match=r"validation_index must hold distinct columns in \[0, 157\)"):
        Trainer(net, TrainConfig(verbose=0), rows.T, Y, validation_index=[3, 157])
    with pytest.raises(TypeError, match="validation_index must be a 1-D array of column indices"):
        Trainer(net, TrainConfig(verbose=0), rows.T, Y, validation_index=[0.5, 1.5])
