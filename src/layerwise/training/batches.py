"""Mini-batches drawn by index from one array, and the course's reseeded random source.

The trainer never copies its data set whole. A validation split is two index
arrays (training and validation columns); an epoch's order is a permutation of
the training index; each mini-batch is gathered from the one array into a
buffer of the batch's size that is reused from step to step, and standardised
there if asked (:class:`InputColumns`). Validation data held out that way is
evaluated a chunk of columns at a time (:class:`HeldOutColumns`). Without
shuffling, a split or standardisation, the batches are plain slices (views)
of the data.
"""

from __future__ import annotations

import numpy as np

from ..engine import dense_batch, is_sparse

#: Examples of a column-major X gathered at a time when a read is larger
#: (validation chunks, :meth:`EpochOrder.training_data`).
GATHER_PIECE = 512
#: Columns evaluated at a time for held-out validation data (the chunk of
#: :func:`layerwise.engine.forward_output`, so the products are the same).
VALIDATION_CHUNK = 4096


def batch_slices(m, batch_size):
    """``slice`` objects over ``range(m)``: consecutive, the last one partial if need be."""
    return [slice(start, min(start + batch_size, m)) for start in range(0, m, batch_size)]


class InputColumns:
    """The inputs ``X`` (n_x, m) of a data set, read a batch of columns at a time.

    Each read gathers the columns asked for into a buffer that is kept for the
    next read of the same name and width, so reading costs a batch, never a
    copy of ``X``. A column-major ``X`` (``data.T`` of row-major ``data``:
    every example contiguous) is gathered row by row through its transpose,
    which is fast; a scipy.sparse ``X`` (kept as CSC) gives a sparse selection
    that is made dense for that batch only.

    Parameters
    ----------
    X : ndarray, shape (n_x, m), of the network's dtype, or a scipy.sparse matrix
        Never written to. An array that is neither C- nor F-contiguous is copied
        once into C order (gathering from it would copy it on every read).
    scaling : None or (mean, scale), arrays of shape (n_x,)
        Standardise every read as ``np.subtract(x, mean, out=batch)`` then
        ``batch /= scale``, in the batch's (the network's) dtype, with ``mean``
        and ``scale`` in their own dtype: the arithmetic of standardising the
        whole of ``X`` first, so every number is the same as with that copy.

    Attributes
    ----------
    X : the array read from; n_x, m : int; sparse : bool
    column_major : bool, True for a dense F-ordered ``X``
    scaled : bool
    """

    def __init__(self, X, scaling=None):
        self.sparse = is_sparse(X)
        if self.sparse:
            X = X.tocsc()
        elif not (X.flags.c_contiguous or X.flags.f_contiguous):
            X = np.ascontiguousarray(X)
        self.X = X
        self.n_x, self.m = X.shape
        self.dtype = X.dtype
        self.column_major = not self.sparse and X.flags.f_contiguous and not X.flags.c_contiguous
        # Row i of _rows (C-ordered (m, n_x)) is column i of X.
        self._rows = X.T if self.column_major else None
        self.scaled = scaling is not None
        if self.scaled:
            mean, scale = scaling
            self._mean = np.asarray(mean).reshape(-1, 1)
            self._scale = np.asarray(scale).reshape(-1, 1)
        self._buffers = {}

    def _buffer(self, name, shape):
        # A C-contiguous array of this shape in the flat storage kept under
        # ``name``, which grows only: reads of several widths share it.
        size = shape[0] * shape[1]
        flat = self._buffers.get(name)
        if flat is None or flat.size < size:
            flat = self._buffers[name] = np.empty(size, dtype=self.dtype)
        return flat[:size].reshape(shape)

    def gatherer(self, b, name=None, width=None, layout="C"):
        """A function ``columns -> X[:, columns]`` (standardised if asked) for
        ``b`` columns at a time, writing into buffers fixed here.

        Parameters
        ----------
        b : int, the number of columns of every call
        name : str or None
            The buffers to write into (kept under that name, shared with other
            gatherers of the name); None: new buffers for this gatherer.
        width : int, optional
            Make the buffer this wide and return its first b columns (a strided
            view when b < width); default b.
        layout : {"C", "F"}
            "C": a C-ordered array (or view of one). "F": for a column-major,
            unscaled ``X`` only, the transpose of a C-ordered (b, n_x) buffer,
            laid out as ``X`` is.

        Returns
        -------
        callable ``columns (ndarray of int, (b,)) -> ndarray (n_x, b)``; the
        result is valid until the next call with the same buffers.
        """
        width = b if width is None else width
        n_x = self.n_x
        # Bound ndarray.take: np.take's dispatch costs more than a small gather.

        def buffer(suffix, shape):
            if name is None:
                return np.empty(shape, dtype=self.dtype)
            return self._buffer(name + suffix, shape)

        if self.sparse:
            X = self.X
            return lambda columns: self._scale_in_place(dense_batch(X[:, columns]))
        if layout == "F":
            rows, take = buffer("/rows", (width, n_x))[:b], self._rows.take
            batch = rows.T

            def gather_f(columns):
                # mode="clip" lets take write straight into the buffer (with
                # "raise" it buffers); the indices are valid by construction.
                take(columns, axis=0, out=rows, mode="clip")
                return batch
            return gather_f
        out = buffer("", (n_x, width))[:, :b]
        if not self.column_major:
            take, scale = self.X.take, self._scale_in_place

            def gather_c(columns):
                take(columns, axis=1, out=out, mode="clip")
                return scale(out)
            return gather_c
        # Column-major X: gather rows into a row-major piece, then transpose
        # (and standardise) into out; a large read goes GATHER_PIECE rows at a
        # time, so that it costs its result and one small piece.
        piece = buffer("/piece", (min(b, GATHER_PIECE), n_x))
        take, into = self._rows.take, self._transpose_into
        if b <= GATHER_PIECE:
            def gather_rows(columns):
                take(columns, axis=0, out=piece, mode="clip")
                into(out, piece)
                return out
            return gather_rows

        def gather_pieces(columns):
            for start in range(0, b, GATHER_PIECE):
                stop = min(start + GATHER_PIECE, b)
                rows = piece[:stop - start]
                take(columns[start:stop], axis=0, out=rows, mode="clip")
                into(out[:, start:stop], rows)
            return out
        return gather_pieces

    def read(self, columns, name=None):
        """``X[:, columns]`` (standardised if asked) as a C-ordered array (n_x, b).

        ``columns``: ndarray of int, or a slice. ``name``: the buffers to write
        into (valid until the next read of that name); None: a new array.
        """
        if isinstance(columns, slice):
            columns = np.arange(*columns.indices(self.m))
        return self.gatherer(len(columns), name)(columns)

    def _transpose_into(self, out, rows):
        # out (n_x, k) = rows.T (k, n_x), standardised on the way if asked.
        if self.scaled:
            np.subtract(rows.T, self._mean, out=out)
            out /= self._scale
        else:
            np.copyto(out, rows.T)

    def _scale_in_place(self, out):
        if self.scaled:
            np.subtract(out, self._mean, out=out)
            out /= self._scale
        return out


