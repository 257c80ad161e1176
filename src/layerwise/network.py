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

from ._checks import (as_float_array, check_choice, check_finite, check_float_dtype,
                      check_layer_dims, check_memory_budget, check_X, check_XY)
from .activations import get_activation
from .data import accuracy, predictions_from_output
from .engine import (copy_parameters, forward_output, is_sparse, parameter_layout,
                     parameter_views)
from .initializers import INITIALIZERS, initialize_parameters_deep
from .io import ModelFileError, read_model_file, write_model_file
from .losses import DEFAULT_LOSS, LOSS_FUNCTIONS, check_labels, check_loss_pairing, compute_cost
from .model_metadata import (check_network_metadata, check_only_arrays, network_metadata,
                             parameter_shapes, train_config_from_metadata)
from .propagation import L_model_backward, L_model_forward, resolve_activations
from .schedules import Schedule
from .training import Callback, TrainConfig, Trainer


class EarlyStopping:
    """Early-stopping settings for :meth:`Network.fit` (a shorthand for config fields).

    Parameters
    ----------
    monitor : {"val_cost", "val_accuracy", "cost"}, default "val_cost"
    patience : int >= 1, default 10, stop after this many epochs in a row without
        an improvement of more than ``min_delta`` (Keras's meaning; it is
        ``TrainConfig.n_iter_no_change + 1``, which counts as scikit-learn does)
    min_delta : float, default 0 (``TrainConfig.tol``)
    restore_best : bool, default True, put back the best epoch's parameters
    """

    def __init__(self, monitor="val_cost", patience=10, min_delta=0.0, restore_best=True):
        # Checked here (and again by TrainConfig) so the mistake shows where it is made.
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience must be an integer >= 1; got {patience!r}")
        TrainConfig(early_stopping=True, monitor=monitor, n_iter_no_change=patience - 1,
                    tol=min_delta, restore_best=restore_best)
        self.monitor, self.patience = monitor, patience
        self.min_delta, self.restore_best = min_delta, restore_best

    def config_fields(self):
        """The :class:`TrainConfig` fields these settings stand for."""
        return {"early_stopping": True, "monitor": self.monitor,
                "n_iter_no_change": self.patience - 1, "tol": self.min_delta,
                "restore_best": self.restore_best}


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
        _, size = parameter_layout(self.layer_dims)
        self._theta = np.zeros(size, dtype=self.dtype)
        self._params = parameter_views(self._theta, self.layer_dims)
        if init != "zeros" or seed is not None:
            self.parameters = initialize_parameters_deep(self.layer_dims, init, scale=init_scale,
                                                         rng=seed, dtype=self.dtype)
        self._kernels = [get_activation(a) for a in self.activations]
        self._weights = [self._params[f"W{l}"] for l in range(1, self.n_layers + 1)]
        self._biases = [self._params[f"b{l}"] for l in range(1, self.n_layers + 1)]
        self.history_ = None
        self.trainer_ = None
        self.train_config_ = None

    # ------------------------------------------------------------------ parameters
    @property
    def parameters(self):
        """The parameters dict ``W1, b1, ..., WL, bL`` (live views: edits change the net)."""
        return self._params

    @parameters.setter
    def parameters(self, values):
        copy_parameters(self._params, values)

    @property
    def flat_parameters(self):
        """All parameters as one live 1-D array (W1, b1, W2, ... in order); shape (size,)."""
        return self._theta

    @property
    def n_parameters(self):
        """Number of parameters (weights and biases)."""
        return self._theta.size

    def spec(self):
        """What the network is, as JSON types: layer_dims, activations, loss, dtype, init."""
        return {"layer_dims": list(self.layer_dims), "activations": list(self.activations),
                "loss": self.loss, "dtype": self.dtype.name, "init": self.init}

    @classmethod
    def from_spec(cls, spec, flat_parameters=None):
        """A network from :meth:`spec`'s dict, with ``flat_parameters`` (else zeros)."""
        net = cls(spec["layer_dims"], spec["activations"], init="zeros", loss=spec["loss"],
                  dtype=spec["dtype"])
        net.init = spec.get("init", "zeros")
        if flat_parameters is not None:
            flat = np.asarray(flat_parameters)
            if flat.shape != net.flat_parameters.shape:
                raise ValueError(f"flat_parameters has shape {flat.shape}; the network has "
                                 f"{net.flat_parameters.shape}")
            net.flat_parameters[...] = flat
        return net

    @property
    def n_layers(self):
        """Number of layers L (hidden layers plus the output layer)."""
        return len(self.layer_dims) - 1

    def __repr__(self):
        return (f"Network({self.layer_dims}, activations={self.activations}, loss={self.loss!r}, "
                f"dtype={self.dtype.name})")

    # --------------------------------------------------------------- the functional pair
    def check_inputs(self, X, name="X"):
        """``X`` checked (2-D, n_x rows, finite numbers) and cast to the network's dtype.

        A scipy.sparse ``X`` stays sparse (as CSC: one example per column).
        """
        if is_sparse(X):
            return self._check_sparse(X, name)
        return check_X(X, self.layer_dims[0], name=name).astype(self.dtype, copy=False)

    def _check_sparse(self, X, name):
        n_x = self.layer_dims[0]
        if X.ndim != 2 or X.shape[0] != n_x or X.shape[1] < 1:
            raise ValueError(f"{name} has shape {X.shape}; layerwise puts one example per column, "
                             f"so {name} must be (n_x={n_x}, m >= 1)")
        X = X.tocsc().astype(self.dtype, copy=False)
        if not np.all(np.isfinite(X.data)):
            raise ValueError(f"{name} holds NaN or infinity")
        return X

    def check_data(self, X, Y, *, check_targets=True):
        """``(X, Y)`` checked against the network (shapes, finiteness, labels for the loss)
        and cast to its dtype; ``Y`` of shape (m,) becomes (1, m). A scipy.sparse
        ``X`` stays sparse (CSC). ``check_targets=False`` skips the labels check
        (any real ``Y``, as the course's model functions take)."""
        if is_sparse(X):
            X = self._check_sparse(X, "X")
            Y = as_float_array("Y", Y, ndim=np.ndim(Y), dtype=self.dtype)
            Y = Y.reshape(1, -1) if Y.ndim == 1 else Y
            if Y.shape != (self.layer_dims[-1], X.shape[1]):
                raise ValueError(f"Y has shape {Y.shape}; with X of {X.shape[1]} examples and "
                                 f"{self.layer_dims[-1]} output units it must be "
                                 f"({self.layer_dims[-1]}, {X.shape[1]})")
            check_finite("Y", Y)
            if check_targets:
                check_labels(Y, self.loss)
            return X, Y
        X, Y = check_XY(X, Y, self.layer_dims[0], self.layer_dims[-1])
        X, Y = X.astype(self.dtype, copy=False), Y.astype(self.dtype, copy=False)
        if check_targets:
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
        return L_model_forward(self.check_inputs(X), self.parameters, self.activations,
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
        return self.forward_output(self.check_inputs(X))

    def forward_output(self, X):
        """``AL`` for ``X`` that is already checked (2-D, ``n_x`` rows, the network's dtype).

        The low-level call behind :meth:`predict_proba`: no checks, no dropout,
        a new array. Safe to call from many threads at once: nothing is shared
        between calls but the (read-only) parameters.
        """
        return forward_output(self._weights, self._biases, self._kernels, X)

    def output_metrics(self, AL, Y):
        """``{"cost", "accuracy"}`` of outputs ``AL`` against checked targets ``Y``
        (accuracy None for regression outputs; cost without the L2 term)."""
        # validate=False: AL is the network's own output, and an overflowing one
        # (NaN, inf) is a result to report, not a caller's mistake to refuse.
        result = {"cost": compute_cost(AL, Y, self.loss, validate=False)}
        if self.activations[-1] in ("sigmoid", "softmax"):
            result["accuracy"] = accuracy(predictions_from_output(AL, self.activations[-1]), Y)
        else:
            result["accuracy"] = None
        return result

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
        X, Y = self.check_data(X, Y)
        return self.output_metrics(self.forward_output(X), Y)

    # --------------------------------------------------------------------- training
    def fit(self, X, Y, config=None, *, validation_data=None, callbacks=(), sample_weight=None,
            rng=None, optimizer=None, early_stopping=None, lr_schedule=None, verbose=None,
            **fields):
        """Train the network in place with a :class:`~layerwise.training.Trainer`.

        Parameters
        ----------
        X : array_like, shape (n_x, m)
        Y : array_like, shape (n_y, m) (or (m,) for one output)
        config : TrainConfig, optional
            All settings at once; keyword ``fields`` below override its values.
        validation_data : tuple (X_val, Y_val), optional
        callbacks : sequence of :class:`~layerwise.training.Callback`
        sample_weight : array_like, shape (m,), optional, non-negative weights
            multiplying each example's loss
        rng : None, int, Generator or RandomState, for shuffling, dropout and
            the validation split (overrides ``seed``)
        optimizer : {"adam", "gd", "momentum", "rmsprop"} or an optimizer object
            (``lw.Adam(1e-3)``: its settings are read, the object is not changed)
        early_stopping : None, bool, int patience, or :class:`EarlyStopping`
            (an int monitors ``val_cost`` if validation data is given, else ``cost``)
        lr_schedule : None, a schedule name, a :class:`~layerwise.schedules.Schedule`
            or a callable ``(lr0, epoch) -> lr``
        verbose : int, default 1 (a progress bar); 0 for silence
        **fields
            Any other :class:`~layerwise.training.TrainConfig` field:
            ``learning_rate``, ``epochs`` (default 100), ``batch_size`` (None:
            full batch), ``lambd``, ``keep_prob``, ``shuffle``, ``tol``, ...

        Returns
        -------
        History

        Raises
        ------
        TrainingDivergedError
            If the cost, a gradient or a parameter becomes NaN or infinite; the
            network keeps its last finite parameters and ``history_`` the epochs before.
        """
        values = {} if config is None else config.as_fields()
        if optimizer is not None and not isinstance(optimizer, str):
            values.update(TrainConfig.from_optimizer(optimizer).to_dict())
        elif optimizer is not None:
            values["optimizer"] = optimizer
        if isinstance(lr_schedule, Schedule):
            values.update(lr_schedule=lr_schedule.kind, decay_rate=lr_schedule.decay_rate,
                          time_interval=lr_schedule.time_interval)
        elif lr_schedule is not None:
            values["lr_schedule"] = lr_schedule
        if isinstance(early_stopping, EarlyStopping):
            values.update(early_stopping.config_fields())
        elif isinstance(early_stopping, bool):
            values["early_stopping"] = early_stopping
        elif early_stopping is not None:
            values.update(EarlyStopping(patience=early_stopping).config_fields())
            values.pop("monitor")  # automatic: val_cost with validation data, else cost
        if verbose is not None:
            values["verbose"] = verbose
        elif config is None:
            values["verbose"] = 1
        values.update(fields)
        config = TrainConfig.from_dict(values)
        trainer = Trainer(self, config, X, Y, validation_data=validation_data,
                          sample_weight=sample_weight, callbacks=callbacks, rng=rng)
        self.trainer_ = trainer
        self.train_config_ = config
        self.history_ = trainer.history
        try:
            return trainer.run()
        finally:
            self.history_ = trainer.history

    # -------------------------------------------------- the notes' NeuralNetwork class
    def feedforward(self, X):
        """The notes' name for the forward pass: returns ``AL``, shape (n_L, m)."""
        return self.forward(X)[0]

    def backpropagation(self, X, Y):
        """The notes' name: forward then backward on ``(X, Y)``; returns the grads dict."""
        X, Y = self.check_data(X, Y)
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
        net.train_config_ = train_config_from_metadata(metadata)
        return net


#: The notes' class name.
NeuralNetwork = Network
