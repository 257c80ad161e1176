"""The training engine: forward and backward over one batch, with no allocations
but the few that the arithmetic itself needs.

The engine keeps every parameter in one flat array (``theta``) and every
gradient in another (``dtheta``); ``params["W1"]`` and ``grads["dW1"]`` are
views into them. An optimizer can therefore update all parameters in a handful
of NumPy calls (``flat_params`` / ``flat_grads``), and activations live in
buffers that are reused from step to step.

The arithmetic is that of :mod:`layerwise.propagation` -- the same kernels
(:func:`~layerwise.propagation.affine`, the activations' ``forward`` and
``backward``, :func:`~layerwise.propagation.linear_gradients`,
:func:`~layerwise.propagation.output_delta`), only with ``out=`` buffers -- and
the tests check that both give the same numbers.

Where the mean's ``1/m`` is applied is a choice of rounding, not of
mathematics: in float64, by default, each ``dW`` and ``db`` is scaled (as
``L_model_backward`` does); with ``mean_in_delta=True`` the output layer's ``dZ``
is scaled once and the rest follows unscaled -- the form of the course's
``init_utils`` and ``opt_utils``, needed to reproduce their printed digits, and
cheaper (one pass fewer over every ``dW``), hence the default in float32.

Per step, the engine runs only NumPy calls that the arithmetic needs: the
per-layer arrays, kernels and buffers are looked up once (in ``__init__`` and
per batch size), since a step of the notes' small networks takes tens of
microseconds and dict lookups would be a visible part of it.

One saving is worth a word: the backward kernels of every activation can be
written in terms of the activation ``A`` alone (ReLU-type units from the sign of
``A``, which equals the sign of ``Z``), so the engine computes ``A`` in place
over ``Z`` and keeps one array per layer instead of two.
"""

from __future__ import annotations

import numpy as np

from .activations import get_activation
from .losses import get_loss
from .propagation import affine, linear_gradients, output_delta
from .regularization import add_l2_gradient, apply_dropout, dropout_mask, l2_penalty


def parameter_layout(layer_dims):
    """Where each parameter sits in the flat vector (W1, b1, W2, ...).

    Returns
    -------
    spans : list of (name, offset, shape)
    size : int, the total number of parameters
    """
    spans, offset = [], 0
    for l in range(1, len(layer_dims)):
        n, k = layer_dims[l], layer_dims[l - 1]
        spans.append((f"W{l}", offset, (n, k)))
        offset += n * k
        spans.append((f"b{l}", offset, (n, 1)))
        offset += n
    return spans, offset


def parameter_views(flat, layer_dims):
    """``{"W1": ..., "b1": ..., ...}``: views of shape (n_l, n_{l-1}) and (n_l, 1) into ``flat``."""
    spans, _ = parameter_layout(layer_dims)
    return {k: flat[o:o + n * c].reshape(n, c) for k, o, (n, c) in spans}


def copy_parameters(views, values):
    """Copy ``values`` (a dict ``W1, b1, ...``) into ``views``, checking names and shapes."""
    for key, view in views.items():
        if key not in values:
            raise ValueError(f"parameters has no entry {key!r}; expected {list(views)}")
        value = np.asarray(values[key])
        if value.shape != view.shape:
            raise ValueError(f"parameter {key} has shape {value.shape}; expected {view.shape}")
        view[...] = value


def is_sparse(X):
    """True for a scipy.sparse matrix or array (checked without importing scipy)."""
    return not isinstance(X, np.ndarray) and hasattr(X, "toarray") and hasattr(X, "nnz")


def dense_batch(X):
    """``X`` itself, or a scipy.sparse mini-batch as a dense C-ordered array.

    Sparse data sets stay sparse in memory; only the batch (or prediction
    chunk) in hand is ever dense, so every product after it is the dense one
    and a sparse fit equals the dense fit on the same numbers.
    """
    return X.toarray(order="C") if is_sparse(X) else X


def forward_output(weights, biases, activations, X, batch_size=4096):
    """``AL`` for ``X`` without dropout: a new array, nothing shared between calls.

    Re-entrant (every temporary belongs to the call), so many threads may
    predict with one network at once; columns are taken ``batch_size`` at a time
    to bound memory.

    Parameters
    ----------
    weights, biases : lists of L arrays, ``W[l]`` (n_l, n_{l-1}) and ``b[l]`` (n_l, 1)
    activations : list of L :class:`~layerwise.activations.Activation`
    X : ndarray or scipy.sparse matrix, shape (n_x, m), of the parameters' dtype
        (sparse input is made dense ``batch_size`` columns at a time)

    Returns
    -------
    AL : ndarray, shape (n_L, m)
    """
    m = X.shape[1]
    if m <= batch_size:
        A = dense_batch(X)
        for W, b, activation in zip(weights, biases, activations):
            Z = affine(W, A, b)
            A = activation.forward(Z, out=Z)  # in place: Z belongs to this call
        return A
    out = np.empty((weights[-1].shape[0], m), dtype=weights[-1].dtype)
    for start in range(0, m, batch_size):
        stop = min(start + batch_size, m)
        out[:, start:stop] = forward_output(weights, biases, activations,
                                            np.ascontiguousarray(X[:, start:stop]), batch_size)
    return out


