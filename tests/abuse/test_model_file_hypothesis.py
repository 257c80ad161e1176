"""Coverage-free, hypothesis-driven fuzzing of the model-file loader, for long local runs.

In CI it runs a small, derandomised budget. Locally, for as long as you like::

    LAYERWISE_FUZZ_EXAMPLES=200000 PYTHONPATH=src python -m pytest -q -p no:cacheprovider \\
        tests/abuse/test_model_file_hypothesis.py

(``LAYERWISE_FUZZ_RANDOM=1`` draws new examples each run instead of the fixed
sequence). Properties: any byte-level damage to a valid file raises
``ModelFileError`` or loads exactly as the original; any JSON value placed
anywhere in the metadata, digest recomputed, raises ``ModelFileError`` or
loads a sound model.
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, os.path.dirname(__file__))
from fuzz_corpus import base_files, build_archive, members_of, resign  # noqa: E402
from test_model_file_fuzz import _fingerprint, _same, _valid  # noqa: E402

from layerwise import ModelFileError  # noqa: E402
from layerwise.estimators import load_model  # noqa: E402

EXAMPLES = int(os.environ.get("LAYERWISE_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                derandomize=os.environ.get("LAYERWISE_FUZZ_RANDOM", "") in ("", "0"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_WORK = tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
WORK = pathlib.Path(_WORK.name)
BASES = base_files(WORK)
KINDS = sorted(BASES)
REFERENCES = {}
for _kind, _data in BASES.items():
    (WORK / "ref.lw").write_bytes(_data)
    _model, _meta = load_model(WORK / "ref.lw")
    REFERENCES[_kind] = _fingerprint(_model, _meta)


def _load(data):
    path = WORK / "case.lw"
    path.write_bytes(data)
    return load_model(path)


edit = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
    st.tuples(st.just("insert"), st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("delete"), st.floats(0, 1, exclude_max=True), st.integers(1, 64)),
    st.tuples(st.just("truncate"), st.floats(0, 1, exclude_max=True), st.just(0)),
    st.tuples(st.just("u32"), st.floats(0, 1, exclude_max=True),
              st.sampled_from([0, 1, 0x7FFFFFFF, 0xFFFFFFFF, 0xFFFF, 99, 12, 14])),
)


def _apply(data, edits):
    data = bytearray(data)
    for op, where, value in edits:
        if not data:
            break
        pos = int(where * len(data))
        if op == "flip":
            data[pos] = value
        elif op == "insert":
            data[pos:pos] = value
        elif op == "delete":
            del data[pos:pos + value]
        elif op == "truncate":
            del data[pos:]
        else:
            data[pos:pos + 4] = value.to_bytes(4, "little")
    return bytes(data)


@FUZZ
@given(kind=st.sampled_from(KINDS), edits=st.lists(edit, min_size=1, max_size=6))
def test_damaged_bytes_are_refused_or_load_identically(kind, edits):
    data = _apply(BASES[kind], edits)
    try:
        model, meta = _load(data)
    except ModelFileError:
        return
    assert _same(_fingerprint(model, meta), REFERENCES[kind]), edits


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) |
    st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children,
                                                                       max_size=5),
    max_leaves=20)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, prefix + (i,))


def _replace(value, path, new):
    if not path:
        return new
    value = json.loads(json.dumps(value))
    holder = value
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = new
    return value


@FUZZ
@given(kind=st.sampled_from(KINDS), choice=st.floats(0, 1, exclude_max=True), new=json_values)
def test_forged_metadata_is_refused_or_loads_a_sound_model(kind, choice, new):
    members = members_of(BASES[kind])
    meta = json.loads(members["metadata.json"])
    paths = [p for p in _paths(meta) if p]
    path = paths[int(choice * len(paths))]
    forged = _replace(meta, path, new)
    try:
        model, _ = _load(build_archive(resign(members, forged)))
    except ModelFileError:
        return
    assert _valid(model), (path, new)


@pytest.fixture(autouse=True, scope="module")
def _cleanup():
    yield
    _WORK.cleanup()


def test_the_bases_differ():
    # the oracle would be vacuous if every base were the same file
    assert len({BASES[k] for k in KINDS}) == len(KINDS)
    assert not np.array_equal(REFERENCES["network"][1][0], REFERENCES["classifier"][1][0])
