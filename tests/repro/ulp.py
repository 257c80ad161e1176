"""A harness that moves NumPy's exp and log results by one unit in the last place.

Why: NumPy's AVX-512 ``exp``/``log`` kernels round differently from the baseline
(libm) ones in the last bit of some results. A machine without AVX-512 cannot run
that code path, but it can imitate its effect: :func:`perturbed_exp_log` wraps
``np.exp`` and ``np.log`` so that a random fraction of their finite, non-zero
results is moved one ulp up or down (``np.nextafter``). How far a published
course number moves under such perturbations measures how much the protocol
amplifies last-bit differences -- the honest basis for a test's tolerance.

Used by ``tests/repro`` and ``benchmarks/ulp_sensitivity.py``; not part of the
library.
"""

from __future__ import annotations

import contextlib

import numpy as np


def _nudging(ufunc, rng, fraction):
    def wrapper(x, *args, out=None, **kwargs):
        if out is not None:
            kwargs["out"] = out
        result = ufunc(x, *args, **kwargs)
        values = np.asarray(result)
        if values.dtype.kind != "f":
            return result
        pick = (rng.random(values.shape) < fraction) & np.isfinite(values) & (values != 0)
        up = rng.random(values.shape) < 0.5
        nudged = np.where(pick, np.nextafter(values, np.where(up, np.inf, -np.inf)), values)
        if out is not None:
            target = out[0] if isinstance(out, tuple) else out
            target[...] = nudged
            return target
        if np.ndim(result) == 0:
            return values.dtype.type(nudged)
        return nudged.astype(values.dtype, copy=False)

    return wrapper


@contextlib.contextmanager
def perturbed_exp_log(seed, fraction=0.25):
    """Within the block, ``np.exp``/``np.log`` results move by +-1 ulp at random.

    Parameters
    ----------
    seed : int, seeds the choice of which results move and in which direction
    fraction : float, the probability that a given result moves
    """
    rng = np.random.default_rng(seed)
    saved = np.exp, np.log
    np.exp, np.log = _nudging(saved[0], rng, fraction), _nudging(saved[1], rng, fraction)
    try:
        yield
    finally:
        np.exp, np.log = saved
