"""One way to turn whatever the caller passes as ``rng`` into a random source."""

from __future__ import annotations

import numbers

import numpy as np


def as_rng(rng):
    """Return a random generator for ``rng``.

    Parameters
    ----------
    rng : None, int, numpy.random.Generator or numpy.random.RandomState
        ``None`` uses NumPy's global ``RandomState`` (as scikit-learn does), so a
        notebook that calls ``np.random.seed(3)`` first gets the course's numbers.
        An int seeds a new ``RandomState`` -- the legacy generator that course
        notebooks use -- so ``rng=3`` and ``np.random.seed(3)`` draw alike.
        Generators and RandomStates are used as they are.

    Returns
    -------
    numpy.random.Generator or numpy.random.RandomState
        Both offer ``standard_normal``, ``random`` and ``permutation``, which is
        all layerwise draws with.
    """
    if rng is None:
        return np.random.mtrand._rand
    if isinstance(rng, (np.random.Generator, np.random.RandomState)):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.RandomState(int(rng))
    raise TypeError(
        "rng must be None, an int seed, a numpy.random.Generator or a "
        f"numpy.random.RandomState; got {type(rng).__name__} {rng!r}"
    )
