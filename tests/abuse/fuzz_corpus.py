"""A seeded corpus of damaged and forged model files, generated here (no binary files in the repo).

:func:`base_files` builds three small valid model files (a bare Network, a
DeepClassifier with string labels and standardisation, a float32
DeepRegressor). :func:`corpus` derives mutations from them one at a time
(so that making the corpus needs little memory), each a
:class:`Case` ``(family, name, data, expect)``:

``expect`` is ``"refuse"`` when the mutation is invalid by construction (a
forged file with NaN weights, a bomb, ...) and must raise ``ModelFileError``;
``"refuse-or-identical"`` when it may be harmless (a flipped timestamp byte)
and must then load exactly as the original; ``"refuse-or-valid"`` for random
edits of the metadata with recomputed digests, which may describe another
valid model and must then load as one (finite weights, probabilities).

Families: byte flips, truncations, insertions/deletions, ZIP header fields at
extremes (local headers, central directory, end record), bombs, nested and
malformed JSON, forged digests, ``.npy`` header tricks. Special files (FIFO,
devices, directories, links, a sparse 2 GB file) are made by the test itself.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import struct
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np


@dataclass
class Case:
    family: str
    name: str
    data: bytes
    expect: str  # "refuse" | "refuse-or-identical" | "refuse-or-valid"


# ----------------------------------------------------------------- base files
def base_files(tmp_dir):
    """Three valid model files as bytes: {"network": ..., "classifier": ..., "regressor": ...}."""
    from layerwise import Network
    from layerwise.sklearn import DeepClassifier, DeepRegressor

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    paths = {}
    net = Network([3, 5, 4, 2], ["relu", "tanh", "softmax"], seed=0)
    paths["network"] = tmp_dir / "network.lw"
    net.save(paths["network"], extra={"note": "fuzz base"})
    labels = np.array(["cat", "dog", "emu"])[rng.integers(0, 3, 40)]
    clf = DeepClassifier((4,), epochs=2, standardize=True, early_stopping=True, random_state=0)
    clf.fit(X, labels)
    paths["classifier"] = tmp_dir / "classifier.lw"
    clf.save(paths["classifier"])
    reg = DeepRegressor((4,), epochs=2, dtype="float32", standardize=True, random_state=0)
    reg.fit(X, X @ [1.0, -2.0, 0.5])
    paths["regressor"] = tmp_dir / "regressor.lw"
    reg.save(paths["regressor"])
    return {k: p.read_bytes() for k, p in paths.items()}


# ------------------------------------------------------------ archive helpers
def members_of(data):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def build_archive(members, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, raw in members.items():
            zf.writestr(name, raw)
    return buffer.getvalue()


def resign(members, meta=None, arrays=None):
    """Members with ``meta`` (dict or raw bytes) and ``arrays`` (name -> ndarray) in place and every
    digest recomputed -- what a deliberate forger does."""
    members = dict(members)
    if meta is None:
        meta = json.loads(members["metadata.json"])
    if arrays:
        if isinstance(meta, dict):
            meta = json.loads(json.dumps(meta))
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=True)
            members[f"{name}.npy"] = buffer.getvalue()
            if isinstance(meta, dict) and name in meta["arrays"]:
                if array.dtype != object:
                    meta["arrays"][name]["sha256"] = hashlib.sha256(
                        np.ascontiguousarray(array).tobytes()).hexdigest()
    raw = meta if isinstance(meta, bytes) else json.dumps(meta).encode()
    members["metadata.json"] = raw
    members["metadata.sha256"] = hashlib.sha256(raw).hexdigest().encode()
    return members


def npy(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array)
    return buffer.getvalue()


def _structure(data):
    """Offsets of the fields of every local header, central directory entry and the end record."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
    eocd = data.rfind(b"PK\x05\x06")
    cd_offset = struct.unpack("<L", data[eocd + 16:eocd + 20])[0]
    fields = []
    local = [("version", 4, 2), ("flags", 6, 2), ("method", 8, 2), ("time", 10, 2), ("date", 12, 2),
             ("crc", 14, 4), ("csize", 18, 4), ("usize", 22, 4), ("nlen", 26, 2), ("xlen", 28, 2)]
    for info in infos:
        for name, off, size in local:
            fields.append((f"local:{info.filename}:{name}", info.header_offset + off, size))
    central = [("made", 4, 2), ("version", 6, 2), ("flags", 8, 2), ("method", 10, 2),
               ("time", 12, 2), ("date", 14, 2), ("crc", 16, 4), ("csize", 20, 4),
               ("usize", 24, 4), ("nlen", 28, 2), ("xlen", 30, 2), ("clen", 32, 2),
               ("disk", 34, 2), ("iattr", 36, 2), ("eattr", 38, 4), ("offset", 42, 4)]
    at = cd_offset
    while data[at:at + 4] == b"PK\x01\x02":
        nlen, xlen, clen = struct.unpack("<HHH", data[at + 28:at + 34])
        name = data[at + 46:at + 46 + nlen].decode(errors="replace")
        for field, off, size in central:
            fields.append((f"central:{name}:{field}", at + off, size))
        at += 46 + nlen + xlen + clen
    for field, off, size in [("disk", 4, 2), ("cd_disk", 6, 2), ("entries_disk", 8, 2),
                             ("entries", 10, 2), ("cd_size", 12, 4), ("cd_offset", 16, 4),
                             ("comment_len", 20, 2)]:
        fields.append((f"eocd:{field}", eocd + off, size))
    return fields


