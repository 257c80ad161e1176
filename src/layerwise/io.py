"""Model files: the file format, and a reader that works within a budget.

A layerwise model file is a ZIP archive (readable by ``numpy.load`` as an
``.npz``) holding exactly

* ``metadata.json`` -- UTF-8 JSON: ``{"format": "layerwise-model",
  "format_version": 1, "arrays": {NAME: {"shape": [...], "dtype": "<f8",
  "sha256": ...}}, ...}`` plus whatever the writer adds (a network's
  ``layer_dims`` etc., see :meth:`layerwise.network.Network.save`);
* ``metadata.sha256`` -- the SHA-256 (64 hex digits) of the exact bytes of
  ``metadata.json``;
* one ``NAME.npy`` member per array, in NumPy's ``.npy`` format version 1.0,
  little-endian float32 or float64, C order.

This module knows the format only: what the metadata *means* is checked by the
caller through ``check_metadata`` before any array is read.

The reader never unpickles and never executes anything from the file, and it
spends memory and time only in proportion to what the metadata declares,
which is itself bounded. In order, before anything is decompressed or parsed,
it refuses

1. a path that is not a regular file (checked with ``stat`` first, then opened
   non-blocking and checked again, so a FIFO or device is never read), or
   larger than ``max_file_bytes``;
2. an archive whose central directory is too large or lists too many members,
   duplicate or unexpected members, members compressed other than stored or
   deflate, and encrypted members;
3. a ``metadata.json`` larger than :data:`MAX_METADATA_BYTES` (declared and
   actual), whose digest differs from ``metadata.sha256``, that nests deeper
   than :data:`MAX_JSON_DEPTH`, holds NaN/Infinity or duplicate keys;
4. an array table with unknown dtypes, bad shapes or more than
   ``max_array_bytes`` in all; then ``check_metadata(metadata)`` runs;
5. per array: a member whose declared uncompressed size exceeds what its
   declared shape needs, a ``.npy`` header whose shape/dtype/order differ from
   the table, and a member that is not exactly header + data bytes (no
   trailing junk); data is read in chunks into an array allocated from the
   checked shape, and its SHA-256 compared with the table.

Every refusal is a :class:`ModelFileError` (a ``ValueError``); exceptions of
``zipfile``, ``zlib``, ``json`` and NumPy on a damaged file are translated.
The digests guard against accidents and casual edits, not a deliberate forger
(who can recompute them) -- which is why everything above is checked as well.
Files are written with :func:`layerwise.files.atomic_write`.
"""

from __future__ import annotations

import hashlib
import io as _io
import json
import math
import os
import re
import stat
import struct
import zipfile

import numpy as np

from .files import atomic_write

FORMAT = "layerwise-model"
FORMAT_VERSION = 1

#: Largest model file read (bytes).
MAX_FILE_BYTES = 1 << 30
#: Largest ``metadata.json`` (bytes).
MAX_METADATA_BYTES = 8 << 20
#: Deepest nesting of lists/objects in ``metadata.json``.
MAX_JSON_DEPTH = 32
#: Most members in the archive (besides the two metadata members).
MAX_ARRAYS = 512
#: Most bytes of array data in all (the metadata declares them; checked before reading).
MAX_ARRAY_BYTES = 1 << 30
#: Most bytes of a ``.npy`` header.
MAX_NPY_HEADER = 4096
#: The dtypes a model file may hold.
ARRAY_DTYPES = ("<f4", "<f8")

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_HEX64 = re.compile(rb"^[0-9a-f]{64}$")
_CHUNK = 1 << 20
# Possessive quantifiers: no backtracking, so a 7 MB string costs no more than its length.
_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)


class ModelFileError(ValueError):
    """A model file that cannot be read: not one, damaged, forged, too large, or of an unknown version."""


