"""Estimator model files: exact round trips, and every kind of bad file refused
with a ModelFileError (never unpickled)."""

import hashlib
import json
import zipfile

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from layerwise import ModelFileError, Network
from layerwise.estimators import load_model
from layerwise.estimators.model_file import decode_labels, encode_labels
from layerwise.io import FORMAT_VERSION
from layerwise.sklearn import DeepClassifier, DeepRegressor

ACTIVATIONS = ["relu", "leaky_relu", "tanh", "sigmoid", "linear"]


@pytest.fixture(scope="module")
def data():
    X, y = make_blobs(60, n_features=3, centers=3, random_state=0)
    return X, y


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_round_trip_identical_predictions(tmp_path, data, activation, dtype):
    X, y = data
    for est, target in [(DeepClassifier((5, 4), activation=activation, epochs=3, dtype=dtype,
                                        standardize=True, random_state=0), np.array(["a", "b", "c"])[y]),
                        (DeepClassifier((4,), activation=[activation], epochs=3, dtype=dtype,
                                        random_state=0), y == 1),
                        (DeepRegressor((4, 3), activation=activation, epochs=3, dtype=dtype,
                                       standardize=True, random_state=0), X @ [1.0, 2.0, 3.0] + 7)]:
        est.fit(X, target)
        path = tmp_path / f"{type(est).__name__}.lw"
        est.save(path)
        loaded = type(est).load(path)
        assert loaded.get_params() == est.get_params()
        assert loaded.coefs_[0].dtype == np.dtype(dtype)
        np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
        if hasattr(est, "classes_"):
            np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
            assert loaded.classes_.dtype == est.classes_.dtype
        assert loaded.loss_curve_ == est.loss_curve_ and loaded.n_iter_ == est.n_iter_


def test_metadata_content(tmp_path, data):
    X, y = data
    clf = DeepClassifier((4,), epochs=2, standardize=True, random_state=0).fit(X, y)
    clf.feature_names_in_ = np.array(["p", "q", "r"], dtype=object)
    clf.save(tmp_path / "m.lw")
    with zipfile.ZipFile(tmp_path / "m.lw") as zf:
        meta = json.loads(zf.read("metadata.json"))
        members = set(zf.namelist())
    assert meta["format_version"] == FORMAT_VERSION and meta["kind"] == "DeepClassifier"
    assert meta["layer_dims"] == [3, 4, 3] and meta["activations"] == ["relu", "softmax"]
    assert meta["loss"] == "categorical_cross_entropy" and meta["dtype"] == "float64"
    assert meta["estimator"]["classes"] == {"dtype": np.array([0]).dtype.str, "values": [0, 1, 2]}
    assert meta["estimator"]["feature_names"] == ["p", "q", "r"]
    assert meta["normalisation"] == {"input": "standardize", "target": None}
    assert {"input_mean.npy", "input_scale.npy", "W1.npy", "b2.npy"} <= members
    np.testing.assert_array_equal(DeepClassifier.load(tmp_path / "m.lw").feature_names_in_, ["p", "q", "r"])


@pytest.mark.parametrize("labels", [np.array([True, False]), np.array([3, -1], dtype=np.int32),
                                    np.array([0.5, 2.0]), np.array(["x", "yy"]),
                                    np.array(["u", "v"], dtype=object), np.array([7, 8], dtype=np.uint8)])
def test_labels_round_trip_through_json(labels):
    back = decode_labels(json.loads(json.dumps(encode_labels(labels))))
    assert back.dtype == labels.dtype
    np.testing.assert_array_equal(back, labels)


def test_unrepresentable_labels_refused(tmp_path, data):
    with pytest.raises(TypeError, match="cannot be stored"):
        encode_labels(np.array([1, "a"], dtype=object))
    X, y = data
    clf = DeepClassifier((3,), epochs=1, random_state=0).fit(X, y)
    clf.classes_ = np.array([(1,), (2,), (3,)] + [None], dtype=object)[:3]
    with pytest.raises(TypeError):
        clf.save(tmp_path / "bad.lw")
    assert not (tmp_path / "bad.lw").exists()


@pytest.fixture()
def saved(tmp_path, data):
    X, y = data
    path = tmp_path / "model.lw"
    DeepClassifier((4,), epochs=2, standardize=True, random_state=0).fit(X, y).save(path)
    return path