class EpochOrder:
    """The mini-batches of an epoch: which columns each takes, gathered on demand.

    The training columns are ``index`` (a validation split's complement) or all
    of them; an epoch's order is a permutation of them (:meth:`arrange`). Batch
    ``i`` (:meth:`batch`) is gathered into a buffer of the batch size, reused
    from step to step, so memory stays at the data plus one batch. Without
    shuffling, a split or standardisation the batches are slices of the data
    and nothing is copied; with one batch and no shuffling it is gathered once.

    The gathered inputs keep the memory layout the loop has always given them,
    since BLAS may round a product differently in the last bit for a row- or a
    column-major operand, or a contiguous or strided one: C-ordered, except
    for a column-major ``X`` used whole and unscaled (F-ordered batches, the
    rows of a row-major buffer); a one-column batch of several is a strided
    view, as a slice of the whole would be.

    Parameters
    ----------
    columns : InputColumns, the inputs (n_x, m_all)
    Y : ndarray (n_y, m_all), C-ordered
    sample_weight : ndarray (m_all,) or None
    index : ndarray of int (m,), sorted, or None (all m_all columns)
    batch_size : int
    shuffle : bool (ignored when there is one batch: its order changes nothing)

    Attributes
    ----------
    m : int, training columns; n_batches : int; shuffle : bool
    """

    def __init__(self, columns, Y, sample_weight, index, batch_size, shuffle):
        self.m = columns.m if index is None else len(index)
        slices = batch_slices(self.m, batch_size)
        self.n_batches = len(slices)
        self.shuffle = shuffle and self.n_batches > 1
        self._columns, self._Y, self._w, self._index = columns, Y, sample_weight, index
        whole = index is None and not columns.scaled and not columns.sparse
        self._views = None
        if whole and not self.shuffle:
            X, w = columns.X, sample_weight
            self._views = [(X[:, sl], Y[:, sl], None if w is None else w[sl]) for sl in slices]
            return
        # The epoch's columns in order (the training index, or all columns).
        self._order = np.arange(self.m) if index is None else index
        width = self.m if self.n_batches == 1 else max(batch_size, 2)
        layout = "F" if whole and columns.column_major else "C"
        # One gatherer (and Y, w buffers) per batch size: the full and the last.
        plans = {}
        for sl in slices:
            b = sl.stop - sl.start
            if b not in plans:
                plans[b] = (columns.gatherer(b, "batch", width, layout),
                            np.empty((Y.shape[0], b), Y.dtype),
                            None if sample_weight is None else np.empty(b, sample_weight.dtype))
        self._plans = [(sl, *plans[sl.stop - sl.start]) for sl in slices]
        self._cached = None

    def arrange(self, permutation):
        """Take ``permutation`` (of ``range(m)``) as this epoch's order (a no-op
        without shuffling)."""
        if self.shuffle:
            self._order = permutation if self._index is None else self._index[permutation]

    def batch(self, i):
        """Mini-batch ``i`` of the epoch: ``(X_b, Y_b, w_b)``, (n_x, b), (n_y, b), (b,) or None.

        Gathered batches live in buffers that the next call overwrites.
        """
        if self._views is not None:
            return self._views[i]
        if self._cached is not None:
            return self._cached
        sl, gather, Y_b, w_b = self._plans[i]
        columns = self._order[sl]
        X_b = gather(columns)
        self._Y.take(columns, axis=1, out=Y_b, mode="clip")
        if w_b is not None:
            self._w.take(columns, out=w_b, mode="clip")
        if self.n_batches == 1 and not self.shuffle:
            self._cached = (X_b, Y_b, w_b)  # the same columns every epoch
        return X_b, Y_b, w_b

    def training_data(self):
        """All training columns at once, ``(X, Y, w)``: views of the data when
        they are all of it, unscaled, else new arrays (a full-size copy)."""
        if self._index is None and not self._columns.scaled and not self._columns.sparse:
            return self._columns.X, self._Y, self._w
        if self._index is None:
            return self._columns.read(slice(0, self.m)), self._Y, self._w
        index = self._index
        return (self._columns.read(index), np.ascontiguousarray(self._Y[:, index]),
                None if self._w is None else self._w[index])


