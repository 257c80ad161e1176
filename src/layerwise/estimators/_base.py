"""What ``DeepClassifier`` and ``DeepRegressor`` share: parameters, checks, the
training call into :class:`~layerwise.network.Network`, pickling (model files:
:class:`~layerwise.estimators.model_file.EstimatorFileMixin`).

Samples are ROWS here, as everywhere in scikit-learn; the network inside takes
one sample per column, so every call into it transposes.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._checks import check_choice, check_keep_prob, check_positive_float, check_positive_int
from ..activations import ACTIVATIONS
from ..initializers import INITIALIZERS
from ..optimizers import get_optimizer
from ..schedules import Schedule
from ..training import Callback, EarlyStopping
from .model_file import EstimatorFileMixin

HIDDEN_ACTIVATIONS = tuple(a for a in ACTIVATIONS if a != "softmax")
OPTIMIZER_NAMES = ("gd", "momentum", "rmsprop", "adam")


class _ValidationScores(Callback):
    """Records a score (accuracy or R²) on the held-out split after each epoch."""

    def __init__(self, score):
        self.score, self.scores = score, []

    def on_epoch_end(self, network, epoch, logs):
        self.scores.append(float(self.score(network)))
        return False


class DeepEstimatorMixin(EstimatorFileMixin):
    """Shared machinery; subclasses set ``_output_activation``/``_loss`` per fit and
    implement ``_encode_targets``, ``_validation_score`` and ``_kind``."""

    # ------------------------------------------------------------------ parameters
    def _check_params(self):
        """Validate the constructor arguments (never in ``__init__``, as scikit-learn asks)."""
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            sizes = (sizes,)
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
            raise TypeError(f"hidden_layer_sizes must be an int or a sequence of ints; got {sizes!r}")
        sizes = [check_positive_int("hidden_layer_sizes[i]", n) for n in sizes]
        if isinstance(self.activation, str):
            acts = [check_choice("activation", self.activation, HIDDEN_ACTIVATIONS)] * len(sizes)
        else:
            acts = list(self.activation)
            if len(acts) != len(sizes):
                raise ValueError(f"activation has {len(acts)} entries but there are {len(sizes)} "
                                 "hidden layers; give one name or one per hidden layer")
            acts = [check_choice("activation", a, HIDDEN_ACTIVATIONS) for a in acts]
        check_choice("init", self.init, INITIALIZERS)
        if isinstance(self.optimizer, str):
            check_choice("optimizer", self.optimizer, OPTIMIZER_NAMES)
        if self.learning_rate is not None:
            check_positive_float("learning_rate", self.learning_rate)
        if isinstance(self.lr_schedule, str):
            check_choice("lr_schedule", self.lr_schedule, Schedule.KINDS)
        elif self.lr_schedule is not None and not callable(self.lr_schedule):
            raise TypeError(f"lr_schedule must be None, a name or a callable; got {self.lr_schedule!r}")
        if not (self.batch_size in (None, "auto")):
            check_positive_int("batch_size", self.batch_size)
        check_positive_int("epochs", self.epochs)
        check_positive_float("l2", self.l2, allow_zero=True)
        check_keep_prob(self.keep_prob, len(sizes))
        if not isinstance(self.validation_fraction, numbers.Real) or not 0 < self.validation_fraction < 1:
            raise ValueError(f"validation_fraction must be in (0, 1); got {self.validation_fraction!r}")
        check_positive_int("n_iter_no_change", self.n_iter_no_change)
        check_positive_float("tol", self.tol, allow_zero=True)
        if self.dtype is not None:
            dt = np.dtype(self.dtype)
            if dt not in (np.float32, np.float64):
                raise ValueError(f"dtype must be None, float32 or float64; got {self.dtype!r}")
        return sizes, acts

    def _batch_size_for(self, m):
        if self.batch_size is None:
            return None
        if self.batch_size == "auto":
            return min(200, m)
        return min(int(self.batch_size), m)

    # --------------------------------------------------------------------- fitting
    def _fit_network(self, X, Y, sample_weight, *, first, epochs, rng, early_stopping):
        """Build (on ``first``) and train the network on rows ``X`` and targets ``Y`` (m, n_out)."""
        from sklearn.model_selection import train_test_split

        from ..network import Network

        sizes, acts = self._check_params()
        if first:
            dtype = np.dtype(self.dtype) if self.dtype is not None else (
                np.dtype(np.float32) if X.dtype == np.float32 else np.dtype(np.float64))
            self._standardize_fit(X, Y)
            dims = [X.shape[1], *sizes, Y.shape[1]]
            self._network = Network(dims, [*acts, self._output_activation], init=self.init,
                                    loss=self._loss, seed=rng, dtype=dtype)
            self._optimizer = get_optimizer(self.optimizer, self.learning_rate)
            self.loss_curve_, self.validation_loss_curve_, self.validation_scores_ = [], [], []
            self.n_iter_ = 0
            self.best_validation_score_ = None
        net = self._network
        X = self._scale_X(X).astype(net.dtype, copy=False)
        Y = self._scale_Y(Y).astype(net.dtype, copy=False)
        m = X.shape[0]
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
        validation, callbacks, stopper = None, [], None
        if early_stopping:
            stratify = self._stratify_labels(Y) if hasattr(self, "_stratify_labels") else None
            parts = [X, Y] + ([sample_weight] if sample_weight is not None else [])
            split = train_test_split(*parts, test_size=self.validation_fraction,
                                     random_state=rng, stratify=stratify)
            X, X_val, Y, Y_val = split[:4]
            sample_weight = split[4] if sample_weight is not None else None
            m = X.shape[0]
            validation = (np.ascontiguousarray(X_val.T), np.ascontiguousarray(Y_val.T))
            recorder = _ValidationScores(lambda n: self._validation_score(n, *validation))
            stopper = EarlyStopping("val_cost", patience=self.n_iter_no_change, min_delta=self.tol,
                                    restore_best=True)
            callbacks = [recorder]
        lambd = float(self.l2)
        if sample_weight is not None:
            # Weights are relative importances: rescaled to mean 1 (and the L2
            # strength with them), so integer weights act like repeated rows.
            total = float(sample_weight.sum())
            if not np.isfinite(total) or total <= 0:
                raise ValueError("sample_weight must have a positive, finite sum")
            lambd = lambd * m / total
            sample_weight = sample_weight * (m / total)
        history = net.fit(np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T),
                          optimizer=self._optimizer, learning_rate=self.learning_rate,
                          epochs=epochs, batch_size=self._batch_size_for(m), lambd=lambd,
                          keep_prob=self.keep_prob, lr_schedule=self.lr_schedule,
                          validation_data=validation, callbacks=callbacks,
                          early_stopping=stopper, verbose=self.verbose, rng=rng, shuffle=True,
                          sample_weight=sample_weight)
        self.loss_curve_ += [float(c) for c in history.cost]
        self.n_iter_ += history.epochs
        if validation is not None:
            self.validation_loss_curve_ += [float(c) for c in history.val_cost]
            self.validation_scores_ += recorder.scores
            if history.best_epoch is not None:
                self.best_validation_score_ = recorder.scores[history.best_epoch]
                self.best_epoch_ = history.best_epoch
        return self

    # ------------------------------------------------------------- normalisation
    def _standardize_fit(self, X, Y):
        if getattr(self, "standardize", False):
            from ..data import Standardizer

            sx = Standardizer().fit(np.asarray(X, dtype=np.float64).T)
            self.input_mean_, self.input_scale_ = sx.mean_.ravel(), sx.scale_.ravel()
            if self._scales_targets:
                sy = Standardizer().fit(np.asarray(Y, dtype=np.float64).T)
                self.target_mean_, self.target_scale_ = sy.mean_.ravel(), sy.scale_.ravel()

    def _scale_X(self, X):
        if getattr(self, "input_mean_", None) is None:
            return X
        return ((X - self.input_mean_) / self.input_scale_).astype(X.dtype, copy=False)

    def _scale_Y(self, Y):
        if getattr(self, "target_mean_", None) is None:
            return Y
        return (Y - self.target_mean_) / self.target_scale_

    def _output(self, X):
        """The network's output for rows ``X`` (already validated): shape (m, n_out)."""
        net = self._network
        X = self._scale_X(X).astype(net.dtype, copy=False)
        return net.predict_proba(np.ascontiguousarray(X.T)).T

    # ------------------------------------------------------------------- weights
    @property
    def coefs_(self):
        """Weights in scikit-learn's orientation: ``coefs_[i]`` is (n_in, n_out) = ``W{i+1}.T``.

        Views: writing into them changes the network.
        """
        net = self.__dict__.get("_network")
        if net is None:
            raise AttributeError("coefs_ exists only after fit")
        return [net.parameters[f"W{l}"].T for l in range(1, net.n_layers + 1)]

    @property
    def intercepts_(self):
        """Biases: ``intercepts_[i]`` is (n_out,) = ``b{i+1}``, views."""
        net = self.__dict__.get("_network")
        if net is None:
            raise AttributeError("intercepts_ exists only after fit")
        return [net.parameters[f"b{l}"].reshape(-1) for l in range(1, net.n_layers + 1)]

    @property
    def n_layers_(self):
        """Number of layers including input and output, as in MLPClassifier."""
        return len(self.coefs_) + 1

    def __sklearn_is_fitted__(self):
        return "_network" in self.__dict__

    # -------------------------------------------------------------------- pickling
    def __getstate__(self):
        # The network's parameter dict holds views into one flat array; pickle
        # would copy them apart, so the network travels as plain arrays.
        state = dict(super().__getstate__())  # a copy: object's may be __dict__ itself
        net = state.pop("_network", None)
        if net is not None:
            state["_network_state"] = {
                "layer_dims": net.layer_dims, "activations": net.activations, "loss": net.loss,
                "dtype": net.dtype.name, "theta": net._engine.theta.copy(),
                "opt_state": None if net._opt_cache is None else net._opt_cache[1]}
        return state

    def __setstate__(self, state):
        saved = state.pop("_network_state", None)
        super().__setstate__(state)
        if saved is not None:
            from ..network import Network

            net = Network(saved["layer_dims"], saved["activations"], loss=saved["loss"],
                          dtype=saved["dtype"], init="zeros")
            net._engine.theta[...] = saved["theta"]
            if saved["opt_state"] is not None and "_optimizer" in self.__dict__:
                net._opt_cache = (self._optimizer, saved["opt_state"])
            self._network = net

    def to_onnx(self, path):
        """Write the fitted estimator as an ONNX graph (needs the ``onnx`` extra)."""
        from ..onnx_export import estimator_to_onnx

        estimator_to_onnx(self, path)
