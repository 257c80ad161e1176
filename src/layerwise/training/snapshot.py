"""``TrainerSnapshot``: a trainer's exact state as arrays plus JSON, and back.

A snapshot holds what a trainer needs to continue bit for bit: the weights,
the optimizer's moments and step count, the random generator's state, the
position inside the current epoch (its permutation and the batch reached),
the history and the early-stopping bookkeeping, and the config. Arrays stay
arrays (no pickle anywhere): :meth:`TrainerSnapshot.to_bytes` writes them and
the JSON metadata into one in-memory ``.npz``.
"""

from __future__ import annotations

import io
import json

import numpy as np

#: Version of the snapshot layout; a newer one is refused on reading.
SNAPSHOT_FORMAT = 1
_META_KEY = "__meta__"


class TrainerSnapshot:
    """A frozen copy of a trainer's state.

    Parameters
    ----------
    arrays : dict str -> ndarray (copied)
    meta : dict of JSON types
    """

    def __init__(self, arrays, meta):
        self.arrays = {k: np.array(v, copy=True) for k, v in arrays.items()}
        self.meta = json.loads(json.dumps(meta))  # a deep, JSON-clean copy

    @property
    def epoch(self):
        """Completed epochs at the moment of the snapshot."""
        return len(self.meta["history"]["cost"])

    @property
    def network_spec(self):
        """The trained network's ``Network.spec()`` (to rebuild it with ``Network.from_spec``)."""
        return dict(self.meta["network"])

    @property
    def config(self):
        """The config as a dict (None when it held a callable schedule)."""
        return self.meta["config"]

    def to_bytes(self):
        """The snapshot as the bytes of an ``.npz`` file (arrays + JSON metadata)."""
        buffer = io.BytesIO()
        meta = np.frombuffer(json.dumps(self.meta).encode("utf-8"), dtype=np.uint8)
        np.savez(buffer, **{_META_KEY: meta}, **self.arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data):
        """Read bytes written by :meth:`to_bytes` (never unpickles)."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except Exception as exc:  # zipfile, zlib and numpy raise many kinds
            raise ValueError(f"not a trainer snapshot: {type(exc).__name__}: {exc}") from None
        if _META_KEY not in arrays:
            raise ValueError("not a trainer snapshot: no metadata")
        meta = json.loads(arrays.pop(_META_KEY).tobytes().decode("utf-8"))
        if meta.get("format", 0) > SNAPSHOT_FORMAT:
            raise ValueError(f"trainer snapshot format {meta.get('format')} is newer than this "
                             f"layerwise reads ({SNAPSHOT_FORMAT})")
        return cls(arrays, meta)

    def __eq__(self, other):
        if not isinstance(other, TrainerSnapshot):
            return NotImplemented
        return self.meta == other.meta and self.arrays.keys() == other.arrays.keys() and all(
            self.arrays[k].dtype == other.arrays[k].dtype
            and np.array_equal(self.arrays[k], other.arrays[k]) for k in self.arrays)

    def __repr__(self):
        size = sum(a.nbytes for a in self.arrays.values())
        return f"TrainerSnapshot(epoch={self.epoch}, batch={self.meta['batch']}, {size} array bytes)"


# ------------------------------------------------------------- generator state
def encode_rng(rng, arrays, prefix="rng"):
    """The state of a Generator or RandomState as JSON, its arrays put into ``arrays``."""
    if isinstance(rng, np.random.Generator):
        kind, state = "Generator", rng.bit_generator.state
    elif isinstance(rng, np.random.RandomState):
        kind, state = "RandomState", rng.get_state(legacy=False)
    else:
        raise TypeError(f"cannot snapshot a random source of type {type(rng).__name__}")
    return {"kind": kind, "state": _encode(state, arrays, prefix)}


def decode_rng(encoded, arrays):
    """A new Generator or RandomState in the state :func:`encode_rng` recorded."""
    state = _decode(encoded["state"], arrays)
    if encoded["kind"] == "Generator":
        bit_generator = getattr(np.random, state["bit_generator"])()
        bit_generator.state = state
        return np.random.Generator(bit_generator)
    rng = np.random.RandomState()
    rng.set_state(state)
    return rng


def _encode(value, arrays, path):
    if isinstance(value, dict):
        return {k: _encode(v, arrays, f"{path}/{k}") for k, v in value.items()}
    if isinstance(value, np.ndarray):
        arrays[path] = value
        return {"__array__": path}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _decode(value, arrays):
    if isinstance(value, dict):
        if set(value) == {"__array__"}:
            return arrays[value["__array__"]].copy()
        return {k: _decode(v, arrays) for k, v in value.items()}
    return value
