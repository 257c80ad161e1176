"""Mini-batches: the column order of an epoch, and the course's reseeded random source."""

from __future__ import annotations

import numpy as np


def batch_slices(m, batch_size):
    """``slice`` objects over ``range(m)``: consecutive, the last one partial if need be."""
    return [slice(start, min(start + batch_size, m)) for start in range(0, m, batch_size)]


class EpochOrder:
    """The columns of ``X``, ``Y`` (and weights) in each epoch's order, as mini-batch views.

    Shuffling gathers the whole epoch once, into buffers allocated once per
    trainer (so memory stays at the data plus one copy), and every mini-batch
    is then a slice of them -- contiguous when ``X`` stores its columns
    contiguously, as ``data.T`` of a row-major ``data`` does. Without
    shuffling the batches are slices of the data itself and nothing is copied.

    Parameters
    ----------
    X : ndarray (n_x, m); Y : ndarray (n_y, m); sample_weight : ndarray (m,) or None
    batch_size : int
    shuffle : bool (ignored when there is one batch: its order changes nothing)
    """

    def __init__(self, X, Y, sample_weight, batch_size, shuffle):
        slices = batch_slices(X.shape[1], batch_size)
        self.m = X.shape[1]
        self.shuffle = shuffle and len(slices) > 1
        self.arrays = [X, Y] + ([] if sample_weight is None else [sample_weight])
        if self.shuffle:
            # Gather along a C-contiguous leading axis: np.take would otherwise
            # copy its input first. An F-ordered X (columns contiguous) is
            # gathered through its transpose, a row-major array.
            self._sources, views = [], []
            for a in self.arrays:
                if a.ndim == 2 and a.flags.f_contiguous and not a.flags.c_contiguous:
                    src, axis = a.T, 0
                else:
                    src, axis = np.ascontiguousarray(a), a.ndim - 1
                out = np.empty_like(src, order="C")
                self._sources.append((src, axis, out))
                views.append(out.T if axis == 0 else out)
        else:
            views = self.arrays
        X_e, Y_e = views[0], views[1]
        W_e = views[2] if sample_weight is not None else None
        self.batches = [(X_e[:, sl], Y_e[:, sl], None if W_e is None else W_e[sl]) for sl in slices]

    def arrange(self, permutation):
        """Gather the data into ``permutation``'s order (a no-op without shuffling)."""
        if self.shuffle:
            for src, axis, out in self._sources:
                # mode="clip" lets take write straight into out (with "raise"
                # it buffers); the permutation holds valid indices only.
                np.take(src, permutation, axis=axis, out=out, mode="clip")
        return self.batches


class ReseededRandom:
    """A random source that starts over from ``RandomState(seed)`` whenever asked.

    The course's dropout forward calls ``np.random.seed(1)`` first, so each
    forward pass draws exactly what a fresh ``RandomState(1)`` draws. Seeding
    a RandomState costs ~0.1 ms -- more than the rest of an iteration -- so
    this object draws once and replays: after :meth:`restart`, its k-th
    ``random(shape)`` call returns what a fresh ``RandomState(seed)``'s k-th
    call would.
    """

    def __init__(self, seed):
        self._source = np.random.RandomState(seed)
        self._draws = []
        self._next = 0

    def restart(self):
        """Go back to the state of a freshly seeded generator; returns self."""
        self._next = 0
        return self

    def random(self, size):
        """Uniform draws in [0, 1) of shape ``size`` (as ``RandomState.random``)."""
        if self._next == len(self._draws):
            self._draws.append(self._source.random(size))
        draw = self._draws[self._next]
        if draw.shape != tuple(np.atleast_1d(size)):
            raise ValueError(f"ReseededRandom replays draws of shape {draw.shape}; "
                             f"asked for {size}")
        self._next += 1
        return draw
