"""Bad input at the API boundary: a clear ValueError/TypeError naming the argument, never a
silent wrong answer, a complex result, a NaN cost or a MemoryError.

Oracles: the issue's list of inputs that slipped through (each must now be refused), and
hand-computed costs for the inputs that stay valid.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

import layerwise as lw
from layerwise.sklearn import DeepClassifier

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 8))
Y = (RNG.random((1, 8)) > 0.5).astype(float)
P = lw.initialize_parameters_deep([3, 4, 1], "he", rng=0)


BAD_X = [("complex", X + 1j, "real numbers"), ("object", X.astype(object), "dtype object"),
         ("strings", X.astype(str), "hold numbers"), ("sparse", sp.csr_matrix(X), "sparse"),
         ("float16", X.astype(np.float16), "float16"), ("longdouble", X.astype(np.longdouble), "float")]


@pytest.mark.parametrize("kind, bad, message", BAD_X, ids=[b[0] for b in BAD_X])
def test_functional_and_network_refuse_unsupported_inputs_naming_the_argument(kind, bad, message):
    with pytest.raises(TypeError, match=message) as info:
        lw.L_model_forward(bad, P)
    assert str(info.value).startswith("X ")
    net = lw.Network([3, 4, 1], seed=0)
    calls = [lambda: net.forward(bad)]
    if kind == "sparse":
        # The practitioner issue made sparse data a feature of the training core (the
        # estimators take scipy.sparse); Network.predict/fit give the dense results.
        twin = lw.Network([3, 4, 1], seed=0)
        np.testing.assert_array_equal(net.predict_proba(bad), twin.predict_proba(X))
        net.fit(bad, Y, epochs=2, verbose=0, rng=0)
        twin.fit(X, Y, epochs=2, verbose=0, rng=0)
        np.testing.assert_array_equal(net.flat_parameters, twin.flat_parameters)
    else:
        calls += [lambda: net.predict(bad), lambda: net.fit(bad, Y, epochs=1, verbose=0)]
    for call in calls:
        with pytest.raises(TypeError, match=message) as info:
            call()
        assert str(info.value).startswith("X ")
    with pytest.raises(TypeError, match=message) as info:
        lw.compute_cost(bad[:1] if not sp.issparse(bad) else sp.csr_matrix(Y), Y)
    assert str(info.value).startswith("AL ")


def test_no_examples_is_refused():
    empty = np.zeros((3, 0))
    with pytest.raises(ValueError, match="no examples"):
        lw.L_model_forward(empty, P)
    with pytest.raises(ValueError, match="no examples"):
        lw.compute_cost(np.zeros((1, 0)), np.zeros((1, 0)))
    with pytest.raises(ValueError, match="no examples"):
        lw.Network([3, 4, 1], seed=0).fit(empty, np.zeros((1, 0)), epochs=1, verbose=0)


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "categorical_cross_entropy"])
@pytest.mark.parametrize("AL", [5.0, -0.1, 1.0000001, np.nan, np.inf])
def test_compute_cost_refuses_non_probabilities(loss, AL):
    Yk = np.array([[1.0, 0.0], [0.0, 1.0]]) if loss.startswith("categorical") else np.array([[1.0, 0.0]])
    AL_array = np.full(Yk.shape, 0.5)
    AL_array[0, 0] = AL
    with pytest.raises(ValueError, match=r"AL must hold probabilities in \[0, 1\]"):
        lw.compute_cost(AL_array, Yk, loss)


def test_compute_cost_still_takes_any_value_for_mse_and_edges_for_cross_entropy():
    # hand-computed: mse of a=5 against y=1 is (5-1)^2 = 16; mae 4
    assert lw.compute_cost(np.array([[5.0]]), np.array([[1.0]]), "mse") == 16.0
    assert lw.compute_cost(np.array([[5.0]]), np.array([[1.0]]), "mae") == 4.0
    # exact 0 and 1 are probabilities: finite cost (the clip), no refusal
    cost = lw.compute_cost(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]]))
    assert 0 <= cost < 1e-12


@pytest.mark.parametrize("dtype", [np.float16, np.longdouble, np.int32, "complex128", "U3", object])
def test_network_dtype_other_than_float32_or_float64_is_refused(dtype):
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        lw.Network([3, 4, 1], dtype=dtype)


@pytest.mark.parametrize("output", ["linear", "tanh", "relu", "leaky_relu"])
@pytest.mark.parametrize("loss", ["binary_cross_entropy", "categorical_cross_entropy"])
def test_cross_entropy_after_a_non_probability_output_is_refused(output, loss):
    with pytest.raises(ValueError, match="pairs that work") as info:
        lw.Network([3, 4, 2], ["relu", output], loss=loss)
    message = str(info.value)
    assert output in message and "sigmoid + binary_cross_entropy" in message
    assert "softmax + categorical_cross_entropy" in message


@pytest.mark.parametrize("output, loss", [("sigmoid", "binary_cross_entropy"),
                                          ("softmax", "categorical_cross_entropy"),
                                          ("softmax", "binary_cross_entropy"),
                                          ("sigmoid", "categorical_cross_entropy"),
                                          ("linear", "mse"), ("tanh", "mae"), ("relu", "mse")])
def test_pairs_that_keep_the_loss_in_its_domain_are_accepted(output, loss):
    assert lw.Network([3, 4, 2], ["relu", output], loss=loss).loss == loss


def test_a_network_too_large_for_memory_is_refused_before_allocating():
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"layer_dims \[1000000, 1000000\] need "
                                             r"1,000,001,000,000 parameters \(8\.0 TB"):
            lw.Network([10**6, 10**6])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20  # refused from the arithmetic alone


def test_estimator_integer_labels_stay_exact_through_fit_and_model_files(tmp_path):
    Xr = RNG.standard_normal((30, 3))
    for labels in (np.array([2**53, 2**53 + 1, -2**62] * 10, dtype=np.int64),
                   np.array([2**64 - 1, 5] * 15, dtype=np.uint64)):
        clf = DeepClassifier((4,), epochs=2, random_state=0).fit(Xr, labels)
        assert clf.classes_.dtype == labels.dtype
        assert sorted(clf.classes_.tolist()) == sorted(set(labels.tolist()))
        assert set(clf.predict(Xr).tolist()) <= set(labels.tolist())
        clf.save(tmp_path / "m.lw")
        back = DeepClassifier.load(tmp_path / "m.lw")
        assert back.classes_.dtype == labels.dtype and back.classes_.tolist() == clf.classes_.tolist()
        np.testing.assert_array_equal(back.predict(Xr), clf.predict(Xr))


def test_network_save_refuses_nan_metadata_and_non_float_arrays(tmp_path):
    from layerwise.io import write_model_file

    with pytest.raises(ValueError, match="NaN or infinity"):
        write_model_file(tmp_path / "x.lw", {"W": np.zeros(2)}, {"extra": {"v": float("nan")}})
    with pytest.raises(TypeError, match="float32 or float64"):
        write_model_file(tmp_path / "x.lw", {"W": np.zeros(2, dtype=object)}, {})
    assert list(tmp_path.iterdir()) == []


def test_saving_into_a_missing_directory_names_the_users_path(tmp_path):
    path = tmp_path / "missing" / "net.lw"
    with pytest.raises(FileNotFoundError, match=r"cannot write model file .*missing/net\.lw") as info:
        lw.Network([3, 4, 1], seed=0).save(path)
    assert ".tmp" not in str(info.value)
