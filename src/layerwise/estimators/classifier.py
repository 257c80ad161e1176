"""``DeepClassifier``: a layerwise network as a scikit-learn classifier."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from ._base import DeepEstimatorMixin


def _label_array(y):
    """``y`` as 1-D labels, or as a 2-D 0/1 indicator matrix (multilabel); a column
    vector is raveled with scikit-learn's DataConversionWarning."""
    from sklearn.utils.multiclass import type_of_target
    from sklearn.utils.validation import column_or_1d

    y = np.asarray(y) if not hasattr(y, "toarray") else y.toarray()
    if y.ndim == 2 and y.shape[1] == 1:
        return column_or_1d(y, warn=True)
    if y.ndim == 2 and (type_of_target(y) != "multilabel-indicator" or not np.isin(y, (0, 1)).all()):
        raise ValueError(f"y of shape {y.shape} must be 1-D labels or a 0/1 indicator matrix "
                         f"(multilabel, one column per label); it holds {np.unique(y)[:6].tolist()}")
    return y


class DeepClassifier(ClassifierMixin, DeepEstimatorMixin, BaseEstimator):
    """A deep fully-connected classifier trained by layerwise (samples as rows).

    Two classes use one sigmoid output unit and binary cross-entropy; more
    classes use a softmax output and categorical cross-entropy. Labels may be
    of any type ``numpy.unique`` can sort (ints, strings, bools, floats). A 2-D
    0/1 indicator ``y`` (n_samples, n_labels) is multilabel: one sigmoid unit
    and one binary cross-entropy per label (summed over the labels, averaged
    over the samples, as scikit-learn's MLPClassifier), ``classes_`` is
    ``arange(n_labels)`` and ``predict`` returns the 0/1 matrix. ``X`` may be
    a scipy.sparse CSR/CSC matrix: it stays sparse, one mini-batch at a time
    is made dense.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default (100,)
    activation : str or sequence of str, default "relu"
        One of relu, leaky_relu, tanh, sigmoid, linear -- one name for every
        hidden layer or one per hidden layer.
    init : {"he", "xavier", "random", "zeros"}, default "he"
    optimizer : {"adam", "gd", "momentum", "rmsprop"}, default "adam"
    learning_rate : float or None, default None (the optimizer's default:
        0.001 for adam, 0.01 otherwise)
    lr_schedule : None, "constant", "inverse_time", "step", "exponential" or a
        callable ``(lr0, epoch) -> lr``
    batch_size : int, "auto" (``min(200, n_samples)``) or None (full batch)
    epochs : int, default 200, passes over the training data
    l2 : float, default 0.0, L2 strength: ``(l2 / 2m) * sum ||W||^2`` per batch
    keep_prob : float or sequence, default 1.0 (no dropout), inverted dropout
        on the hidden layers
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the training data (stratified;
        multilabel at random), stop when the validation accuracy has not
        improved by ``tol`` for ``n_iter_no_change`` epochs, and restore the
        best epoch's weights.
    validation_fraction : float, default 0.1
    n_iter_no_change : int, default 10
    tol : float, default 1e-4
    standardize : bool, default True
        Standardise the features with (sample-weighted) training-set
        statistics inside the model (saved in model files too). On by
        default, as in ``layerwise train``: features on different scales slow
        gradient descent down, and the statistics travel with the model.
        Sparse ``X`` is scaled, not centred. Set False to compare with a bare
        MLP. Dense ``X`` is standardised a mini-batch at a time as training
        reads it: no standardised copy of ``X`` is made (a sparse ``X``, or one
        of another dtype than the network's, gets a scaled copy).
    class_weight : None, "balanced" or dict label -> weight
    random_state : None, int or RandomState, for the initial weights,
        shuffling, dropout and the validation split
    verbose : int, default 0 (1: a progress bar)
    dtype : None, "float32" or "float64"; None follows X (float32 stays
        float32, anything else becomes float64)
    shuffle : bool, default True, a new sample order each epoch
    warm_start : bool, default False
        ``fit`` continues from the current weights and optimizer state (the
        classes must not change) instead of starting over.
    beta : float, default 0.9, momentum's and RMSprop's average
    beta1, beta2, epsilon : float, default 0.9, 0.999, 1e-8, Adam's (epsilon
        also RMSprop's)

    Attributes
    ----------
    classes_ : ndarray, shape (n_classes,) (multilabel: ``arange(n_labels)``)
    coefs_ : list of ndarray, ``coefs_[i]`` shape (n_in, n_out) (``W.T``)
    intercepts_ : list of ndarray, shape (n_out,)
    loss_curve_ : list of float, training cost per epoch
    validation_loss_curve_, validation_scores_ : lists (empty without early stopping);
        scores are accuracies on the held-out split
    best_validation_score_ : float or None
    n_iter_ : int, epochs run by the last ``fit`` (added up over ``partial_fit``)
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X had string column names

    Notes
    -----
    ``sample_weight`` is rescaled to mean 1 (and the L2 strength with it), so
    integer weights act like repeated rows.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DeepClassifier((32,), epochs=300, standardize=True, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    """

    _scales_targets = False

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, init="he",
                 optimizer="adam", learning_rate=None, lr_schedule=None, batch_size="auto",
                 epochs=200, l2=0.0, keep_prob=1.0, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, tol=1e-4, standardize=True,
                 class_weight=None, random_state=None, verbose=0, dtype=None, shuffle=True,
                 warm_start=False, beta=0.9, beta1=0.9, beta2=0.999, epsilon=1e-8):
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
        self.class_weight = class_weight
        self.random_state = random_state
        self.verbose = verbose
        self.dtype = dtype
        self.shuffle = shuffle
        self.warm_start = warm_start
        self.beta = beta
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon

    # ----------------------------------------------------------------- fitting
    def fit(self, X, y, sample_weight=None):
        """Train from scratch on rows ``X`` (n_samples, n_features) and labels ``y`` (n_samples,)."""
        return self._fit(X, y, sample_weight, partial=False, classes=None)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch on ``(X, y)``, continuing from the current weights and optimizer state.

        ``classes`` (every label that will ever occur) is required on the first call.
        Early stopping is not used here, and ``lr_schedule`` restarts from
        ``learning_rate`` on every call (each call is a one-epoch fit).
        """
        return self._fit(X, y, sample_weight, partial=True, classes=classes)

    def _fit(self, X, y, sample_weight, *, partial, classes):
        from sklearn.utils import check_random_state
        from sklearn.utils.class_weight import compute_class_weight
        from sklearn.utils.multiclass import (_check_partial_fit_first_call,
                                              check_classification_targets, unique_labels)
        from sklearn.utils.validation import _check_sample_weight, validate_data

        first = not self._continues(partial)
        if partial and first and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit")
        X, y = validate_data(self, X, y, reset=first, dtype=[np.float64, np.float32],
                             accept_sparse=("csr", "csc"), multi_output=True)
        y = _label_array(y)
        check_classification_targets(y)
        multilabel = y.ndim == 2
        if first:
            self._multilabel_target = multilabel
        elif multilabel != self._multilabel:
            raise ValueError(f"y is {'a multilabel indicator matrix' if multilabel else '1-D'} but "
                             f"the model was fitted on {'multilabel' if self._multilabel else '1-D'}"
                             " targets")
        if partial:
            _check_partial_fit_first_call(self, classes)
        elif first:
            self.classes_ = np.arange(y.shape[1]) if multilabel else unique_labels(y)
        if multilabel:
            return self._fit_multilabel(X, y, sample_weight, partial=partial, first=first)
        if not (partial or first) and not np.array_equal(unique_labels(y), self.classes_):
            raise ValueError("warm_start can only be used where `y` has the same classes as in "
                             f"the previous call to fit. Previously got {self.classes_}, `y` has "
                             f"{unique_labels(y)}")
        if len(self.classes_) < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 classes; y has only one "
                             f"class: {self.classes_[0]!r}")
        index = np.searchsorted(self.classes_, y)
        index = np.clip(index, 0, len(self.classes_) - 1)
        if not np.all(self.classes_[index] == y):
            unseen = np.setdiff1d(np.unique(y), self.classes_)
            raise ValueError(f"y holds labels {unseen[:5].tolist()} not in classes_ "
                             f"{self.classes_.tolist()}")
        if sample_weight is not None or self.class_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
            if self.class_weight is not None:
                present = self.classes_[np.unique(index)]
                per_class = compute_class_weight(self.class_weight, classes=present, y=y)
                lookup = dict(zip(present.tolist(), per_class))
                sample_weight = sample_weight * np.array([lookup[c] for c in y.tolist()])
        if first or "_random" not in self.__dict__:  # (a model read from a file has none yet)
            self._random = check_random_state(self.random_state)
        return self._fit_network(X, self._targets(index), sample_weight, first=first,
                                 epochs=1 if partial else self.epochs, rng=self._random,
                                 early_stopping=bool(self.early_stopping) and not partial,
                                 partial=partial)

    def _fit_multilabel(self, X, Y, sample_weight, *, partial, first):
        """Multilabel targets: one sigmoid unit and one binary cross-entropy per label."""
        from sklearn.utils import check_random_state
        from sklearn.utils.validation import _check_sample_weight

        if Y.shape[1] != len(self.classes_):
            raise ValueError(f"y has {Y.shape[1]} labels but the model has {len(self.classes_)} "
                             f"labels (classes_ {self.classes_.tolist()})")
        if self.class_weight is not None:
            raise ValueError("class_weight is not supported for multilabel y; pass sample_weight")
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if first:
            self._random = check_random_state(self.random_state)
        return self._fit_network(X, Y.astype(np.float64), sample_weight, first=first,
                                 epochs=1 if partial else self.epochs, rng=self._random,
                                 early_stopping=bool(self.early_stopping) and not partial,
                                 partial=partial)

    @property
    def _multilabel(self):
        """True for a multilabel indicator target (known from the network once fitted)."""
        net = self.__dict__.get("_network")
        if net is not None:
            return net.activations[-1] == "sigmoid" and net.layer_dims[-1] > 1
        return self.__dict__.get("_multilabel_target", False)

    @property
    def _output_activation(self):
        return "sigmoid" if self._multilabel or len(self.classes_) == 2 else "softmax"

    @property
    def _loss(self):
        if self._multilabel or len(self.classes_) == 2:
            return "binary_cross_entropy"
        return "categorical_cross_entropy"

    def _targets(self, index):
        if len(self.classes_) == 2:
            return index.reshape(-1, 1).astype(np.float64)
        Y = np.zeros((index.size, len(self.classes_)))
        Y[np.arange(index.size), index] = 1.0
        return Y

    #: Early stopping watches the held-out accuracy, as scikit-learn's MLPClassifier does.
    _monitor = "val_accuracy"
    _validation_scorer = None

    # --------------------------------------------------------------- prediction
    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order.

        For a multilabel model, each label's own probability (rows need not sum to 1).
        """
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32],
                          accept_sparse=("csr", "csc"))
        out = self._output(X)
        if out.shape[1] == 1:
            return np.hstack([1.0 - out, out])
        return out

    def predict_log_proba(self, X):
        """``log(predict_proba(X))``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predicted labels, shape (n_samples,), of the type of ``classes_``; for a
        multilabel model the 0/1 indicator matrix (n_samples, n_labels)."""
        proba = self.predict_proba(X)  # first: it checks that the model is fitted
        if self._multilabel:
            return (proba > 0.5).astype(np.int64)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        tags.classifier_tags.multi_label = True
        return tags
