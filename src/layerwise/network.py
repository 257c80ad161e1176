"""``Network``: an L-layer fully-connected network as an object.

It wraps the functional API: ``forward`` and ``backward`` are
``L_model_forward`` and ``L_model_backward``; ``fit`` runs the training engine
(:mod:`layerwise.engine`, same kernels, reused buffers) through the loop in
:mod:`layerwise.training`.

Column convention, as everywhere in layerwise: ``X`` is (n_x, m), ``Y`` is
(n_y, m).
"""

from __future__ import annotations

import numpy as np

from ._checks import (check_choice, check_float_dtype, check_keep_prob, check_layer_dims,
                      check_memory_budget, check_positive_float, check_positive_int, check_X,
                      check_XY)
from ._rng import as_rng
from .data import accuracy, predictions_from_output
from .engine import Engine
from .initializers import INITIALIZERS, initialize_parameters_deep
from .io import ModelFileError, read_model_file, write_model_file
from .losses import DEFAULT_LOSS, LOSS_FUNCTIONS, check_labels, check_loss_pairing, compute_cost
from .model_metadata import (check_network_metadata, check_only_arrays, network_metadata,
                             parameter_shapes)
from .optimizers import get_optimizer
from .propagation import L_model_backward, L_model_forward, resolve_activations
from .schedules import get_schedule
from .training import Callback, EarlyStopping, run_epochs


