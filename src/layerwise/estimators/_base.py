"""What ``DeepClassifier`` and ``DeepRegressor`` share: parameters, checks, the
training call into :class:`~layerwise.network.Network`, pickling (model files:
:class:`~layerwise.estimators.model_file.EstimatorFileMixin`).

Samples are ROWS here, as everywhere in scikit-learn; the network inside takes
one sample per column, so every call into it transposes.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from .._checks import check_choice, check_positive_int
from ..activations import ACTIVATIONS
from ..initializers import INITIALIZERS
from ..engine import is_sparse
from ..network import Network
from ..training import TrainConfig, Trainer, TrainingDivergedError
from .model_file import EstimatorFileMixin

HIDDEN_ACTIVATIONS = tuple(a for a in ACTIVATIONS if a != "softmax")

#: The estimators' names for TrainConfig fields (the others are spelled alike).
CONFIG_ALIASES = {"l2": "lambd"}

#: What the estimators set while fitting; removed again when a first fit fails.
FITTED_ATTRIBUTES = ("_network", "_trainer_state", "loss_curve_", "validation_loss_curve_",
                     "validation_scores_", "n_iter_", "best_validation_score_", "best_epoch_",
                     "interrupted_", "input_mean_", "input_scale_", "target_mean_",
                     "target_scale_")


def _network_layout(X):
    """Rows ``X`` (m, n) as the network's (n, m) with one example per column:
    C-contiguous, or CSC for scipy.sparse input (never made dense here)."""
    if is_sparse(X):
        return X.T.tocsc()
    return np.ascontiguousarray(X.T)


def _sparse_column_scale(X, sample_weight=None):
    """Per-column (weighted) standard deviation of a sparse ``X`` (m, n); 1 where it is 0."""
    w = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    total = w.sum()
    mean = np.asarray(X.T @ w).ravel() / total
    mean_square = np.asarray(X.multiply(X).T @ w).ravel() / total
    std = np.sqrt(np.maximum(mean_square - mean * mean, 0.0))
    return np.where(std > 0, std, 1.0)


class DeepEstimatorMixin(EstimatorFileMixin):
    """Shared machinery; subclasses set ``_output_activation``/``_loss`` per fit and
    implement ``_encode_targets``, ``_validation_score`` and ``_kind``."""

    # ------------------------------------------------------------------ parameters
    def _network_layers(self):
        """Hidden sizes and activations, checked (never in ``__init__``, as scikit-learn asks)."""
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
        return sizes, acts

    def _train_config(self, *, epochs, early_stopping, m, lambd):
        """The :class:`TrainConfig` of one fit: every training parameter checked in one place."""
        validation_fraction = self.validation_fraction if early_stopping else None
        if early_stopping:
            # Checked here too, since the number of training rows decides "auto".
            TrainConfig.from_aliases({"validation_fraction": validation_fraction}, {})
            m = m - int(np.ceil(validation_fraction * m))
        batch_size = self.batch_size
        if batch_size == "auto":
            batch_size = min(200, max(m, 1))
        elif batch_size is not None:
            batch_size = min(check_positive_int("batch_size", batch_size), max(m, 1))
        values = {
            "optimizer": self.optimizer, "learning_rate": self.learning_rate,
            "beta": self.beta, "beta1": self.beta1, "beta2": self.beta2, "epsilon": self.epsilon,
            "lr_schedule": self.lr_schedule, "epochs": epochs, "batch_size": batch_size,
            "shuffle": self.shuffle, "l2": lambd, "keep_prob": self.keep_prob,
            "early_stopping": bool(early_stopping), "monitor": self._monitor,
            "n_iter_no_change": self.n_iter_no_change, "tol": self.tol,
            "validation_fraction": validation_fraction, "dtype": self.dtype,
            "verbose": self.verbose,
        }
        if early_stopping is False and self.validation_fraction is not None:
            TrainConfig.from_aliases({"validation_fraction": self.validation_fraction}, {})
        return TrainConfig.from_aliases(values, CONFIG_ALIASES)

    # --------------------------------------------------------------------- fitting
    def _continues(self, partial):
        """Whether this fit starts from the current weights: ``partial_fit``, or
        ``fit`` with ``warm_start=True``, of a fitted estimator."""
        if not isinstance(self.warm_start, (bool, np.bool_)):
            raise TypeError(f"warm_start must be True or False; got {self.warm_start!r}")
        return (partial or bool(self.warm_start)) and self.__sklearn_is_fitted__()

    def _fit_network(self, X, Y, sample_weight, *, first, epochs, rng, early_stopping,
                     partial=False):
        """Build (on ``first``) and train the network on rows ``X`` and targets ``Y`` (m, n_out).

        A first fit that diverges leaves the estimator unfitted; a later one
        (``partial_fit``, or ``fit`` with ``warm_start``) raises and keeps the
        state from before the call. ``n_iter_`` counts the epochs of the last
        ``fit`` (as scikit-learn's MLP does, also with ``warm_start``) and adds up
        over ``partial_fit`` calls; ``loss_curve_`` always continues.

        Memory: the trainer reads mini-batches (and validation chunks) from
        ``X.T`` -- a view of the caller's rows -- and standardises each one, so
        a fit costs ``X`` plus a few batches (:meth:`_training_inputs`).
        """
        from sklearn.exceptions import ConvergenceWarning

        sizes, acts = self._network_layers()
        m = X.shape[0]
        lambd = self.l2
        if sample_weight is not None:
            # Weights are relative importances: rescaled to mean 1 (and the L2
            # strength with it), so integer weights act like repeated rows.
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
            total = float(sample_weight.sum())
            if not np.isfinite(total) or total <= 0:
                raise ValueError("sample_weight must have a positive, finite sum")
            TrainConfig.from_aliases({"l2": lambd}, CONFIG_ALIASES)
            lambd = float(lambd) * m / total
            sample_weight = sample_weight * (m / total)
        config = self._train_config(epochs=epochs, early_stopping=early_stopping, m=m,
                                    lambd=lambd)
        if first:
            for name in FITTED_ATTRIBUTES:
                self.__dict__.pop(name, None)
            dtype = np.dtype(self.dtype) if self.dtype is not None else (
                np.dtype(np.float32) if X.dtype == np.float32 else np.dtype(np.float64))
            self._standardize_fit(X, Y, sample_weight)
            dims = [X.shape[1], *sizes, Y.shape[1]]
            network = Network(dims, [*acts, self._output_activation], init=self.init,
                              loss=self._loss, seed=rng, dtype=dtype)
            previous_state = None
        else:
            network = self._network
            previous_state = self.__dict__.get("_trainer_state")
        Yc = np.ascontiguousarray(self._scale_Y(Y).astype(network.dtype, copy=False).T)
        # The trainer reads mini-batches straight from the caller's rows (X.T,
        # one example per column) and standardises each batch, so a large data
        # set costs X plus a few batches (see scripts/real_data.py --csv-memory).
        X_net, scaling = self._training_inputs(X, network.dtype)
        trainer = Trainer(network, config, X_net, Yc, input_scaling=scaling,
                          sample_weight=sample_weight, rng=rng,
                          validation_scorer=self._validation_scorer if early_stopping else None,
                          optimizer_state=previous_state)
        try:
            history = trainer.run()
        except TrainingDivergedError:
            if first:
                for name in FITTED_ATTRIBUTES:
                    self.__dict__.pop(name, None)
            raise
        # The config of the latest fit travels with the network (into model files too).
        network.train_config_ = config
        if first:
            self._network = network
            self.loss_curve_, self.validation_loss_curve_, self.validation_scores_ = [], [], []
            self.n_iter_ = 0
            self.best_validation_score_ = None
        self._trainer_state = trainer.optimizer_state
        self.loss_curve_ += [float(c) for c in history.cost]
        self.n_iter_ = (self.n_iter_ if partial else 0) + history.epochs
        self.interrupted_ = history.interrupted
        if early_stopping:
            self.validation_loss_curve_ += [float(c) for c in history.val_cost]
            scores = history.val_accuracy if self._monitor == "val_accuracy" else history.val_score
            self.validation_scores_ += [float(v) for v in scores]
            if history.best_epoch is not None:
                self.best_validation_score_ = self.validation_scores_[history.best_epoch]
                self.best_epoch_ = history.best_epoch
        if history.stop_reason == "epochs" and epochs > 1 and self.tol is not None:
            warnings.warn(f"{type(self).__name__} stopped after the maximum of {epochs} epochs "
                          "without converging (the loss still improved by more than tol); "
                          "raise epochs or tol", ConvergenceWarning, stacklevel=3)
        return self

    # ------------------------------------------------------------- normalisation
    def _standardize_fit(self, X, Y, sample_weight=None):
        """Learn the (sample-weighted) standardisation statistics of rows ``X`` (and ``Y``).

        Sparse ``X`` is scaled but not centred (``input_mean_`` is 0): centring
        would make it dense. The scale is still the standard deviation.
        """
        if getattr(self, "standardize", False):
            from ..data import Standardizer

            if is_sparse(X):
                self.input_mean_ = np.zeros(X.shape[1])
                self.input_scale_ = _sparse_column_scale(X, sample_weight)
            else:
                sx = Standardizer().fit(np.asarray(X, dtype=np.float64).T, sample_weight)
                self.input_mean_, self.input_scale_ = sx.mean_.ravel(), sx.scale_.ravel()
            if self._scales_targets:
                sy = Standardizer().fit(np.asarray(Y, dtype=np.float64).T, sample_weight)
                self.target_mean_, self.target_scale_ = sy.mean_.ravel(), sy.scale_.ravel()

    def _scale_X(self, X):
        if getattr(self, "input_mean_", None) is None:
            return X
        if is_sparse(X):  # input_mean_ is 0 for a model fitted on sparse data
            import scipy.sparse as sp

            if np.any(self.input_mean_ != 0):
                raise ValueError("this model centres its inputs (it was fitted on dense X); "
                                 "pass X dense, or fit it on sparse X")
            return (X @ sp.diags(1.0 / self.input_scale_)).astype(X.dtype, copy=False)
        return ((X - self.input_mean_) / self.input_scale_).astype(X.dtype, copy=False)

    def _scale_Y(self, Y):
        if getattr(self, "target_mean_", None) is None:
            return Y
        return (Y - self.target_mean_) / self.target_scale_

    def _training_inputs(self, X, dtype):
        """What the trainer reads for rows ``X``: ``(X_net, input_scaling)``.

        Dense ``X`` of the network's dtype: its transpose (a view, one example
        per column) and the standardisation ``(input_mean_, input_scale_)``,
        which the trainer applies per mini-batch -- no copy of ``X``.
        Otherwise (sparse, or another dtype) a scaled copy in the network's
        layout (:meth:`_training_layout`) and no scaling.
        """
        if not is_sparse(X) and X.dtype == np.dtype(dtype):
            mean = getattr(self, "input_mean_", None)
            if mean is None:
                # Without standardisation, the identity (x - 0 and x / 1 are
                # exact): batches are then gathered C-ordered, as from the
                # copy that this replaces; an F-ordered batch can round
                # differently in BLAS (a one-unit first layer, in the last bit).
                n = X.shape[1]
                return X.T, (np.zeros(n), np.ones(n))
            return X.T, (mean, self.input_scale_)
        return self._training_layout(X, dtype), None

    def _training_layout(self, X, dtype):
        """Rows ``X`` scaled and laid out for the network, (n, m), in one pass for
        dense input (no intermediate scaled copy); the same numbers as
        ``_network_layout(self._scale_X(X))``."""
        mean = getattr(self, "input_mean_", None)
        if is_sparse(X) or (mean is not None and np.dtype(dtype) != X.dtype):
            return _network_layout(self._scale_X(X).astype(dtype, copy=False))
        out = np.empty((X.shape[1], X.shape[0]), dtype=dtype)
        if mean is None:
            out[...] = X.T
        else:
            np.subtract(X.T, mean.reshape(-1, 1), out=out)
            out /= self.input_scale_.reshape(-1, 1)
        return out

    def _output(self, X):
        """The network's output for rows ``X`` (already validated): shape (m, n_out)."""
        net = self._network
        X = self._scale_X(X).astype(net.dtype, copy=False)
        return net.predict_proba(_network_layout(X)).T

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
    def network_(self):
        """The fitted :class:`~layerwise.network.Network` (one sample per column inside)."""
        net = self.__dict__.get("_network")
        if net is None:
            raise AttributeError("network_ exists only after fit")
        return net

    @property
    def train_config_(self):
        """The :class:`~layerwise.training.TrainConfig` of the latest fit (None if unknown)."""
        return self.network_.train_config_

    @classmethod
    def from_network(cls, network, params, fitted):
        """An estimator of this class around a trained ``network`` (as model files rebuild one).

        Parameters
        ----------
        network : Network
        params : dict, the constructor parameters
        fitted : dict, fitted attributes to set (``classes_``, ``n_features_in_``, ...)
        """
        estimator = cls(**params)
        for name, value in fitted.items():
            setattr(estimator, name, value)
        estimator._network = network
        return estimator

    @property
    def n_layers_(self):
        """Number of layers including input and output, as in MLPClassifier."""
        return len(self.coefs_) + 1

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # CSR/CSC: kept sparse, one mini-batch made dense at a time
        return tags

    def __sklearn_is_fitted__(self):
        return "_network" in self.__dict__

    # -------------------------------------------------------------------- pickling
    def __getstate__(self):
        # The network's parameter dict holds views into one flat array; pickle
        # would copy them apart, so the network travels as its spec and array.
        state = dict(super().__getstate__())  # a copy: object's may be __dict__ itself
        net = state.pop("_network", None)
        if net is not None:
            state["_network_state"] = {"spec": net.spec(), "theta": net.flat_parameters.copy()}
        return state

    def __setstate__(self, state):
        saved = state.pop("_network_state", None)
        super().__setstate__(state)
        if saved is not None:
            self._network = Network.from_spec(saved["spec"], saved["theta"])

    def to_onnx(self, path):
        """Write the fitted estimator as an ONNX graph (needs the ``onnx`` extra)."""
        from ..onnx_export import estimator_to_onnx

        estimator_to_onnx(self, path)
