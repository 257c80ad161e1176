"""Weight initialisation: zeros, random, Xavier and He.

All methods draw the weights layer by layer, ``W1`` first, each as
``rng.standard_normal((n_l, n_{l-1}))``; biases are zeros and never drawn. With
``rng=numpy.random.RandomState(3)`` (or ``rng=3``) the weights are exactly those
of a course notebook that calls ``np.random.seed(3)`` and then ``np.random.randn``.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_choice, check_layer_dims, check_positive_float
from ._rng import as_rng

INITIALIZERS = ("zeros", "random", "xavier", "he")


def _scaled(draw, method, n_prev, scale):
    # The course writes Xavier as randn(...) / sqrt(n_prev) and He as
    # randn(...) * sqrt(2 / n_prev); the same operations give the same bits.
    if method == "random":
        return draw * scale
    if method == "xavier":
        return draw / np.sqrt(n_prev)
    return draw * np.sqrt(2.0 / n_prev)


def initialize_parameters_deep(layer_dims, method="he", *, scale=0.01, rng=None,
                               dtype=np.float64):
    """Create the parameters ``W1, b1, ..., WL, bL`` of an L-layer network.

    Parameters
    ----------
    layer_dims : sequence of int
        ``[n_x, n_1, ..., n_L]``: input size, then the units of each layer.
    method : {"he", "xavier", "random", "zeros"}
        ``zeros``: all weights 0 (every unit of a layer stays identical);
        ``random``: standard normal times ``scale``;
        ``xavier``: standard normal times ``sqrt(1 / n_{l-1})``;
        ``he``: standard normal times ``sqrt(2 / n_{l-1})``.
    scale : float, default 0.01
        Multiplier of the ``random`` method (the course's "large" case is 10).
    rng : None, int, numpy.random.Generator or numpy.random.RandomState
        Source of the draws; see :func:`layerwise.as_rng`.
    dtype : numpy floating dtype, default float64
        Draws are made in float64 (so seeds give the course's numbers) and cast.

    Returns
    -------
    parameters : dict
        ``"Wl"`` of shape (n_l, n_{l-1}) and ``"bl"`` of shape (n_l, 1), l = 1..L.
    """
    dims = check_layer_dims(layer_dims)
    check_choice("initialization method", method, INITIALIZERS)
    scale = check_positive_float("scale", scale)
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"dtype must be a floating dtype; got {dtype}")
    generator = None if method == "zeros" else as_rng(rng)
    parameters = {}
    for l in range(1, len(dims)):
        shape = (dims[l], dims[l - 1])
        if method == "zeros":
            W = np.zeros(shape)
        else:
            W = _scaled(generator.standard_normal(shape), method, dims[l - 1], scale)
        parameters[f"W{l}"] = W.astype(dtype, copy=False)
        parameters[f"b{l}"] = np.zeros((dims[l], 1), dtype=dtype)
    return parameters