class Engine:
    """Flat parameters, gradients and per-batch-size buffers for one network.

    Parameters
    ----------
    layer_dims : list of int, ``[n_x, n_1, ..., n_L]``
    activations : list of L activation names
    loss : str, a loss name
    dtype : numpy floating dtype
    parameters : dict, optional, initial values (copied into the flat array)
    storage : ndarray, optional, shape (size,), of ``dtype``
        An existing flat parameter array to train in place (a network's
        ``flat_parameters``); by default the engine allocates its own.
    mean_in_delta : bool or None, fold ``1/m`` into the output ``dZ``; default
        (None): False for float64 (the rounding of ``L_model_backward``), True for
        float32 and narrower (one pass fewer over every ``dW`` per step)
    fused_delta : bool, default True, ``dZL = AL - Y`` where the loss pairs with
        the output activation; False: always ``dAL`` through the activation
        (see :func:`~layerwise.propagation.output_delta`)
    clip : bool, default True, clip probabilities in the loss and ``dAL``
        (False: the course's raw logarithms)
    skip_nan : bool, default False, sum the per-example losses as ``np.nansum``

    Attributes
    ----------
    params : dict of views ``W1, b1, ...`` into ``theta``
    grads : dict of views ``dW1, db1, ...`` into ``dtheta``
    """

    def __init__(self, layer_dims, activations, loss, dtype=np.float64, parameters=None, *,
                 mean_in_delta=None, storage=None, fused_delta=True, clip=True,
                 skip_nan=False):
        self.layer_dims = list(layer_dims)
        self.L = len(layer_dims) - 1
        self.activations = [get_activation(a) for a in activations]
        self.loss = get_loss(loss)
        self.dtype = np.dtype(dtype)
        # Default: float64 keeps L_model_backward's rounding (1/m on each dW, db);
        # lower precisions fold 1/m into the output dZ, which spares a pass over
        # every dW per step (a rounding difference far below their precision).
        if mean_in_delta is None:
            mean_in_delta = self.dtype.itemsize < 8
        self.mean_in_delta = bool(mean_in_delta)
        self.fused_delta, self.clip, self.skip_nan = bool(fused_delta), bool(clip), bool(skip_nan)
        spans, size = parameter_layout(self.layer_dims)
        if storage is None:
            self.theta = np.zeros(size, dtype=self.dtype)
        else:
            if storage.shape != (size,) or storage.dtype != self.dtype or \
                    not storage.flags.c_contiguous:
                raise ValueError(f"storage must be a contiguous {self.dtype} array of shape "
                                 f"({size},); got {storage.dtype} {storage.shape}")
            self.theta = storage
        self.dtheta = np.zeros(size, dtype=self.dtype)
        self.params = parameter_views(self.theta, self.layer_dims)
        self.grads = {"d" + k: v for k, v in parameter_views(self.dtheta, self.layer_dims).items()}
        if parameters is not None:
            self.set_parameters(parameters)
        # Per-layer lists looked up once: a step of a tiny network costs tens of
        # microseconds, and dict lookups and name checks would be a good part of it.
        L = self.L
        self._W = [self.params[f"W{l}"] for l in range(1, L + 1)]
        self._b = [self.params[f"b{l}"] for l in range(1, L + 1)]
        self._dW = [self.grads[f"dW{l}"] for l in range(1, L + 1)]
        self._db = [self.grads[f"db{l}"] for l in range(1, L + 1)]
        self._forward_kernels = [a.forward for a in self.activations]
        self._backward_kernels = [a.backward for a in self.activations]
        self._flat_params = {"theta": self.theta}
        self._flat_grads = {"dtheta": self.dtheta}
        self._buffers = {}
        self._last = (None, None)  # (m, buffers) of the latest batch size

    # ------------------------------------------------------------------ parameters
    def set_parameters(self, parameters):
        """Copy ``parameters`` (a dict ``W1, b1, ...``) into the flat array."""
        copy_parameters(self.params, parameters)

    @property
    def flat_params(self):
        """``{"theta": theta}``: all parameters as one array, for an optimizer."""
        return self._flat_params

    @property
    def flat_grads(self):
        """``{"dtheta": dtheta}``: all gradients as one array, for an optimizer."""
        return self._flat_grads

    # --------------------------------------------------------------------- buffers
    def _buffers_for(self, m):
        last_m, buf = self._last
        if m == last_m:
            return buf
        if m not in self._buffers:
            if len(self._buffers) > 4:  # a few batch sizes at most: full, last partial, eval
                self._buffers.clear()
            dims = self.layer_dims
            self._buffers[m] = {
                "A": [np.empty((dims[l], m), dtype=self.dtype) for l in range(1, self.L + 1)],
                "dA": [np.empty((dims[l], m), dtype=self.dtype) for l in range(1, self.L)],
                "drop": [None] * (self.L - 1),
                "mask": [None] * (self.L - 1),
                "dZ": [np.empty((dims[l], m), dtype=self.dtype) for l in range(1, self.L + 1)],
            }
        buf = self._buffers[m]
        self._last = (m, buf)
        return buf

    # --------------------------------------------------------------------- forward
    def forward(self, X, *, keep_prob=None, rng=None, buffers=None):
        """Forward pass; returns ``AL`` (a buffer, valid until the next call).

        Parameters
        ----------
        X : ndarray, shape (n_x, m), of the engine's dtype
        keep_prob : list of L-1 floats or None (no dropout)
        rng : random source for the dropout masks
        """
        buf = buffers or self._buffers_for(X.shape[1])
        A_prev = X
        L = self.L
        if keep_prob is None:
            masks = buf["mask"]
            for l, (W, b, forward, A) in enumerate(zip(self._W, self._b, self._forward_kernels,
                                                       buf["A"])):
                affine(W, A_prev, b, out=A)
                A_prev = forward(A, out=A)
                if l < L - 1:
                    masks[l] = None
            return A_prev
        for l in range(1, L + 1):
            A = buf["A"][l - 1]
            affine(self._W[l - 1], A_prev, self._b[l - 1], out=A)
            self._forward_kernels[l - 1](A, out=A)
            if l < L and keep_prob[l - 1] < 1.0:
                mask = dropout_mask(A.shape, keep_prob[l - 1], rng, self.dtype)
                if buf["drop"][l - 1] is None:
                    buf["drop"][l - 1] = np.empty_like(A)
                buf["mask"][l - 1] = mask
                A = apply_dropout(A, mask, keep_prob[l - 1], out=buf["drop"][l - 1])
            elif l < L:
                buf["mask"][l - 1] = None
            A_prev = A
        return A_prev

    def predict_output(self, X, batch_size=4096):
        """``AL`` for ``X`` without dropout, in batches to bound memory; a new array."""
        m = X.shape[1]
        out = np.empty((self.layer_dims[-1], m), dtype=self.dtype)
        for start in range(0, m, batch_size):
            stop = min(start + batch_size, m)
            out[:, start:stop] = self.forward(np.ascontiguousarray(X[:, start:stop]))
        return out

    # -------------------------------------------------------------------- backward
    def forward_backward(self, X, Y, *, keep_prob=None, rng=None, lambd=0.0, sample_weight=None):
        """One forward and backward pass; fills ``grads`` and returns the loss sum.

        Parameters
        ----------
        X : ndarray, shape (n_x, m), or a scipy.sparse batch (made dense here)
        Y : ndarray, shape (n_y, m)
        keep_prob : list of L-1 floats, or None
        rng : random source for dropout masks
        lambd : float, L2 strength (``(lambd/m) W`` is added to each ``dW``)
        sample_weight : ndarray, shape (m,), optional
            Multiplies each example's loss (and so its gradient); the cost is
            still divided by m, so weights of 1 change nothing.

        Returns
        -------
        loss_sum : float
            The sum over the batch of the per-example losses on this forward
            pass (divide by m for the batch's mean cost; the L2 term is not in it).
        """
        X = dense_batch(X)
        m = X.shape[1]
        buf = self._buffers_for(m)
        AL = self.forward(X, keep_prob=keep_prob, rng=rng, buffers=buf)
        per_element = self.loss.per_element(AL, Y, clip=self.clip)
        if sample_weight is not None:
            per_element *= sample_weight
        if self.skip_nan:
            loss_sum = float(np.nansum(per_element))
        else:
            # np.add.reduce over all axes is np.sum (the same bits), without its wrapper.
            loss_sum = float(np.add.reduce(per_element, axis=None))
        dZ = output_delta(AL, Y, None, self.activations[-1], self.loss, out=buf["dZ"][-1],
                          fused=self.fused_delta, clip=self.clip)
        if sample_weight is not None:
            dZ *= sample_weight
        scale = None
        if self.mean_in_delta:
            dZ *= 1.0 / m
            scale = 1.0
        A_buf, dA_buf, dZ_buf, drop, masks = buf["A"], buf["dA"], buf["dZ"], buf["drop"], buf["mask"]
        for l in range(self.L, 0, -1):
            i = l - 1
            if l < self.L:
                dA = dA_buf[i]
                if masks[i] is not None:
                    apply_dropout(dA, masks[i], keep_prob[i], out=dA)
                A = A_buf[i]
                # A stands for Z too: see the module docstring.
                dZ = self._backward_kernels[i](dA, A, A, out=dZ_buf[i])
            if l > 1:
                A_prev = drop[i - 1] if masks[i - 1] is not None else A_buf[i - 1]
                dA_prev = dA_buf[i - 1]
            else:
                A_prev, dA_prev = X, None
            W = self._W[i]
            linear_gradients(dZ, A_prev, W, dW=self._dW[i], db=self._db[i], dA_prev=dA_prev,
                             need_dA_prev=l > 1, scale=scale)
            if lambd:
                add_l2_gradient(self._dW[i], W, lambd, m)
        return loss_sum

    def l2_penalty(self, lambd, m):
        """The L2 cost term for the current parameters (0 when ``lambd`` is 0)."""
        return l2_penalty(self.params, lambd, m) if lambd else 0.0
