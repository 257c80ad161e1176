"""Model files: a safe, documented format.

A layerwise model file is a ZIP archive (readable by ``numpy.load`` as an
``.npz``) holding

* ``metadata.json`` -- UTF-8 JSON: ``{"format": "layerwise-model",
  "format_version": 1, "kind": "Network", "layer_dims": [...],
  "activations": [...], "loss": ..., "dtype": ..., "arrays": {NAME: {"shape":
  [...], "dtype": ..., "sha256": ...}}, "extra": {...}}``;
* one ``NAME.npy`` member per array (``W1.npy``, ``b1.npy``, ...), in NumPy's
  ``.npy`` format, read with ``allow_pickle=False``.

* ``metadata.sha256`` -- the SHA-256 of the exact bytes of ``metadata.json``.

Loading never unpickles and never executes anything from the file. The
metadata's digest is checked first and each array's SHA-256 against the
metadata, so an edited or damaged file (metadata or arrays) is refused -- a
guard against accidents and casual edits, not a signature against a
deliberate forger, who can recompute the digests. Also refused are truncated archives, unknown formats, newer format versions and
arrays whose shapes disagree with the metadata. Files are written to a
temporary name and renamed, so a failed save leaves no half-written file.
"""

from __future__ import annotations

import hashlib
import io as _io
import json
import os
import tempfile
import zipfile

import numpy as np

FORMAT = "layerwise-model"
FORMAT_VERSION = 1


class ModelFileError(ValueError):
    """A model file that cannot be read: not one, damaged, or of an unknown version."""