def _set_field(data, offset, size, value):
    fmt = "<H" if size == 2 else "<L"
    return data[:offset] + struct.pack(fmt, value % (1 << (8 * size))) + data[offset + size:]


# ------------------------------------------------------------------ families
def byte_flips(base, rng, n):
    for i in range(n):
        data = bytearray(base)
        for _ in range(rng.choice([1, 1, 1, 2, 4, 8])):
            pos = rng.randrange(len(data))
            data[pos] = rng.choice([data[pos] ^ (1 << rng.randrange(8)), rng.randrange(256),
                                    0x00, 0xFF])
        yield Case("byte flip", f"flip#{i}", bytes(data), "refuse-or-identical")


def truncations(base, rng, n):
    cuts = sorted({0, 1, 3, 4, 21, 22, len(base) - 1, len(base) - 22, len(base) - 23}
                  | {rng.randrange(len(base)) for _ in range(n)})
    for cut in cuts[:n]:
        yield Case("truncation", f"cut@{cut}", base[:cut], "refuse-or-identical")


def insertions_deletions(base, rng, n):
    for i in range(n):
        pos = rng.randrange(len(base))
        if i % 2:
            junk = bytes(rng.randrange(256) for _ in range(rng.choice([1, 2, 7, 64])))
            yield Case("insert/delete", f"insert#{i}", base[:pos] + junk + base[pos:],
                       "refuse-or-identical")
        else:
            yield Case("insert/delete", f"delete#{i}", base[:pos] + base[pos + rng.choice([1, 3, 30]):],
                       "refuse-or-identical")


def header_extremes(base, rng):
    for field, offset, size in _structure(base):
        top = (1 << (8 * size)) - 1
        values = {0, top, rng.randrange(top + 1)}
        if field.endswith(":method"):
            values |= {1, 9, 12, 14, 99}
        if field.endswith(":flags"):
            values |= {0x1, 0x8, 0x41}
        for value in sorted(values):
            yield Case("zip header extreme", f"{field}={value}", _set_field(base, offset, size, value),
                       "refuse-or-identical")