class Network:
    """A deep fully-connected network.

    Parameters
    ----------
    layer_dims : sequence of int
        ``[n_x, n_1, ..., n_L]``.
    activations : sequence of L str, optional
        One per layer; default relu on hidden layers and sigmoid on the output.
    init : {"he", "xavier", "random", "zeros"}, default "he"
    loss : str, optional
        Default from the output activation: sigmoid -> binary cross-entropy,
        softmax -> categorical cross-entropy, otherwise mse.
    seed : None, int, Generator or RandomState
        Source of the initial weights (``seed=3`` draws like ``np.random.seed(3)``).
    dtype : floating dtype, default float64
    init_scale : float, default 0.01, the multiplier of ``init="random"``

    Attributes
    ----------
    parameters : dict ``W1, b1, ..., WL, bL`` (views of the network's storage)
    history_ : History of the last ``fit``

    Examples
    --------
    >>> net = Network([2, 10, 1], activations=["sigmoid", "sigmoid"], seed=0)
    >>> history = net.fit(X, Y, optimizer="gd", learning_rate=0.5, epochs=100, verbose=0)
    """

    def __init__(self, layer_dims, activations=None, *, init="he", loss=None, seed=None,
                 dtype=None, init_scale=0.01):
        self.layer_dims = check_layer_dims(layer_dims)
        self.activations = resolve_activations(activations, len(self.layer_dims) - 1)
        self.init = check_choice("init", init, INITIALIZERS)
        self.loss = check_choice("loss", loss, LOSS_FUNCTIONS) if loss is not None \
            else DEFAULT_LOSS[self.activations[-1]]
        check_loss_pairing(self.loss, self.activations[-1])
        self.dtype = check_float_dtype("dtype", np.float64 if dtype is None else dtype)
        check_memory_budget("layer_dims", self.layer_dims, self.dtype)
        parameters = initialize_parameters_deep(self.layer_dims, init, scale=init_scale,
                                                rng=seed, dtype=self.dtype)
        self._engine = Engine(self.layer_dims, self.activations, self.loss, self.dtype, parameters)
        self._opt_cache = None
        self.history_ = None

    # ------------------------------------------------------------------ parameters
    @property
    def parameters(self):
        """The parameters dict ``W1, b1, ..., WL, bL`` (live views: edits change the net)."""
        return self._engine.params

    @parameters.setter
    def parameters(self, values):
        self._engine.set_parameters(values)

    @property
    def n_layers(self):
        """Number of layers L (hidden layers plus the output layer)."""
        return len(self.layer_dims) - 1

    def __repr__(self):
        return (f"Network({self.layer_dims}, activations={self.activations}, loss={self.loss!r}, "
                f"dtype={self.dtype.name})")

    # --------------------------------------------------------------- the functional pair
    def _check_X(self, X, name="X"):
        return check_X(X, self.layer_dims[0], name=name).astype(self.dtype, copy=False)

    def _check_XY(self, X, Y):
        X, Y = check_XY(X, Y, self.layer_dims[0], self.layer_dims[-1])
        X, Y = X.astype(self.dtype, copy=False), Y.astype(self.dtype, copy=False)
        check_labels(Y, self.loss)
        return X, Y

    def forward(self, X, *, keep_prob=1.0, rng=None):
        """Forward pass with :func:`L_model_forward`.

        Parameters
        ----------
        X : array_like, shape (n_x, m)

        Returns
        -------
        AL : ndarray, shape (n_L, m)
        caches : list, for :meth:`backward`
        """
        return L_model_forward(self._check_X(X), self.parameters, self.activations,
                               keep_prob=keep_prob, rng=rng)

    def backward(self, AL, Y, caches, *, lambd=0.0):
        """Backward pass with :func:`L_model_backward`.

        Parameters
        ----------
        AL : ndarray, shape (n_L, m), from :meth:`forward`
        Y : array_like, shape (n_L, m) or (m,)
        caches : the caches from :meth:`forward`
        lambd : float >= 0, L2 strength

        Returns
        -------
        grads : dict ``dW1, db1, ..., dA0, ...`` (shapes as the parameters / activations)
        """
        return L_model_backward(AL, Y, caches, loss=self.loss, lambd=lambd,
                                activations=self.activations)

    # ------------------------------------------------------------------ prediction
    def predict_proba(self, X):
        """The network's output without dropout.

        Parameters
        ----------
        X : array_like, shape (n_x, m)

        Returns
        -------
        AL : ndarray, shape (n_L, m), of the network's dtype (probabilities for
            sigmoid and softmax outputs)
        """
        return self._engine.predict_output(self._check_X(X))

    def predict(self, X):
        """Predictions, shape (1, m) for one output or softmax, else (n_L, m).

        Sigmoid outputs are thresholded at 0.5, softmax outputs give the argmax
        class index, other outputs are returned as they are (regression).
        """
        return predictions_from_output(self.predict_proba(X), self.activations[-1])

    def evaluate(self, X, Y):
        """Cost and (for classification) accuracy on ``(X, Y)``.

        Parameters
        ----------
        X : array_like, shape (n_x, m)
        Y : array_like, shape (n_L, m) or (m,)

        Returns
        -------
        dict with ``"cost"`` (mean loss, no L2 term) and ``"accuracy"``
        (None for regression outputs).
        """
        return self._evaluate_checked(*self._check_XY(X, Y))

    def _evaluate_checked(self, X, Y):
        # evaluate() without the input checks, for data fit() has checked once
        # already (validation data, evaluated after every epoch).
        AL = self._engine.predict_output(X)
        result = {"cost": compute_cost(AL, Y, self.loss)}
        if self.activations[-1] in ("sigmoid", "softmax"):
            result["accuracy"] = accuracy(predictions_from_output(AL, self.activations[-1]), Y)
        else:
            result["accuracy"] = None
        return result

    # --------------------------------------------------------------------- training
    def _optimizer_state(self, optimizer):
        # Keep optimizer state across fit() calls with the same optimizer object,
        # so a second fit continues (as partial_fit does in scikit-learn).
        if self._opt_cache is None or self._opt_cache[0] is not optimizer:
            self._opt_cache = (optimizer, optimizer.init(self._engine.flat_params))
        return self._opt_cache[1]

    def fit(self, X, Y, *, optimizer="adam", learning_rate=None, epochs=100, batch_size=None,
            lambd=0.0, keep_prob=1.0, lr_schedule=None, validation_data=None, callbacks=(),
            early_stopping=None, verbose=1, rng=None, shuffle=True, sample_weight=None):
        """Train the network in place.

        Parameters
        ----------
        X : array_like, shape (n_x, m)
        Y : array_like, shape (n_y, m) (or (m,) for one output)
        optimizer : {"adam", "gd", "momentum", "rmsprop"} or optimizer object
        learning_rate : float > 0, optional; default the optimizer's own
        epochs : int >= 1
        batch_size : int >= 1 or None (full batch: plain batch gradient descent)
        lambd : float >= 0, L2 strength
        keep_prob : float or sequence of L-1 floats in (0, 1], inverted dropout
        lr_schedule : None, "inverse_time", "step", "exponential", a Schedule, or
            a callable ``(lr0, epoch) -> lr`` giving the rate after each epoch
        validation_data : tuple (X_val, Y_val), optional
        callbacks : sequence of :class:`Callback`
        early_stopping : None, int patience, or :class:`EarlyStopping`
            (an int monitors ``val_cost`` if validation data is given, else ``cost``)
        verbose : int, 0 for silence, 1 for a progress bar with the cost
        rng : None, int, Generator or RandomState, for shuffling and dropout
        shuffle : bool, default True, a new column order every epoch
        sample_weight : array_like, shape (m,), optional, non-negative weights
            multiplying each example's loss

        Returns
        -------
        History

        Raises
        ------
        TrainingDivergedError
            If the cost becomes NaN or infinite; the network keeps its last
            finite parameters and ``history_`` the epochs before.
        """
        X, Y = self._check_XY(X, Y)
        opt = get_optimizer(optimizer, learning_rate)
        epochs = check_positive_int("epochs", epochs)
        if batch_size is not None:
            batch_size = check_positive_int("batch_size", batch_size)
        lambd = check_positive_float("lambd", lambd, allow_zero=True)
        keep = check_keep_prob(keep_prob, self.n_layers - 1)
        if validation_data is not None:
            if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
                raise TypeError("validation_data must be a pair (X_val, Y_val)")
            validation_data = self._check_XY(*validation_data)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=self.dtype).reshape(-1)
            if sample_weight.shape[0] != X.shape[1]:
                raise ValueError(f"sample_weight has {sample_weight.shape[0]} entries but X has "
                                 f"{X.shape[1]} examples")
            if not np.all(np.isfinite(sample_weight)) or np.any(sample_weight < 0):
                raise ValueError("sample_weight must be finite and non-negative")
        callbacks = list(callbacks)
        for cb in callbacks:
            if not isinstance(cb, Callback) and not hasattr(cb, "on_epoch_end"):
                raise TypeError(f"callbacks must be Callback objects; got {type(cb).__name__}")
        if early_stopping is not None:
            if not isinstance(early_stopping, EarlyStopping):
                monitor = "val_cost" if validation_data is not None else "cost"
                early_stopping = EarlyStopping(monitor, patience=early_stopping)
            callbacks.append(early_stopping)
        return run_epochs(self, X, Y, optimizer=opt, learning_rate0=opt.learning_rate, epochs=epochs,
                          batch_size=batch_size, lambd=lambd, keep_prob=keep,
                          schedule=get_schedule(lr_schedule), validation_data=validation_data,
                          callbacks=callbacks, verbose=verbose, rng=as_rng(rng), shuffle=shuffle,
                          sample_weight=sample_weight)

    # -------------------------------------------------- the notes' NeuralNetwork class
    def feedforward(self, X):
        """The notes' name for the forward pass: returns ``AL``, shape (n_L, m)."""
        return self.forward(X)[0]

    def backpropagation(self, X, Y):
        """The notes' name: forward then backward on ``(X, Y)``; returns the grads dict."""
        X, Y = self._check_XY(X, Y)
        AL, caches = self.forward(X)
        return self.backward(AL, Y, caches)

    def train(self, X, Y, batch_size=None, epochs=100, lr=0.1, **kwargs):
        """The notes' ``train(x, y, batch_size, epochs, lr)``: mini-batch gradient descent."""
        kwargs.setdefault("verbose", 0)
        return self.fit(X, Y, optimizer="gd", learning_rate=lr, epochs=epochs,
                        batch_size=batch_size, **kwargs)

    # --------------------------------------------------------------------- model files
    def save(self, path, *, extra=None):
        """Write the network to ``path`` in the layerwise model format (see :mod:`layerwise.io`).

        Parameters
        ----------
        path : str or os.PathLike; written atomically, an existing symbolic link or
            non-regular file there is refused
        extra : dict, optional, JSON-able notes stored with the network
        """
        metadata = network_metadata(self)
        metadata["extra"] = dict(extra or {})
        write_model_file(path, self.parameters, metadata)

    @classmethod
    def load(cls, path):
        """Read a network written by :meth:`save`; never unpickles anything.

        The metadata is checked (known activations and loss that pair,
        at most :data:`~layerwise.model_metadata.MAX_FILE_PARAMETERS`
        parameters, arrays of the right shapes) before anything is allocated.

        Raises
        ------
        ModelFileError
            For a damaged, forged or too large file, or one that holds an
            estimator (whose normalisation and classes a bare Network would drop).
        """
        def check(meta):
            kind = meta.get("kind")
            if kind in ("DeepClassifier", "DeepRegressor"):
                raise ModelFileError(f"{path!r} holds a {kind}, not a Network; load it with "
                                     f"layerwise.sklearn.{kind}.load")
            check_network_metadata(meta, kinds=("Network",))
            check_only_arrays(meta, parameter_shapes(meta["layer_dims"]))

        arrays, metadata = read_model_file(path, check_metadata=check)
        return cls.from_arrays(metadata, arrays, path=path)

    @classmethod
    def from_arrays(cls, metadata, arrays, *, path="the model file"):
        """Build a network from model-file ``metadata`` and its ``arrays`` (``W1``, ``b1``, ...).

        ``metadata`` must have passed
        :func:`~layerwise.model_metadata.check_network_metadata`; the weights
        must be finite (a forged file with NaN weights is refused).
        """
        for name in parameter_shapes(metadata["layer_dims"]):
            if not np.all(np.isfinite(arrays[name])):
                raise ModelFileError(f"{path!r}: array {name!r} holds NaN or infinity")
        net = cls(metadata["layer_dims"], metadata["activations"], loss=metadata["loss"],
                  dtype=metadata["dtype"], init="zeros")
        net.parameters = {name: arrays[name] for name in net.parameters}
        return net


#: The notes' class name.
NeuralNetwork = Network