def _digest(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def write_model_file(path, metadata, arrays):
    """Write ``metadata`` (JSON-able dict) and ``arrays`` (name -> ndarray) to ``path``.

    Parameters
    ----------
    path : str or os.PathLike
    metadata : dict, stored as ``metadata.json`` (``format`` keys are added)
    arrays : dict of str -> ndarray (numeric dtypes only)
    """
    meta = dict(metadata)
    meta["format"], meta["format_version"] = FORMAT, FORMAT_VERSION
    meta["arrays"] = {}
    for name, array in arrays.items():
        array = np.asarray(array)
        if array.dtype == object:
            raise TypeError(f"array {name!r} has dtype object; model files hold numbers only")
        meta["arrays"][name] = {"shape": list(array.shape), "dtype": array.dtype.str,
                                "sha256": _digest(array)}
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".layerwise-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as zf:
            meta_bytes = json.dumps(meta, indent=2, sort_keys=True).encode("utf-8")
            zf.writestr("metadata.json", meta_bytes)
            zf.writestr("metadata.sha256", hashlib.sha256(meta_bytes).hexdigest())
            for name, array in arrays.items():
                buffer = _io.BytesIO()
                np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
                zf.writestr(f"{name}.npy", buffer.getvalue())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def read_model_file(path):
    """Read a model file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    metadata : dict, the parsed ``metadata.json``
    arrays : dict of str -> ndarray, checked against the metadata

    Raises
    ------
    ModelFileError (a ValueError)
        If the file is not a layerwise model file, is truncated or damaged, has
        a newer format version, or its arrays disagree with its metadata.
    FileNotFoundError
        If ``path`` does not exist.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"model file {path!r} does not exist")
    try:
        with zipfile.ZipFile(path) as zf:
            try:
                meta_bytes = zf.read("metadata.json")
            except KeyError:
                raise ModelFileError(f"{path!r} is not a layerwise model file (no metadata.json)") from None
            meta = json.loads(meta_bytes.decode("utf-8"))
            _check_header(path, meta)
            try:
                recorded = zf.read("metadata.sha256").decode("ascii").strip()
            except KeyError:
                raise ModelFileError(f"{path!r} lacks metadata.sha256: not a complete layerwise "
                                     "model file") from None
            if recorded != hashlib.sha256(meta_bytes).hexdigest():
                raise ModelFileError(f"the metadata of {path!r} does not match its checksum: the "
                                     "file was changed or damaged")
            arrays = {}
            for name, spec in meta["arrays"].items():
                try:
                    raw = zf.read(f"{name}.npy")
                except KeyError:
                    raise ModelFileError(f"{path!r} lacks the array {name!r} named in its metadata") from None
                array = np.lib.format.read_array(_io.BytesIO(raw), allow_pickle=False)
                if list(array.shape) != list(spec["shape"]) or array.dtype.str != spec["dtype"]:
                    raise ModelFileError(
                        f"array {name!r} in {path!r} is {array.dtype.str}{list(array.shape)} but the "
                        f"metadata says {spec['dtype']}{spec['shape']}")
                if _digest(array) != spec["sha256"]:
                    raise ModelFileError(f"array {name!r} in {path!r} does not match its checksum: "
                                         "the file was changed or damaged")
                arrays[name] = array
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, UnicodeDecodeError, KeyError,
            TypeError, zipfile.LargeZipFile) as exc:
        raise ModelFileError(f"{path!r} is not a readable layerwise model file "
                             f"(truncated or damaged: {exc})") from None
    return meta, arrays


def _check_header(path, meta):
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{path!r} is not a layerwise model file (format is "
                             f"{meta.get('format') if isinstance(meta, dict) else None!r})")
    version = meta.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ModelFileError(f"{path!r} has an invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFileError(f"{path!r} has format_version {version}, newer than this layerwise "
                             f"reads ({FORMAT_VERSION}); upgrade layerwise to load it")
    if not isinstance(meta.get("arrays"), dict):
        raise ModelFileError(f"{path!r} has no array table in its metadata")


def network_metadata(network):
    """The metadata that describes a :class:`~layerwise.network.Network`."""
    return {"kind": "Network", "layer_dims": list(network.layer_dims),
            "activations": list(network.activations), "loss": network.loss,
            "dtype": network.dtype.name}


def save_network(network, path, extra=None):
    """Write ``network`` (and an optional JSON-able ``extra`` dict) to ``path``."""
    meta = network_metadata(network)
    meta["extra"] = extra or {}
    write_model_file(path, meta, network.parameters)


def network_from_file_contents(path, meta, arrays):
    """Build a Network from what :func:`read_model_file` returned, checking shapes."""
    from .network import Network

    try:
        net = Network(meta["layer_dims"], meta["activations"], loss=meta["loss"],
                      dtype=meta["dtype"], init="zeros")
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{path!r} describes no valid network: {exc}") from None
    expected = set(net.parameters)
    if set(k for k in arrays if k in expected or k[:1] in "Wb" and k[1:].isdigit()) != expected:
        raise ModelFileError(f"{path!r} holds arrays {sorted(arrays)}; a {meta['layer_dims']} network "
                             f"needs {sorted(expected)}")
    for key, view in net.parameters.items():
        if arrays[key].shape != view.shape:
            raise ModelFileError(f"array {key!r} in {path!r} has shape {arrays[key].shape} but "
                                 f"layer_dims {meta['layer_dims']} need {view.shape}")
        if arrays[key].dtype != net.dtype:
            raise ModelFileError(f"array {key!r} in {path!r} is {arrays[key].dtype}, not {net.dtype}")
        view[...] = arrays[key]
    return net


def load_network(path):
    """Read a :class:`~layerwise.network.Network` written by :func:`save_network`.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    Network

    Raises
    ------
    ModelFileError
        For a damaged file, or one that holds an estimator (whose
        normalisation and classes a bare Network would silently drop).
    """
    meta, arrays = read_model_file(path)
    kind = meta.get("kind", "Network")
    if kind != "Network":
        raise ModelFileError(f"{path!r} holds a {kind}, not a Network; load it with "
                             f"layerwise.sklearn.{kind}.load")
    return network_from_file_contents(path, meta, arrays)