def _digest(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


# ----------------------------------------------------------------------- writing
def _npy_bytes(array):
    buffer = _io.BytesIO()
    np.lib.format.write_array(buffer, array, version=(1, 0), allow_pickle=False)
    return buffer.getvalue()


def write_model_file(path, arrays, metadata):
    """Write ``arrays`` and ``metadata`` to ``path`` atomically.

    Parameters
    ----------
    path : str or os.PathLike
    arrays : dict of str -> ndarray, float32 or float64 (stored little-endian, C order)
    metadata : dict, JSON-able (finite numbers only); ``format``,
        ``format_version`` and ``arrays`` are added

    Raises
    ------
    TypeError, ValueError
        For an array of another dtype or a bad name, metadata JSON cannot hold
        (or too large for a reader to accept), or more array data than a
        reader accepts.
    OutputPathError
        If ``path`` is a symbolic link or not a regular file.
    """
    meta = dict(metadata)
    meta["format"], meta["format_version"] = FORMAT, FORMAT_VERSION
    table, stored, total = {}, {}, 0
    for name, array in arrays.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"array name {name!r} is not an identifier of at most 64 characters")
        array = np.asarray(array)
        if array.dtype not in (np.float32, np.float64):
            raise TypeError(f"array {name!r} has dtype {array.dtype}; model files hold float32 "
                            "or float64 arrays only")
        array = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
        stored[name] = array
        total += array.nbytes
        table[name] = {"shape": list(array.shape), "dtype": array.dtype.str, "sha256": _digest(array)}
    if len(stored) > MAX_ARRAYS or total > MAX_ARRAY_BYTES:
        raise ValueError(f"{len(stored)} arrays of {total:,} bytes in all: more than a model file "
                         f"holds ({MAX_ARRAYS} arrays, {MAX_ARRAY_BYTES:,} bytes)")
    meta["arrays"] = table
    try:
        meta_bytes = json.dumps(meta, indent=1, sort_keys=True, allow_nan=False).encode("utf-8")
    except ValueError as exc:
        raise ValueError(f"the metadata cannot be stored as JSON: {exc} (NaN or infinity?)") from None
    if len(meta_bytes) > MAX_METADATA_BYTES:
        raise ValueError(f"the metadata is {len(meta_bytes):,} bytes of JSON, more than a model "
                         f"file holds ({MAX_METADATA_BYTES:,})")
    _check_depth(meta_bytes)

    def write(handle):
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("metadata.json", meta_bytes)
            zf.writestr("metadata.sha256", hashlib.sha256(meta_bytes).hexdigest())
            for name, array in stored.items():
                zf.writestr(f"{name}.npy", _npy_bytes(array))

    atomic_write(path, write, what="model file")


# ----------------------------------------------------------------------- reading
def _refuse(path, message):
    return ModelFileError(f"{path!r}: {message}")


def _open_regular(path, max_file_bytes):
    """Open ``path`` for reading only if it is a regular file of at most ``max_file_bytes``."""
    st = os.stat(path)  # FileNotFoundError / PermissionError pass through as such
    if not stat.S_ISREG(st.st_mode):
        kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode)
                else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                else "not a regular file")
        raise _refuse(path, f"is {kind}, not a model file")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)  # the same checks on what was opened (it may have been swapped)
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(path, "is not a regular file, not a model file")
        if st.st_size > max_file_bytes:
            raise _refuse(path, f"is {st.st_size:,} bytes, more than a model file may be "
                                f"({max_file_bytes:,})")
        if st.st_size < 22:
            raise _refuse(path, f"is {st.st_size} bytes: not a readable layerwise model file "
                                "(too short for a ZIP archive)")
        return os.fdopen(fd, "rb"), st.st_size
    except BaseException:
        os.close(fd)
        raise