def _rewrite(path, edit_meta=None, edit_member=None, resign=True):
    """Copy the archive with its metadata or one member changed; ``resign``
    recomputes the metadata's digest so that the checks behind it are tested."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    meta = json.loads(members["metadata.json"])
    if edit_meta:
        edit_meta(meta)
    members["metadata.json"] = json.dumps(meta).encode()
    if resign:
        members["metadata.sha256"] = hashlib.sha256(members["metadata.json"]).hexdigest().encode()
    if edit_member:
        edit_member(members)
    out = path.with_name("edited.lw")
    with zipfile.ZipFile(out, "w") as zf:
        for name, raw in members.items():
            zf.writestr(name, raw)
    return out


def test_truncated_file_refused(saved):
    raw = saved.read_bytes()
    for cut in (10, len(raw) // 2, len(raw) - 30):
        bad = saved.with_name(f"cut{cut}.lw")
        bad.write_bytes(raw[:cut])
        with pytest.raises(ModelFileError):
            DeepClassifier.load(bad)


def test_corrupted_array_refused(saved):
    def flip(members):
        raw = bytearray(members["W1.npy"])
        raw[-3] ^= 0xFF
        members["W1.npy"] = bytes(raw)

    with pytest.raises(ModelFileError, match="checksum"):
        DeepClassifier.load(_rewrite(saved, edit_member=flip))


def test_newer_version_refused(saved):
    def bump(meta):
        meta["format_version"] = FORMAT_VERSION + 1

    with pytest.raises(ModelFileError, match="newer"):
        DeepClassifier.load(_rewrite(saved, edit_meta=bump))


@pytest.mark.parametrize("edit, match", [
    (lambda m: m.update(layer_dims=[3, 5, 3]), "shape"),
    (lambda m: m["estimator"].update(n_features_in=4), "n_features_in"),
    (lambda m: m["estimator"]["classes"].update(values=[0, 1]), "classes"),
    (lambda m: m["estimator"]["classes"].update(values=["a", 1, 2]), "dtype"),
    (lambda m: m["estimator"]["classes"].update(dtype="|O"), "dtype"),
    (lambda m: m.update(kind="DeepRegressor"), "DeepRegressor"),
    (lambda m: m.update(kind="Pickle"), "Pickle"),
    (lambda m: m.pop("estimator"), "estimator"),
])
def test_metadata_disagreeing_with_arrays_refused(saved, edit, match):
    with pytest.raises(ModelFileError, match=match):
        DeepClassifier.load(_rewrite(saved, edit_meta=edit))


def test_normalisation_shape_mismatch_refused(saved):
    def shrink(members):
        import io

        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, np.ones(2))
        members["input_mean.npy"] = buffer.getvalue()

    def fix_table(meta):
        import hashlib

        meta["arrays"]["input_mean"] = {"shape": [2], "dtype": "<f8",
                                        "sha256": hashlib.sha256(np.ones(2).tobytes()).hexdigest()}

    with pytest.raises(ModelFileError, match="normalisation"):
        DeepClassifier.load(_rewrite(saved, edit_meta=fix_table, edit_member=shrink))


def test_pickled_array_never_loaded(saved):
    def smuggle(members):
        import io

        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
        members["W1.npy"] = buffer.getvalue()

    with pytest.raises(ModelFileError):
        DeepClassifier.load(_rewrite(saved, edit_member=smuggle))


def test_load_model_dispatches_on_kind(tmp_path, saved):
    model, meta = load_model(saved)
    assert isinstance(model, DeepClassifier) and meta["kind"] == "DeepClassifier"
    net = Network([2, 3, 1], seed=0)
    net.save(tmp_path / "net.lw")
    model, meta = load_model(tmp_path / "net.lw")
    assert isinstance(model, Network)
    with pytest.raises(ModelFileError, match="not a DeepClassifier"):
        DeepClassifier.load(tmp_path / "net.lw")



def _swap_classes(meta):
    # wherever the estimator keeps its classes, reverse them (a silent label flip)
    for holder in (meta, meta.get("estimator", {}), meta.get("extra", {})):
        if isinstance(holder.get("classes"), dict) and "values" in holder["classes"]:
            holder["classes"]["values"] = holder["classes"]["values"][::-1]
            return
        if isinstance(holder.get("classes"), list):
            holder["classes"] = holder["classes"][::-1]
            return
    raise AssertionError(f"no classes found in the metadata: {sorted(meta)}")


@pytest.mark.parametrize("edit", [
    _swap_classes,
    lambda m: m.update(activations=["tanh", "sigmoid"]),
], ids=["classes swapped", "activations"])
def test_metadata_edited_without_its_digest_is_refused(saved, edit):
    with pytest.raises(ModelFileError, match=r"metadata.*checksum"):
        load_model(_rewrite(saved, edit_meta=edit, resign=False))


def test_network_load_refuses_an_estimator_file(saved):
    with pytest.raises(ModelFileError, match=r"DeepClassifier.*load"):
        Network.load(saved)
