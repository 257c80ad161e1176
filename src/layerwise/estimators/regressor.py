"""``DeepRegressor``: a layerwise network as a scikit-learn regressor."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from ._base import DeepEstimatorMixin


class DeepRegressor(RegressorMixin, DeepEstimatorMixin, BaseEstimator):
    """A deep fully-connected regressor trained by layerwise (samples as rows).

    A linear output layer with one unit per target and the squared-error loss
    (``mean((y_hat - y)^2)``, summed over the outputs: twice scikit-learn's
    half-MSE). Multi-output ``y`` of shape (n_samples, n_outputs) and
    scipy.sparse CSR/CSC ``X`` are supported.

    Parameters
    ----------
    hidden_layer_sizes, activation, init, optimizer, learning_rate,
    lr_schedule, batch_size, epochs, l2, keep_prob, early_stopping,
    validation_fraction, n_iter_no_change, tol, random_state, verbose, dtype,
    shuffle, warm_start, beta, beta1, beta2, epsilon
        As in :class:`~layerwise.sklearn.DeepClassifier` (the validation split
        is not stratified; validation scores are R²).
    standardize : bool, default True
        Standardise the features AND the targets with (sample-weighted)
        training-set statistics inside the model; predictions are mapped back
        to the target's units. Sparse ``X`` is scaled, not centred. Dense
        ``X`` is standardised a mini-batch at a time as training reads it, as
        in :class:`DeepClassifier`: no standardised copy of ``X`` is made.

    Attributes
    ----------
    coefs_, intercepts_, loss_curve_, validation_loss_curve_, validation_scores_,
    best_validation_score_, n_iter_, n_features_in_, feature_names_in_
        As in ``DeepClassifier``.
    n_outputs_ : int

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = DeepRegressor((32,), epochs=100, standardize=True, random_state=0).fit(X, y)
    """

    _scales_targets = True
    _output_activation = "linear"
    _loss = "mse"

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, init="he",
                 optimizer="adam", learning_rate=None, lr_schedule=None, batch_size="auto",
                 epochs=200, l2=0.0, keep_prob=1.0, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, tol=1e-4, standardize=True,
                 random_state=None, verbose=0, dtype=None, shuffle=True, warm_start=False,
                 beta=0.9, beta1=0.9, beta2=0.999, epsilon=1e-8):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.batch_size = batch_size
        self.epochs = epochs
        self.l2 = l2
        self.keep_prob = keep_prob
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.standardize = standardize
        self.random_state = random_state
        self.verbose = verbose
        self.dtype = dtype
        self.shuffle = shuffle
        self.warm_start = warm_start
        self.beta = beta
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon

    def fit(self, X, y, sample_weight=None):
        """Train from scratch on rows ``X`` (n_samples, n_features), ``y`` (n_samples[, n_outputs])."""
        return self._fit(X, y, sample_weight, partial=False)

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch on ``(X, y)``, continuing from the current weights and optimizer state.

        Early stopping is not used here, and ``lr_schedule`` restarts from
        ``learning_rate`` on every call (each call is a one-epoch fit).
        """
        return self._fit(X, y, sample_weight, partial=True)

    def _fit(self, X, y, sample_weight, *, partial):
        from sklearn.utils import check_random_state
        from sklearn.utils.validation import _check_sample_weight, validate_data

        first = not self._continues(partial)
        X, y = validate_data(self, X, y, reset=first, dtype=[np.float64, np.float32],
                             accept_sparse=("csr", "csc"),
                             multi_output=True, y_numeric=True)
        Y = np.asarray(y, dtype=np.float64)
        Y = Y.reshape(-1, 1) if Y.ndim == 1 else Y
        if first:
            self.n_outputs_ = Y.shape[1]
            self.y_ndim_ = np.ndim(y)
        if first or "_random" not in self.__dict__:  # (a model read from a file has none yet)
            self._random = check_random_state(self.random_state)
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} outputs but the model was fitted with "
                             f"{self.n_outputs_}")
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        return self._fit_network(X, Y, sample_weight, first=first,
                                 epochs=1 if partial else self.epochs, rng=self._random,
                                 early_stopping=bool(self.early_stopping) and not partial,
                                 partial=partial)

    #: Early stopping watches the held-out R², as scikit-learn's MLPRegressor does.
    _monitor = "val_score"

    @staticmethod
    def _validation_scorer(predicted, Y_val):
        """R² of the network's outputs ``predicted`` (n_outputs, m) against ``Y_val``."""
        from sklearn.metrics import r2_score

        if not np.all(np.isfinite(predicted)):
            return -np.inf  # overflowing outputs (a diverging fit) explain nothing
        # Columns are samples inside the network; r2_score wants rows.
        return float(r2_score(Y_val.T, predicted.T))

    def predict(self, X):
        """Predictions, shape (n_samples,) for one output, else (n_samples, n_outputs)."""
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32],
                          accept_sparse=("csr", "csc"))
        out = self._output(X)
        if getattr(self, "target_mean_", None) is not None:
            out = (out * self.target_scale_ + self.target_mean_).astype(out.dtype, copy=False)
        return out.ravel() if self.y_ndim_ == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