class HeldOutColumns:
    """Validation columns ``index`` of a data set, evaluated without a copy of them.

    The inputs are read :data:`VALIDATION_CHUNK` columns at a time (standardised
    as the training batches are); only the outputs ``AL`` (n_y, n_val) and the
    targets ``Y_val`` exist whole.

    Parameters
    ----------
    columns : InputColumns; Y : ndarray (n_y, m_all); index : ndarray of int (n_val,), sorted
    """

    def __init__(self, columns, Y, index):
        self._columns, self.index = columns, index
        self.Y = np.ascontiguousarray(Y[:, index])

    def __len__(self):
        return len(self.index)

    def output(self, forward_output):
        """``forward_output(X_val)`` evaluated chunk by chunk: AL, shape (n_y, n_val).

        ``forward_output`` maps inputs (n_x, c) to outputs (n_y, c) column by
        column (e.g. ``Network.forward_output``); each chunk is C-ordered.
        """
        n_val = len(self.index)
        out = None
        for start in range(0, n_val, VALIDATION_CHUNK):
            stop = min(start + VALIDATION_CHUNK, n_val)
            # Contiguous chunks, as forward_output would cut them.
            X_c = self._columns.read(self.index[start:stop], "validation")
            A = forward_output(X_c)
            if out is None:
                out = np.empty((A.shape[0], n_val), dtype=A.dtype)
            out[:, start:stop] = A
        return out


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