def _check_central_directory(path, handle, size):
    """Bound the central directory before ``zipfile`` reads it (it reads it whole).

    Finds the end-of-central-directory record as ``zipfile`` does (the last 22
    bytes, else the last signature in the final 64 KiB) and its ZIP64 twin.
    """
    tail_size = min(size, 65536 + 22)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    if tail[-22:-18] == b"PK\x05\x06" and tail[-2:] == b"\x00\x00":
        at = len(tail) - 22
    else:
        at = tail.rfind(b"PK\x05\x06")
        if at < 0:
            raise _refuse(path, "not a readable layerwise model file (no ZIP directory)")
    record = tail[at:at + 22]
    if len(record) < 22:
        raise _refuse(path, "truncated or damaged (incomplete end of the ZIP directory)")
    _, _, _, _, entries, cd_size, _, _ = struct.unpack("<4s4H2LH", record)
    counts = [(entries, cd_size)]
    locator = tail[at - 20:at] if at >= 20 else b""
    if locator[:4] == b"PK\x06\x07":
        # A ZIP64 end record replaces the 16/32-bit counts. zipfile reads the one
        # just before the locator; the locator's offset names one too: bound both.
        _, _, offset, _ = struct.unpack("<4sLQL", locator)
        for start in {size - tail_size + at - 20 - 56, offset}:
            if 0 <= start <= size - 56:
                handle.seek(start)
                record64 = handle.read(56)
                if record64[:4] == b"PK\x06\x06":
                    counts.append(struct.unpack("<QQ", record64[32:48]))
    entries, cd_size = max(c[0] for c in counts), max(c[1] for c in counts)
    if entries > MAX_ARRAYS + 2:
        raise _refuse(path, f"its ZIP directory lists {entries:,} members; a model file has at "
                            f"most {MAX_ARRAYS + 2}")
    if cd_size > (MAX_ARRAYS + 2) * (46 + 2 * 65535) or cd_size > size:
        raise _refuse(path, f"its ZIP directory declares {cd_size:,} bytes: damaged or forged")
    handle.seek(0)


def _check_members(path, zf, size):
    infos = zf.infolist()
    if len(infos) > MAX_ARRAYS + 2:
        raise _refuse(path, f"holds {len(infos):,} members; a model file has at most {MAX_ARRAYS + 2}")
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise _refuse(path, f"holds duplicate members {dupes[:3]}: damaged or forged")
    for info in infos:
        if info.flag_bits & 0x1:
            raise _refuse(path, f"member {info.filename!r} is encrypted; model files are not")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refuse(path, f"member {info.filename!r} uses compression method "
                                f"{info.compress_type}; model files use stored or deflate only")
        if info.compress_size > size or info.header_offset > size:
            raise _refuse(path, f"member {info.filename!r} declares more bytes than the file "
                                "has: truncated or damaged")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise _refuse(path, f"member {info.filename!r} is stored but its sizes differ: damaged")
    return {info.filename: info for info in infos}


def _read_member(path, zf, info, limit):
    if info.file_size > limit:
        raise _refuse(path, f"member {info.filename!r} declares {info.file_size:,} bytes, more "
                            f"than its {limit:,} allowed")
    with zf.open(info) as member:
        data = member.read(limit + 1)
    if len(data) != info.file_size:
        raise _refuse(path, f"member {info.filename!r} has {len(data):,} bytes, not the "
                            f"{info.file_size:,} declared: truncated or damaged")
    return data


def _check_depth(text):
    """Refuse JSON nested deeper than :data:`MAX_JSON_DEPTH` (without recursing)."""
    skeleton = np.frombuffer(_STRING.sub(b'""', text), dtype=np.uint8)
    steps = np.zeros(skeleton.shape, dtype=np.int32)
    steps[(skeleton == ord("[")) | (skeleton == ord("{"))] = 1
    steps[(skeleton == ord("]")) | (skeleton == ord("}"))] = -1
    depth = int(np.cumsum(steps).max()) if steps.size else 0
    if depth > MAX_JSON_DEPTH:
        raise ModelFileError(f"metadata.json nests {depth} levels deep; at most {MAX_JSON_DEPTH}")


def _no_constants(name):
    raise ModelFileError(f"metadata.json holds {name}; model files hold finite numbers only")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as infinity
        raise ModelFileError(f"metadata.json holds the number {text[:30]}, which overflows; "
                             "model files hold finite numbers only")
    return value