def bombs(base):
    members = members_of(base)
    meta = json.loads(members["metadata.json"])
    big = 200 << 20  # 200 MB of zeros inflating from ~200 KB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1 << 20)
    deflated = b"".join(compressor.compress(chunk) for _ in range(big >> 20)) + compressor.flush()
    first = next(n for n in meta["arrays"])

    def zip_with_raw_member(name, raw_deflated, size, crc, declared=None):
        """A two-metadata-member archive plus one member whose deflate stream we give as is."""
        others = {k: v for k, v in members.items() if k != name}
        data = build_archive(others)
        # Append the member by hand: local header, data, then rebuild the central directory.
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
        eocd = data.rfind(b"PK\x05\x06")
        cd_offset = struct.unpack("<L", data[eocd + 16:eocd + 20])[0]
        body, central = data[:cd_offset], data[cd_offset:eocd]
        encoded = name.encode()
        usize = size if declared is None else declared
        local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc,
                            len(raw_deflated), usize, len(encoded), 0) + encoded
        offset = len(body)
        entry = struct.pack("<4s6H3L5HLL", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc,
                            len(raw_deflated), usize, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
        body += local + raw_deflated
        cd = central + entry
        end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(infos) + 1, len(infos) + 1,
                          len(cd), len(body), 0)
        return body + cd + end

    crc = 0
    for _ in range(big >> 20):
        crc = zlib.crc32(chunk, crc)
    yield Case("bomb", f"{first}.npy inflates to 200 MB", zip_with_raw_member(
        f"{first}.npy", deflated, big, crc), "refuse")
    yield Case("bomb", f"{first}.npy declares 100 bytes, inflates to 200 MB", zip_with_raw_member(
        f"{first}.npy", deflated, big, crc, declared=100), "refuse")
    yield Case("bomb", f"{first}.npy declares 4 GB", zip_with_raw_member(
        f"{first}.npy", deflated, big, crc, declared=0xFFFFFFFF), "refuse")
    yield Case("bomb", "metadata.json inflates to 200 MB", zip_with_raw_member(
        "metadata.json", deflated, big, crc), "refuse")
    # A valid .npy followed by 50 MB of zeros (the digest covers the data only),
    # written in chunks so that making it costs no 50 MB.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, raw in members.items():
            if name != f"{first}.npy":
                zf.writestr(name, raw)
        with zf.open(f"{first}.npy", "w") as member:
            member.write(members[f"{first}.npy"])
            for _ in range(50):
                member.write(chunk)
    yield Case("bomb", f"{first}.npy with 50 MB of trailing zeros", buffer.getvalue(), "refuse")
    yield Case("bomb", f"{first}.npy with 10 trailing bytes",
               build_archive({**members, f"{first}.npy": members[f"{first}.npy"] + bytes(10)}),
               "refuse")
    # Many members (a central directory of 100 000 entries).
    many = build_archive({**members, **{f"x{i}.npy": b"" for i in range(20000)}},
                         compression=zipfile.ZIP_STORED)
    yield Case("bomb", "20 000 extra members", many, "refuse")
    # Other compression methods and encryption, set properly (every header agrees).
    for method in (zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        yield Case("bomb", f"members compressed with method {method}",
                   build_archive(members, compression=method), "refuse")


def _nested(depth, opener="[", closer="]"):
    return (opener * depth + closer * depth).encode()


def json_tricks(base):
    members = members_of(base)
    meta = json.loads(members["metadata.json"])
    text = members["metadata.json"]
    raw_cases = {
        "depth 100 000 list": _nested(100_000),
        "depth 100 000 object": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        "depth 40 in extra": json.dumps({**meta, "extra": json.loads(_nested(40))}).encode(),
        "9 MB of spaces": text[:-1] + b" " * (9 << 20) + b"}",
        "NaN literal": text.replace(b'"format_version": 1', b'"format_version": NaN'),
        "Infinity": text.replace(b'"format_version": 1', b'"format_version": Infinity'),
        "1e999": text.replace(b'"format_version": 1', b'"format_version": 1e999'),
        "5000-digit integer": text.replace(b'"format_version": 1',
                                           b'"format_version": 1' + b"0" * 5000),
        "duplicate key": text[:-1] + b', "format": "layerwise-model"}',
        "not UTF-8": text.replace(b'"format"', b'"\xff\xfeformat"'),
        "UTF-8 BOM": b"\xef\xbb\xbf" + text,
        "top level list": b"[" + text + b"]",
        "top level string": b'"layerwise-model"',
        "empty": b"",
        "truncated": text[:len(text) // 2],
        "null": b"null",
        "surrogate escape": text.replace(b'"format"', b'"\\ud800format"'),
        "9 MB string": json.dumps({**meta, "extra": {"s": "x" * (9 << 20)}}).encode(),
    }
    for name, raw in raw_cases.items():
        yield Case("json", name, build_archive(resign(members, raw)), "refuse")
    # Large but within the cap: a valid (forged) file, which must load quickly.
    for name, extra in (("7 MB string", {"s": "x" * (7 << 20)}),
                        ("4 MB of escapes", {"s": "\"\\" * (1 << 20)}),
                        ("200 000 numbers", {"s": list(range(200_000))})):
        yield Case("json", name, build_archive(resign(members, {**meta, "extra": extra})),
                   "refuse-or-valid")


def _forged_meta_edits(kind):
    """Invalid metadata edits (the digest is recomputed, so the deeper checks must catch them)."""
    edits = {
        "layer_dims [4, 30000, 30000, 4]": lambda m: m.update(layer_dims=[4, 30000, 30000, 4]),
        "layer_dims [3, 10**12, 2]": lambda m: m.update(layer_dims=[3, 10**12, 2]),
        "layer_dims of 10 000 layers": lambda m: m.update(layer_dims=[3] * 10_000),
        "layer_dims with 0": lambda m: m.update(layer_dims=[3, 0, 2]),
        "layer_dims negative": lambda m: m.update(layer_dims=[3, -5, 2]),
        "layer_dims floats": lambda m: m.update(layer_dims=[3.0, 5.0, 4.0, 2.0]),
        "layer_dims bools": lambda m: m.update(layer_dims=[True] * 4),
        "layer_dims string": lambda m: m.update(layer_dims="3,5,2"),
        "layer_dims missing": lambda m: m.pop("layer_dims"),
        "activations unknown": lambda m: m.update(activations=["relu", "swish", "softmax"]),
        "activations too few": lambda m: m.update(activations=["relu"]),
        "activations not a list": lambda m: m.update(activations="relu"),
        "activations dict": lambda m: m.update(activations={"a": 1}),
        "loss unknown": lambda m: m.update(loss="hinge"),
        "loss list": lambda m: m.update(loss=["mse"]),
        "dtype float16": lambda m: m.update(dtype="float16"),
        "dtype object": lambda m: m.update(dtype="object"),
        "dtype <U100000000": lambda m: m.update(dtype="<U100000000"),
        "kind unknown": lambda m: m.update(kind="Pickle"),
        "kind missing": lambda m: m.pop("kind"),
        "extra a list": lambda m: m.update(extra=[1, 2]),
        "extra a string": lambda m: m.update(extra="x"),
        "format_version 2": lambda m: m.update(format_version=2),
        "format_version true": lambda m: m.update(format_version=True),
        "format_version 0": lambda m: m.update(format_version=0),
        "arrays table a list": lambda m: m.update(arrays=[]),
        "array shape [100000, 100000]": lambda m: m["arrays"]["W1"].update(shape=[100000, 100000]),
        "array shape negative": lambda m: m["arrays"]["W1"].update(shape=[-1, 3]),
        "array shape nested": lambda m: m["arrays"]["W1"].update(shape=[[5], [3]]),
        "array shape 9-D": lambda m: m["arrays"]["W1"].update(shape=[1] * 9),
        "array dtype <U100000000": lambda m: m["arrays"]["W1"].update(dtype="<U100000000"),
        "array dtype |O": lambda m: m["arrays"]["W1"].update(dtype="|O"),
        "array dtype >f8": lambda m: m["arrays"]["W1"].update(dtype=">f8"),
        "array sha256 missing": lambda m: m["arrays"]["W1"].pop("sha256"),
        "array table extra key": lambda m: m["arrays"]["W1"].update(evil=1),
        "array name with a path": lambda m: m["arrays"].update({"../../etc/passwd":
                                                                m["arrays"]["W1"]}),
        "array removed from table": lambda m: m["arrays"].pop("b1"),
        "arrays of 2**40 elements": lambda m: m["arrays"].update(
            {f"Z{i}": {"shape": [2**20, 2**20], "dtype": "<f8", "sha256": "0" * 64} for i in range(3)}),
    }
    if kind != "regressor":  # the regressor's mse takes any output
        edits.update({
            "output linear with cross-entropy": lambda m: m.update(
                activations=m["activations"][:-1] + ["linear"]),
            "output relu with cross-entropy": lambda m: m.update(
                activations=m["activations"][:-1] + ["relu"]),
        })
    if kind != "network":
        edits.update({
            "estimator section missing": lambda m: m.pop("estimator"),
            "estimator section a list": lambda m: m.update(estimator=[]),
            "n_iter Infinity-like 1e400 int": lambda m: m["estimator"].update(n_iter=10**400),
            "n_iter negative": lambda m: m["estimator"].update(n_iter=-1),
            "n_iter string": lambda m: m["estimator"].update(n_iter="7"),
            "n_iter float": lambda m: m["estimator"].update(n_iter=7.5),
            "n_features_in wrong": lambda m: m["estimator"].update(n_features_in=4),
            "n_features_in huge": lambda m: m["estimator"].update(n_features_in=10**30),
            "feature_names wrong count": lambda m: m["estimator"].update(feature_names=["a"]),
            "feature_names numbers": lambda m: m["estimator"].update(feature_names=[1, 2, 3]),
            "loss_curve strings": lambda m: m["estimator"].update(loss_curve=["x"]),
            "loss_curve nested": lambda m: m["estimator"].update(loss_curve=[[1.0]]),
            "best_validation_score string": lambda m: m["estimator"].update(best_validation_score="a"),
            "params unknown key": lambda m: m["estimator"]["params"].update(evil=1),
            "params a list": lambda m: m["estimator"].update(params=[]),
            "tuple_params naming a scalar": lambda m: m["estimator"].update(tuple_params=["epochs"]),
            "normalisation unknown method": lambda m: m["normalisation"].update(input="minmax"),
            "normalisation a list": lambda m: m.update(normalisation=[]),
            "normalisation arrays missing": lambda m: (m["arrays"].pop("input_mean", None),
                                                       m["arrays"].pop("input_scale", None)),
            "kind swapped": lambda m: m.update(
                kind="DeepRegressor" if kind == "classifier" else "DeepClassifier"),
        })
    if kind == "classifier":
        edits.update({
            "classes dtype <U100000000": lambda m: m["estimator"]["classes"].update(dtype="<U100000000"),
            "classes dtype |O pickle": lambda m: m["estimator"]["classes"].update(dtype="|O"),
            "classes dtype object with ints": lambda m: m["estimator"]["classes"].update(
                dtype="object", values=[1, 2, 3]),
            "classes 100 000 values": lambda m: m["estimator"]["classes"].update(
                values=[f"c{i}" for i in range(100_000)]),
            "classes too few": lambda m: m["estimator"]["classes"].update(values=["cat", "dog"]),
            "classes duplicated": lambda m: m["estimator"]["classes"].update(
                values=["cat", "cat", "dog"]),
            "classes int64 overflow": lambda m: m["estimator"]["classes"].update(
                dtype="<i8", values=[2**63, 1, 2]),
            "classes bool not bool": lambda m: m["estimator"]["classes"].update(
                dtype="|b1", values=[0, 1, 2]),
            "classes not a dict": lambda m: m["estimator"].update(classes=["cat", "dog", "emu"]),
            "classes float NaN-like": lambda m: m["estimator"]["classes"].update(
                dtype="<f8", values=["nan", 1.0, 2.0]),
            "classes dtype garbage": lambda m: m["estimator"]["classes"].update(dtype="x" * 100),
            "classes dtype structured": lambda m: m["estimator"]["classes"].update(
                dtype="[('a', '<i4')]"),
            "output sigmoid for 3 classes": lambda m: m.update(
                activations=m["activations"][:-1] + ["sigmoid"]),
            "output linear, loss mse": lambda m: m.update(
                activations=m["activations"][:-1] + ["linear"], loss="mse"),
        })
    if kind == "regressor":
        edits.update({
            "n_outputs wrong": lambda m: m["estimator"].update(n_outputs=3),
            "y_ndim 3": lambda m: m["estimator"].update(y_ndim=3),
            "y_ndim missing": lambda m: m["estimator"].pop("y_ndim"),
        })
    return edits


def forged_digests(kind, base):
    members = members_of(base)
    meta = json.loads(members["metadata.json"])
    for name, edit in _forged_meta_edits(kind).items():
        changed = json.loads(json.dumps(meta))
        edit(changed)
        yield Case("forged digest", f"{kind}: {name}", build_archive(resign(members, changed)),
                   "refuse")
    W1 = np.lib.format.read_array(io.BytesIO(members["W1.npy"]))
    for label, value in (("NaN", np.nan), ("inf", np.inf), ("-inf", -np.inf)):
        bad = W1.copy()
        bad.flat[0] = value
        yield Case("forged digest", f"{kind}: W1 holds {label}",
                   build_archive(resign(members, meta, {"W1": bad})), "refuse")
    if "input_scale" in meta["arrays"]:
        scale = np.lib.format.read_array(io.BytesIO(members["input_scale.npy"]))
        for label, value in (("zero", 0.0), ("negative", -1.0), ("NaN", np.nan)):
            bad = scale.copy()
            bad[0] = value
            yield Case("forged digest", f"{kind}: input_scale {label}",
                       build_archive(resign(members, meta, {"input_scale": bad})), "refuse")
    # An extra array the table does not know, and one it knows but no model uses.
    yield Case("forged digest", f"{kind}: unlisted member",
               build_archive({**members, "evil.npy": npy(np.zeros(3))}), "refuse")
    extra = json.loads(json.dumps(meta))
    extra["arrays"]["Z9"] = {"shape": [3], "dtype": "<f8",
                             "sha256": hashlib.sha256(np.zeros(3).tobytes()).hexdigest()}
    yield Case("forged digest", f"{kind}: unused array", build_archive(
        resign({**members, "Z9.npy": npy(np.zeros(3))}, extra)), "refuse")


def npy_tricks(kind, base):
    members = members_of(base)
    meta = json.loads(members["metadata.json"])
    raw = members["W1.npy"]
    W1 = np.lib.format.read_array(io.BytesIO(raw))
    shape = W1.shape

    def header(text, version=(1, 0), pad_to=64):
        body = text.encode("latin1")
        if version == (1, 0):
            total = 10 + len(body) + 1
            body += b" " * ((-total) % pad_to) + b"\n"
            return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(body)) + body
        total = 12 + len(body) + 1
        body += b" " * ((-total) % pad_to) + b"\n"
        return b"\x93NUMPY" + bytes(version) + struct.pack("<I", len(body)) + body

    data = W1.tobytes()
    dict_ = "{'descr': '<f8', 'fortran_order': False, 'shape': %s, }"
    tricks = {
        "shape (100000, 100000)": header(dict_ % "(100000, 100000)") + data,
        "shape transposed": header(dict_ % str(shape[::-1])) + data,
        "shape negative": header(dict_ % "(-1, 3)") + data,
        "fortran order": header("{'descr': '<f8', 'fortran_order': True, 'shape': %s, }"
                                % str(shape)) + data,
        "descr <f2": header("{'descr': '<f2', 'fortran_order': False, 'shape': %s, }" % str(shape))
        + data,
        "descr >f8": header("{'descr': '>f8', 'fortran_order': False, 'shape': %s, }" % str(shape))
        + data,
        "descr |O (pickle)": npy_pickle(),
        "descr <U100000000": header("{'descr': '<U100000000', 'fortran_order': False, 'shape': (2,), }")
        + data,
        "descr V8": header("{'descr': '|V8', 'fortran_order': False, 'shape': %s, }" % str(shape))
        + data,
        "header calls a function": header("__import__('os').system('false')") + data,
        "header not a dict": header("[1, 2, 3]") + data,
        "header missing keys": header("{'descr': '<f8'}") + data,
        "header extra key": header("{'descr': '<f8', 'fortran_order': False, 'shape': %s, 'x': 1}"
                                   % str(shape)) + data,
        "version 2.0": header(dict_ % str(shape), version=(2, 0)) + data,
        "version 3.0": header(dict_ % str(shape), version=(3, 0)) + data,
        "version 9.9": header(dict_ % str(shape), version=(9, 9)) + data,
        "header length 65535": b"\x93NUMPY\x01\x00" + struct.pack("<H", 65535)
        + (dict_ % str(shape)).encode().ljust(65534) + b"\n" + data,
        "header length beyond the member": b"\x93NUMPY\x01\x00" + struct.pack("<H", 60000) + b"{",
        "bad magic": b"\x93NUMPX" + raw[6:],
        "data one byte short": raw[:-1],
        "data one byte long": raw + b"\x00",
        "data 8 bytes long": raw + bytes(8),
        "empty member": b"",
        "header only": raw[:len(raw) - len(data)],
    }
    if W1.dtype == np.float32:
        tricks = {k: v.replace(b"'<f8'", b"'<f4'", 1) if k in
                  ("shape (100000, 100000)", "shape transposed", "shape negative", "fortran order",
                   "header extra key", "version 2.0", "version 3.0", "header length 65535")
                  else v for k, v in tricks.items()}
    for name, member in tricks.items():
        yield Case("npy header", f"{kind}: {name}", build_archive({**members, "W1.npy": member}),
                   "refuse")
        # and with the digest of the (unchanged or new) data recomputed in the table
        forged = json.loads(json.dumps(meta))
        forged["arrays"]["W1"]["sha256"] = hashlib.sha256(data).hexdigest()
        yield Case("npy header", f"{kind}: {name} (table re-signed)",
                   build_archive({**resign(members, forged), "W1.npy": member}), "refuse")


def npy_pickle():
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    return buffer.getvalue()


def _mutate_json_value(value, rng, depth=0):
    """A random change somewhere in a JSON value (type swap, extreme number, drop, ...)."""
    choices = [None, True, False, 0, -1, 1, 2**31, 2**63, -2**63 - 1, 10**20, 0.5, -0.0, 1e308,
               "", "x", "relu", "softmax", "float16", "<U9", [], {}, [1, 2], {"a": 1}]
    if isinstance(value, dict) and value and depth < 6 and rng.random() < 0.8:
        key = rng.choice(sorted(value))
        if rng.random() < 0.15:
            value = dict(value)
            value.pop(key)
            return value
        return {**value, key: _mutate_json_value(value[key], rng, depth + 1)}
    if isinstance(value, list) and value and depth < 6 and rng.random() < 0.8:
        i = rng.randrange(len(value))
        value = list(value)
        op = rng.random()
        if op < 0.15:
            value.pop(i)
        elif op < 0.3:
            value.insert(i, rng.choice(choices))
        else:
            value[i] = _mutate_json_value(value[i], rng, depth + 1)
        return value
    return rng.choice(choices)


def random_forgeries(kind, base, rng, n):
    members = members_of(base)
    meta = json.loads(members["metadata.json"])
    for i in range(n):
        changed = _mutate_json_value(meta, rng)
        yield Case("random forgery", f"{kind}: json mutation #{i}",
                   build_archive(resign(members, changed)), "refuse-or-valid")


def corpus(bases, seed=0, *, scale=1.0):
    """Every generated case, in a fixed order, made one at a time (an iterator);
    ``scale`` multiplies the random families' sizes."""
    rng = random.Random(seed)
    for kind, base in bases.items():
        yield from byte_flips(base, rng, int(500 * scale))
        yield from truncations(base, rng, int(150 * scale))
        yield from insertions_deletions(base, rng, int(100 * scale))
        yield from header_extremes(base, rng)
        yield from forged_digests(kind, base)
        yield from npy_tricks(kind, base)
        yield from random_forgeries(kind, base, rng, int(150 * scale))
    yield from bombs(bases.get("classifier", next(iter(bases.values()))))
    yield from json_tricks(bases.get("network", next(iter(bases.values()))))