def _unique_keys(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ModelFileError(f"metadata.json repeats the key {next(k for k in keys if keys.count(k) > 1)!r}")
    return dict(pairs)


def _parse_metadata(path, meta_bytes, digest_bytes):
    if not _HEX64.match(digest_bytes.strip()):
        raise _refuse(path, "metadata.sha256 is not a SHA-256 digest: damaged")
    if digest_bytes.strip().decode("ascii") != hashlib.sha256(meta_bytes).hexdigest():
        raise _refuse(path, "the metadata does not match its checksum: the file was changed or damaged")
    try:
        _check_depth(meta_bytes)
        meta = json.loads(meta_bytes.decode("utf-8"), parse_constant=_no_constants,
                          parse_float=_finite_float, object_pairs_hook=_unique_keys)
    except ModelFileError as exc:
        raise _refuse(path, str(exc)) from None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise _refuse(path, f"metadata.json is not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise _refuse(path, f"not a layerwise model file (format is {str(found)[:40]!r})")
    version = meta.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _refuse(path, f"invalid format_version {str(version)[:40]!r}")
    if version > FORMAT_VERSION:
        raise _refuse(path, f"format_version {version}, newer than this layerwise reads "
                            f"({FORMAT_VERSION}); upgrade layerwise to load it")
    return meta


def _array_table(path, meta, max_array_bytes):
    """The checked array table: name -> (shape tuple, dtype, nbytes, sha256)."""
    table = meta.get("arrays")
    if not isinstance(table, dict):
        raise _refuse(path, "has no array table in its metadata")
    if len(table) > MAX_ARRAYS:
        raise _refuse(path, f"declares {len(table)} arrays; at most {MAX_ARRAYS}")
    checked, total = {}, 0
    for name, spec in table.items():
        if not _NAME.match(name):
            raise _refuse(path, f"declares an array named {name[:70]!r}, not an identifier")
        if not isinstance(spec, dict) or set(spec) != {"shape", "dtype", "sha256"}:
            raise _refuse(path, f"the table entry of array {name!r} is not "
                                "{shape, dtype, sha256}")
        shape, dtype, digest = spec["shape"], spec["dtype"], spec["sha256"]
        if (not isinstance(shape, list) or len(shape) > 8 or
                not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2**40
                        for n in shape)):
            raise _refuse(path, f"array {name!r} has an invalid shape {str(shape)[:60]}")
        if dtype not in ARRAY_DTYPES:
            raise _refuse(path, f"array {name!r} has dtype {str(dtype)[:20]!r}; model files hold "
                                f"{' or '.join(ARRAY_DTYPES)} only")
        if not isinstance(digest, str) or not _HEX64.match(digest.encode("ascii", "replace")):
            raise _refuse(path, f"array {name!r} has no valid sha256 in the table")
        nbytes = math.prod(shape) * int(dtype[-1])
        total += nbytes
        if total > max_array_bytes:
            raise _refuse(path, f"declares {total:,}+ bytes of arrays, more than the "
                                f"{max_array_bytes:,} a model file may hold")
        checked[name] = (tuple(shape), np.dtype(dtype), nbytes, digest)
    return checked


def _read_npy(path, zf, info, shape, dtype, nbytes, digest):
    name = info.filename[:-len(".npy")]
    if info.file_size > nbytes + MAX_NPY_HEADER or info.file_size < nbytes + 10:
        raise _refuse(path, f"member {name!r} declares {info.file_size:,} bytes but a "
                            f"{dtype.str}{list(shape)} array needs {nbytes:,} plus a header")
    with zf.open(info) as member:
        prefix = member.read(10)
        if len(prefix) < 10 or prefix[:6] != b"\x93NUMPY":
            raise _refuse(path, f"member {name!r} is not a .npy array")
        if prefix[6:8] != b"\x01\x00":
            raise _refuse(path, f"member {name!r} is .npy version {prefix[6]}.{prefix[7]}; "
                                "model files use 1.0")
        header_len = struct.unpack("<H", prefix[8:10])[0]
        if 10 + header_len + nbytes != info.file_size:
            raise _refuse(path, f"member {name!r} is {info.file_size:,} bytes, not the "
                                f"{10 + header_len + nbytes:,} its header and declared shape "
                                "give (trailing or missing bytes)")
        header = member.read(header_len)
        if len(header) != header_len:
            raise _refuse(path, f"member {name!r} is truncated in its .npy header")
        found_shape, fortran, found_dtype = np.lib.format.read_array_header_1_0(
            _io.BytesIO(prefix[8:10] + header), max_header_size=MAX_NPY_HEADER)
        if found_shape != shape or found_dtype.str != dtype.str or fortran:
            order = "Fortran" if fortran else "C"
            raise _refuse(path, f"array {name!r} is {found_dtype.str}{list(found_shape)} "
                                f"({order} order) but the metadata says {dtype.str}{list(shape)}")
        array = np.empty(shape, dtype=dtype)
        view = memoryview(array.reshape(-1).view(np.uint8))
        hasher, done = hashlib.sha256(), 0
        while done < nbytes:
            chunk = member.read(min(_CHUNK, nbytes - done))
            if not chunk:
                raise _refuse(path, f"member {name!r} is truncated ({done:,} of {nbytes:,} data bytes)")
            view[done:done + len(chunk)] = chunk
            hasher.update(chunk)
            done += len(chunk)
        if member.read(1):  # also completes zipfile's CRC check
            raise _refuse(path, f"member {name!r} has bytes after its data")
    if hasher.hexdigest() != digest:
        raise _refuse(path, f"array {name!r} does not match its checksum: the file was changed "
                            "or damaged")
    return array


def read_model_file(path, *, check_metadata=None, max_file_bytes=MAX_FILE_BYTES,
                    max_array_bytes=MAX_ARRAY_BYTES):
    """Read a model file within a budget (see the module docstring for every check).

    Parameters
    ----------
    path : str or os.PathLike
    check_metadata : callable ``check_metadata(metadata)``, optional
        Called with the parsed, digest-checked metadata *before any array is
        read*; raises ``ValueError`` (or :class:`ModelFileError`) to refuse the
        file, e.g. because ``layer_dims`` disagree with the array table.
    max_file_bytes, max_array_bytes : int
        Largest file, and most array bytes in all, accepted.

    Returns
    -------
    arrays : dict of str -> ndarray, as the table declares (checked digests)
    metadata : dict, the parsed ``metadata.json``

    Raises
    ------
    ModelFileError (a ValueError)
        For anything that is not a well-formed layerwise model file within the budget.
    FileNotFoundError, PermissionError
        If ``path`` does not exist or cannot be opened.
    """
    path = os.fspath(path)
    handle, size = _open_regular(path, max_file_bytes)
    with handle:
        try:
            _check_central_directory(path, handle, size)
            with zipfile.ZipFile(handle) as zf:
                infos = _check_members(path, zf, size)
                for required in ("metadata.json", "metadata.sha256"):
                    if required not in infos:
                        raise _refuse(path, f"not a layerwise model file (no {required})")
                meta_bytes = _read_member(path, zf, infos["metadata.json"], MAX_METADATA_BYTES)
                digest_bytes = _read_member(path, zf, infos["metadata.sha256"], 80)
                meta = _parse_metadata(path, meta_bytes, digest_bytes)
                table = _array_table(path, meta, max_array_bytes)
                expected = {"metadata.json", "metadata.sha256"} | {f"{n}.npy" for n in table}
                if set(infos) != expected:
                    extra, missing = sorted(set(infos) - expected), sorted(expected - set(infos))
                    raise _refuse(path, f"its members disagree with its metadata (unexpected "
                                        f"{extra[:3]}, missing {missing[:3]})")
                if check_metadata is not None:
                    try:
                        check_metadata(meta)
                    except ModelFileError:
                        raise
                    except (ValueError, TypeError, KeyError) as exc:
                        kind = str(meta.get("kind", "model"))[:40]
                        raise _refuse(path, f"describes no valid {kind}: {exc}") from None
                arrays = {name: _read_npy(path, zf, infos[f"{name}.npy"], *spec)
                          for name, spec in table.items()}
        except ModelFileError:
            raise
        except Exception as exc:
            # zipfile.BadZipFile, zlib.error, EOFError, struct.error, NotImplementedError,
            # RuntimeError, OverflowError, RecursionError, MemoryError, numpy's ValueError ...:
            # whatever a damaged archive makes the standard library or NumPy raise.
            raise _refuse(path, f"truncated or damaged ({type(exc).__name__}: "
                                f"{str(exc)[:120]})") from None
    return arrays, meta
