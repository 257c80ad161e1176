"""``Trainer``: the one training loop of layerwise, steppable and snapshot-able.

Every fit runs through here -- ``Network.fit``, the estimators' ``fit`` and
``partial_fit``, the command line, every lab experiment, sweeps and the
playground. A trainer owns one training run of one network on one data set:

* ``step()`` does one mini-batch update (and, after an epoch's last batch,
  that epoch's bookkeeping: cost, validation, history, early stopping or
  convergence, the learning-rate schedule, callbacks);
* ``run_epoch()`` finishes the current epoch; ``run(until=...)`` runs epochs
  until the budget, a target epoch or a condition, with a progress bar;
* ``snapshot()`` / ``restore()`` copy the whole state out and back in -- a
  restored trainer continues bit for bit as if it had never stopped.

What happens when things go wrong:

* a cost, gradient or parameter that turns NaN or infinite raises
  :class:`TrainingDivergedError` naming the quantity and the epoch (counted
  from 1, as the progress bar counts), and the network keeps the parameters
  from the start of that epoch (all finite);
* Ctrl-C inside ``run()`` takes effect between two updates, never inside one
  (so the optimizer's moments are never half-updated): the run ends with
  ``history.interrupted``, the epochs completed so far recorded, and the
  trainer positioned exactly where it stopped. Every per-epoch list of the
  history always has the same length, since an epoch is recorded in one step.

Column convention: ``X`` is (n_x, m), ``Y`` is (n_y, m).
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
import warnings

import numpy as np

from ..engine import Engine
from .batches import EpochOrder, HeldOutColumns, InputColumns, ReseededRandom
from .config import MONITORS, TrainConfig
from .history import History
from .snapshot import SNAPSHOT_FORMAT, TrainerSnapshot, decode_rng, encode_rng


class TrainingDivergedError(FloatingPointError):
    """A cost, gradient or parameter became NaN or infinite during training.

    The network keeps the last parameters that were finite (those at the start
    of the failing epoch); ``history`` holds the epochs completed before.

    Attributes
    ----------
    history : History
    epoch : int, the failing epoch counted from 1
    quantity : str, e.g. "cost", "gradient dW2", "parameter W1"
    value : float, the first non-finite value found
    """

    def __init__(self, message, history, *, epoch=None, quantity=None, value=None):
        super().__init__(message)
        self.history, self.epoch, self.quantity, self.value = history, epoch, quantity, value


class Callback:
    """Base class for training callbacks; override what you need.

    ``on_epoch_end`` returning True stops training after that epoch.
    """

    def on_train_begin(self, trainer):
        pass

    def on_epoch_end(self, trainer, epoch, logs):
        return False

    def on_train_end(self, trainer, history):
        pass


def _private_generator():
    # No seed given: a generator of the trainer's own, seeded from NumPy's
    # global stream -- so np.random.seed(...) in a notebook still makes a run
    # repeatable, while snapshot/restore never touch the global state.
    return np.random.RandomState(np.random.randint(0, 2**31 - 1))


def _as_generator(rng, seed):
    if rng is None:
        return np.random.RandomState(seed) if seed is not None else _private_generator()
    if isinstance(rng, (np.random.Generator, np.random.RandomState)):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.RandomState(int(rng))
    raise TypeError("rng must be None, an int seed, a numpy.random.Generator or a "
                    f"numpy.random.RandomState; got {type(rng).__name__} {rng!r}")


def _quiet_overflow():
    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


@contextlib.contextmanager
def _interrupts_between_steps():
    """Defer SIGINT to the next step boundary (main thread only).

    Yields a one-element list that becomes ``[True]`` when Ctrl-C was pressed.
    A second Ctrl-C while the first is pending raises at once.
    """
    pending = [False]
    if threading.current_thread() is not threading.main_thread():
        yield pending
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.default_int_handler:
        # Someone (a CLI, a notebook kernel) handles SIGINT their own way: leave it to them.
        yield pending
        return

    def handler(signum, frame):
        if pending[0]:
            raise KeyboardInterrupt
        pending[0] = True

    signal.signal(signal.SIGINT, handler)
    try:
        yield pending
    finally:
        signal.signal(signal.SIGINT, previous)


class Trainer:
    """One training run of ``network`` on ``(X, Y)`` under ``config``.

    Parameters
    ----------
    network : Network
        Trained in place (its ``flat_parameters`` are the engine's storage).
    config : TrainConfig or None (the defaults)
    X : array_like, shape (n_x, m)
    Y : array_like, shape (n_y, m) (or (m,) for one output)
    validation_data : tuple (X_val, Y_val), optional
        Evaluated after every epoch; without it, ``config.validation_fraction``
        holds out part of ``(X, Y)``: the held-out columns are an index into
        ``X``, not a copy (see Notes).
    sample_weight : array_like, shape (m,), optional
        Non-negative weights multiplying each example's loss.
    callbacks : sequence of :class:`Callback`
    validation_scorer : callable ``(AL_val, Y_val) -> float``, optional
        Recorded as ``val_score`` (what ``monitor="val_score"`` watches).
    rng : None, int, Generator or RandomState, optional
        Overrides ``config.seed`` as the source of shuffles, dropout masks and
        the validation split.
    optimizer_state : dict, optional
        Start from a copy of this optimizer state (``trainer.optimizer_state``
        of an earlier run of the same optimizer, e.g. on other data, as
        ``partial_fit`` does) instead of fresh moments.
    input_scaling : tuple (mean, scale) of arrays of shape (n_x,), optional
        Standardise the inputs on the way into each mini-batch (and each
        validation chunk, ``validation_data`` included, and
        :meth:`training_objective`): the network sees
        ``(X - mean) / scale``, computed per batch as ``np.subtract(x, mean,
        out=batch)`` then ``batch /= scale`` in the network's dtype, with
        ``mean`` and ``scale`` in their own dtype -- the same numbers as
        standardising the whole of ``X`` first, without that copy. (The
        estimators pass their ``input_mean_``/``input_scale_`` here.)
    validation_index : array of int, optional
        Hold out these columns of ``X`` for validation instead of drawing a
        ``validation_fraction`` split (as :meth:`from_snapshot` repeats a
        recorded split).

    Notes
    -----
    Memory: the trainer keeps the data it was given and never copies it whole: a
    validation split is two index arrays, an epoch's order a permutation of
    the training index, and each mini-batch is gathered from ``X`` into a
    buffer of the batch's size (made dense there for a scipy.sparse ``X``, and
    standardised there with ``input_scaling``). Validation columns are
    evaluated 4096 at a time. Without shuffling, a split or ``input_scaling``
    the batches are slices of ``X``. A column-major ``X`` (``data.T`` of a
    row-major ``data``) is the fast one to gather from: each example is
    contiguous. Exceptions: full-batch training with a split or scaling
    gathers the one batch once (it is the whole training set), and
    :meth:`training_objective` gathers the training columns for its call.

    Attributes
    ----------
    history : History
    epoch : int, completed epochs
    batch : int, index of the next batch within the current epoch
    steps : int, updates done
    stopped : bool; stop_reason : None or str
    X, Y, sample_weight : the data as given (checked), validation columns included
    validation_data : None, the checked ``(X_val, Y_val)``, or the
        :class:`~layerwise.training.batches.HeldOutColumns` of a split (or of
        ``validation_data`` with ``input_scaling``)
    """

    def __init__(self, network, config=None, X=None, Y=None, *, validation_data=None,
                 sample_weight=None, callbacks=(), validation_scorer=None, rng=None,
                 optimizer_state=None, input_scaling=None, validation_index=None):
        config = TrainConfig() if config is None else config
        if not isinstance(config, TrainConfig):
            raise TypeError(f"config must be a TrainConfig; got {type(config).__name__}")
        if X is None or Y is None:
            raise TypeError("Trainer needs the training data X and Y")
        if config.dtype is not None and config.dtype != network.dtype.name:
            raise ValueError(f"config.dtype is {config.dtype} but the network is "
                             f"{network.dtype.name}")
        self.network = network
        self._rng = _as_generator(rng, config.seed)
        X, Y = network.check_data(X, Y, check_targets=config.check_targets)
        Y = np.ascontiguousarray(Y)  # batches take its columns
        sample_weight = self._check_weights(sample_weight, X.shape[1])
        scaling = self._check_scaling(input_scaling, X.shape[0])
        columns = InputColumns(X, scaling)
        self._val_index = self._train_index = None
        if validation_data is not None:
            if validation_index is not None:
                raise TypeError("give validation_data or validation_index, not both")
            if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
                raise TypeError("validation_data must be a pair (X_val, Y_val)")
            validation_data = network.check_data(*validation_data,
                                                 check_targets=config.check_targets)
            if scaling is not None:  # standardised as the training inputs are
                X_val, Y_val = validation_data
                validation_data = HeldOutColumns(InputColumns(X_val, scaling),
                                                 np.ascontiguousarray(Y_val),
                                                 np.arange(X_val.shape[1]))
        elif validation_index is not None or config.validation_fraction is not None:
            if validation_index is not None:
                index = self._check_index(validation_index, X.shape[1])
            else:
                index = self._split(Y, X.shape[1], config.validation_fraction)
            self._val_index = index
            self._train_index = np.setdiff1d(np.arange(X.shape[1]), index, assume_unique=True)
            # The held-out columns stay in X: evaluated chunk by chunk from it.
            validation_data = HeldOutColumns(columns, Y, index)
        # X, Y and sample_weight are the data as given (validation columns included).
        self.X, self.Y, self.sample_weight = X, Y, sample_weight
        self._columns = columns
        self.validation_data = validation_data
        self.validation_scorer = validation_scorer
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not hasattr(cb, "on_epoch_end"):
                raise TypeError(f"callbacks must be Callback objects; got {type(cb).__name__}")
        self.history = History()
        self.steps = 0
        self.batch = 0
        self.stopped = False
        self.stop_reason = None
        self._began = False
        self._finished = False
        self._last_loss = None
        self._apply_config(config, initial=True)
        if optimizer_state is not None:
            self._adopt_optimizer_state(optimizer_state)

    def _adopt_optimizer_state(self, state):
        fresh = self._state
        if set(state) != set(fresh):
            raise ValueError(f"optimizer_state has entries {sorted(state)}; a {self.config.optimizer} "
                             f"state has {sorted(fresh)}")
        for key, value in state.items():
            if isinstance(value, dict):
                for name, array in value.items():
                    if not key.startswith("buf"):
                        fresh[key][name][...] = array
            else:
                fresh[key] = value

    # ------------------------------------------------------------------ set-up
    @staticmethod
    def _check_weights(sample_weight, m):
        if sample_weight is None:
            return None
        try:
            w = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise TypeError("sample_weight must be an array of numbers; got "
                            f"{type(sample_weight).__name__}") from None
        if w.shape[0] != m:
            raise ValueError(f"sample_weight has {w.shape[0]} entries but X has {m} examples")
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError("sample_weight must be finite and non-negative")
        return w

    @staticmethod
    def _check_scaling(input_scaling, n_x):
        if input_scaling is None:
            return None
        if not (isinstance(input_scaling, (tuple, list)) and len(input_scaling) == 2):
            raise TypeError("input_scaling must be a pair (mean, scale) of arrays of shape "
                            f"(n_x,); got {type(input_scaling).__name__}")
        arrays = []
        for name, value in zip(("mean", "scale"), input_scaling):
            a = np.asarray(value)
            if a.dtype.kind != "f" or a.shape not in ((n_x,), (n_x, 1)):
                raise ValueError(f"input_scaling {name} must be a float array of shape ({n_x},); "
                                 f"got {a.dtype} {a.shape}")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"input_scaling {name} must be finite")
            arrays.append(a.reshape(-1))
        if np.any(arrays[1] == 0):
            raise ValueError("input_scaling scale must be non-zero")
        return tuple(arrays)

    @staticmethod
    def _check_index(index, m):
        index = np.asarray(index)
        if index.ndim != 1 or index.dtype.kind not in "iu":
            raise TypeError(f"validation_index must be a 1-D array of column indices; got "
                            f"{index.dtype} of shape {index.shape}")
        index = np.unique(index)
        if len(index) < 1 or index[0] < 0 or index[-1] >= m or len(index) >= m:
            raise ValueError(f"validation_index must hold distinct columns in [0, {m}) and leave "
                             f"some for training; got {len(index)} entries")
        return index.astype(np.intp)

    def _split(self, Y, m, fraction):
        """The held-out columns of a ``fraction`` split (sorted), stratified for classifiers."""
        n_val = int(math.ceil(fraction * m))
        if n_val < 2 or m - n_val < 1:
            raise ValueError(f"validation_fraction {fraction} of {m} examples holds out {n_val}; "
                             "a validation set needs at least 2 examples and the training set 1")
        labels = None
        output = self.network.activations[-1]
        # Stratified by class; a multilabel target (several sigmoid units) is
        # split at random, as scikit-learn's MLPClassifier does.
        if output == "softmax" or (output == "sigmoid" and Y.shape[0] == 1):
            labels = Y.argmax(axis=0) if Y.shape[0] > 1 else Y[0]
        return self._validation_index(m, n_val, labels)

    def _validation_index(self, m, n_val, labels):
        """Indices of the held-out columns: stratified by label when each class has 2+ examples."""
        if labels is not None:
            values, counts = np.unique(labels, return_counts=True)
            if counts.min() >= 2 and n_val >= len(values) and m - n_val >= len(values):
                from sklearn.model_selection import train_test_split

                seed = int(self._rng.randint(0, 2**31 - 1)) if hasattr(self._rng, "randint") \
                    else int(self._rng.integers(0, 2**31 - 1))
                _, index = train_test_split(np.arange(m), test_size=n_val, stratify=labels,
                                            random_state=seed)
                return np.sort(index)
        return np.sort(self._rng.permutation(m)[:n_val])

    def _apply_config(self, config, initial=False):
        """Take ``config`` into use (at construction, or mid-run from :meth:`update_config`)."""
        net = self.network
        keep = config.keep_probs(len(net.layer_dims) - 2)
        old = None if initial else self.config
        if not initial:
            if self.batch and (config.batch_size, config.shuffle) != (old.batch_size, old.shuffle):
                raise ValueError("batch_size and shuffle can change only between epochs")
            for fixed in ("mean_in_output_delta", "output_delta", "clip_probabilities",
                          "skip_nan_losses", "check_targets", "dtype", "validation_fraction",
                          "seed"):
                if getattr(config, fixed) != getattr(old, fixed):
                    raise ValueError(f"{fixed} is fixed when a trainer is built; build a new "
                                     "trainer to change it")
        monitor = config.monitor
        if monitor is None:
            monitor = "val_cost" if self.validation_data is not None else "cost"
        if config.early_stopping and monitor.startswith("val") and self.validation_data is None:
            raise ValueError(f"early stopping monitors {monitor!r}, which needs validation_data "
                             "or validation_fraction")
        if config.early_stopping and monitor == "val_score" and self.validation_scorer is None:
            raise ValueError("monitor 'val_score' needs a validation_scorer")
        if config.early_stopping and monitor == "val_accuracy" and \
                net.activations[-1] not in ("sigmoid", "softmax"):
            raise ValueError("monitor 'val_accuracy' needs a classification output (sigmoid or "
                             f"softmax); the network's output is {net.activations[-1]}")
        # Checked: from here on the config is taken into use.
        self.config = config
        self._keep = keep if any(k < 1.0 for k in keep) else None
        self._schedule = config.make_schedule()
        self._monitor = monitor
        self._sign = 1.0 if MONITORS[monitor] == "min" else -1.0
        self._raise_on_divergence = config.on_divergence == "raise"
        self._dropout_rng = None if config.dropout_seed is None else ReseededRandom(
            config.dropout_seed)
        if initial:
            self._engine = Engine(net.layer_dims, net.activations, net.loss, net.dtype,
                                  storage=net.flat_parameters,
                                  mean_in_delta=config.mean_in_output_delta,
                                  fused_delta=config.output_delta == "fused",
                                  clip=config.clip_probabilities,
                                  skip_nan=config.skip_nan_losses)
            self._params, self._grads = self._engine.flat_params, self._engine.flat_grads
            self._order = self._epoch_order(config)
            self._new_optimizer(config)
            self._lr0 = config.resolved_learning_rate
            self._lr = self._lr0
            self._epoch_start = net.flat_parameters.copy()
            self._perm = None
            self._loss_total = self._penalty_total = self._seconds = 0.0
            self._best = math.inf
            self._patience_best = math.inf
            self._wait = 0
            self._best_epoch = None
            self._best_theta = None
            return
        if (config.batch_size, config.shuffle) != (old.batch_size, old.shuffle):
            self._order = self._epoch_order(config)
        optimizer_fields = ("optimizer", "beta", "beta1", "beta2", "epsilon")
        if config.optimizer != old.optimizer:
            self._new_optimizer(config)
        elif any(getattr(config, f) != getattr(old, f) for f in optimizer_fields):
            state = self._state
            self._optimizer = config.make_optimizer()
            self._state = state  # same kind: its moments carry over
        if config.learning_rate != old.learning_rate or config.optimizer != old.optimizer:
            self._lr0 = self._lr = config.resolved_learning_rate
        self._optimizer.learning_rate = self._lr

    def _epoch_order(self, config):
        m = self.X.shape[1] if self._train_index is None else len(self._train_index)
        return EpochOrder(self._columns, self.Y, self.sample_weight, self._train_index,
                          config.batch_size or m, config.shuffle)

    def _new_optimizer(self, config):
        self._optimizer = config.make_optimizer()
        self._state = self._optimizer.init(self._params)

    # ---------------------------------------------------------------- changes
    def update_config(self, **changes):
        """Change settings mid-run; they apply from the next step.

        Learning rate, optimizer hyper-parameters, ``lambd``, ``keep_prob``,
        the schedule and the stopping rules can change at any step; a new
        ``optimizer`` kind starts from fresh moments; ``batch_size`` and
        ``shuffle`` only between epochs. Returns the new config.
        """
        config = self.config.replace(**changes)
        self._apply_config(config)
        return config

    @property
    def epoch(self):
        """Completed epochs."""
        return self.history.epochs

    @property
    def learning_rate(self):
        """The learning rate of the next step."""
        return self._lr

    @property
    def optimizer_state(self):
        """The optimizer's state (moments and step count), live."""
        return self._state

    @property
    def gradients(self):
        """The gradients of the latest step, a dict ``dW1, db1, ...`` of views."""
        return self._engine.grads

    # ------------------------------------------------------------------- steps
    def step(self):
        """One mini-batch update; returns ``{"epoch", "batch", "loss", "epoch_end"}``.

        ``epoch`` counts from 0 (the epoch this batch belongs to); when the batch
        was the epoch's last, the epoch's bookkeeping is done too and the logs
        of the epoch are added under ``"logs"``.
        """
        self._ensure_running()
        epoch, batch = self.epoch, self.batch
        with _quiet_overflow():
            logs = self._step()
        out = {"epoch": epoch, "batch": batch, "loss": self._last_loss, "epoch_end": logs is not None}
        if logs is not None:
            out["logs"] = logs
        return out

    def _ensure_running(self):
        if self.stopped:
            raise RuntimeError(f"this trainer has stopped ({self.stop_reason}); build a new one "
                               "or restore a snapshot to continue")
        if not self._began:
            self._began = True
            for cb in self.callbacks:
                if hasattr(cb, "on_train_begin"):
                    cb.on_train_begin(self)

    def _step(self):
        # One update; returns the epoch's logs after its last batch, else None.
        # Callers hold _quiet_overflow(): overflow is how divergence shows, and it
        # is reported as one clear error instead of a stream of RuntimeWarnings.
        order = self._order
        if self.batch == 0:
            self._begin_epoch()
        Xb, Yb, Wb = order.batch(self.batch)
        rng = self._rng if self._dropout_rng is None else self._dropout_rng.restart()
        lambd = self.config.lambd
        started = time.perf_counter()
        loss = self._engine.forward_backward(Xb, Yb, keep_prob=self._keep, rng=rng,
                                             lambd=lambd, sample_weight=Wb)
        if not math.isfinite(loss) and self._raise_on_divergence:
            self._diverged("cost", loss)
        if lambd:
            # The L2 term of this batch's objective, on the same parameters
            # as its loss (before the update), weighted by the batch's share
            # of the epoch (exactly 1.0 for a full batch).
            mb = Xb.shape[1]
            self._penalty_total += self._engine.l2_penalty(lambd, mb) * (mb / order.m)
        self._optimizer.update(self._grads, self._state, self._params)
        self._seconds += time.perf_counter() - started
        self._loss_total += loss
        self._last_loss = loss / Xb.shape[1]
        self.steps += 1
        self.batch += 1
        if self.batch == order.n_batches:
            return self._end_epoch()
        return None

    def _begin_epoch(self):
        self._epoch_start[...] = self.network.flat_parameters
        self._loss_total = self._penalty_total = self._seconds = 0.0
        if self._order.shuffle:
            if self.config.shuffle_seed is not None:
                source = np.random.RandomState(self.config.shuffle_seed + self.epoch)
                self._perm = source.permutation(self._order.m)
            else:
                self._perm = self._rng.permutation(self._order.m)
            self._order.arrange(self._perm)
        self._optimizer.learning_rate = self._lr

    def _end_epoch(self):
        epoch = self.epoch  # from 0: the epoch just finished
        m = self._order.m
        # (1/m) * sum, as the course's compute_cost rounds it: its printed digits come out.
        cost = (1.0 / m) * self._loss_total + self._penalty_total
        if self._raise_on_divergence:
            if not math.isfinite(cost):
                self._diverged("cost", cost)
            if not np.isfinite(self.network.flat_parameters).all():
                self._diverged(*self._first_non_finite())
        val_cost = val_accuracy = val_score = None
        if self.validation_data is not None:
            val_cost, val_accuracy, val_score = self._evaluate_validation()
        # One append records the whole epoch: the lists can never disagree.
        self.history.append((cost, self._lr, val_cost, val_accuracy, val_score, self._seconds))
        self.batch = 0
        logs = {"cost": cost, "learning_rate": self._lr, "val_cost": val_cost,
                "val_accuracy": val_accuracy, "val_score": val_score}
        self._watch(epoch, logs)
        if self._schedule is not None:
            self._lr = float(self._schedule(self._lr0, epoch))
            self._optimizer.learning_rate = self._lr
        stop = False
        for cb in self.callbacks:
            stop = bool(cb.on_epoch_end(self, epoch, logs)) or stop
        if stop and not self.stopped:
            self._stop("callback")
        return logs

    def _evaluate_validation(self):
        """``(val_cost, val_accuracy, val_score)`` of the current parameters."""
        # Finite parameters can still overflow on other data; that is a
        # result (an infinite validation cost), not something to warn about.
        if isinstance(self.validation_data, HeldOutColumns):
            Yv = self.validation_data.Y
            AL = self.validation_data.output(self.network.forward_output)
        else:
            Xv, Yv = self.validation_data
            AL = self.network.forward_output(Xv)
        metrics = self.network.output_metrics(AL, Yv)
        val_score = None
        if self.validation_scorer is not None:
            val_score = float(self.validation_scorer(AL, Yv))
        return metrics["cost"], metrics["accuracy"], val_score

    def _watch(self, epoch, logs):
        """Early stopping (a validation quantity) or convergence (the training cost)."""
        config = self.config
        if config.early_stopping:
            value, sign = logs[self._monitor], self._sign
        elif config.tol is not None:
            value, sign = logs["cost"], 1.0
        else:
            return
        v = math.inf if value is None or not math.isfinite(value) else sign * value
        # Patience counts as scikit-learn's MLP does: against the best value
        # before this epoch, an improvement must exceed tol.
        tol = config.tol or 0.0
        self._wait = self._wait + 1 if v > self._patience_best - tol else 0
        self._patience_best = min(self._patience_best, v)
        if config.early_stopping and v < self._best:  # strict: ties keep the earliest
            self._best, self._best_epoch = v, epoch
            if config.restore_best:
                if self._best_theta is None:
                    self._best_theta = self.network.flat_parameters.copy()
                else:
                    self._best_theta[...] = self.network.flat_parameters
        if self._wait > config.n_iter_no_change:
            if config.early_stopping:
                self.history.stopped_early = True
                self._stop("early_stopping")
            else:
                self.history.converged = True
                self._stop("converged")

    def _stop(self, reason):
        self.stopped = True
        self.stop_reason = reason
        self.history.stop_reason = reason

    # ---------------------------------------------------------------- failure
    def _first_non_finite(self):
        for key, view in self.network.parameters.items():
            bad = view[~np.isfinite(view)]
            if bad.size:
                grad = self._engine.grads["d" + key]
                gbad = grad[~np.isfinite(grad)]
                if gbad.size:
                    return f"gradient d{key}", float(gbad[0])
                return f"parameter {key}", float(bad[0])
        return "parameters", math.nan

    def _diverged(self, quantity, value):
        if quantity == "cost" and not np.isfinite(self.network.flat_parameters).all():
            quantity, value = self._first_non_finite()
        epoch = self.epoch + 1
        self.network.flat_parameters[...] = self._epoch_start
        self.batch = 0
        self._stop("diverged")
        raise TrainingDivergedError(
            f"the {quantity} became {value} in epoch {epoch} of {self.config.epochs}; the "
            "network keeps the parameters from before that epoch. Try a smaller learning_rate "
            f"(now {self._lr:g}).", self.history, epoch=epoch, quantity=quantity, value=value)

    # -------------------------------------------------------------------- runs
    def run_epoch(self):
        """Finish the current epoch (a whole one at an epoch boundary); returns its logs."""
        self._ensure_running()
        with _quiet_overflow():
            while True:
                logs = self._step()
                if logs is not None:
                    return logs

    def run(self, until=None):
        """Run epochs; returns the :class:`History`.

        Parameters
        ----------
        until : None, int or callable
            None: up to ``config.epochs`` completed epochs, then :meth:`finish`.
            An int: up to that many completed epochs in all (finishing when it
            reaches ``config.epochs``). A callable ``trainer -> bool``: checked
            after every epoch, True ends the run.

        Early stopping, convergence or a callback may end the run sooner. Ctrl-C
        ends it between two updates (``history.interrupted``) with a warning.
        """
        budget = self.config.epochs
        target = budget if until is None or callable(until) else int(until)
        condition = until if callable(until) else None
        if self.epoch >= target and not self.stopped:
            if target >= budget:
                self.finish()
            return self.history
        self._ensure_running()
        progress = _Progress(self) if self.config.verbose else None
        try:
            with _interrupts_between_steps() as interrupt, _quiet_overflow():
                step = self._step
                while not self.stopped and self.epoch < target:
                    logs = step()
                    if interrupt[0]:
                        raise KeyboardInterrupt
                    if logs is not None:
                        if progress is not None:
                            progress.update()
                        if condition is not None and condition(self):
                            break
        except KeyboardInterrupt:
            self.history.interrupted = True
            self._stop("interrupted")
            warnings.warn(f"training interrupted after {self.epoch} complete epochs; the network "
                          "keeps what it has learned so far", RuntimeWarning, stacklevel=2)
        finally:
            if progress is not None:
                progress.close()
        if self.stopped or self.epoch >= budget:
            self.finish()
        return self.history

    def finish(self):
        """End the run: restore the best weights (early stopping) and call ``on_train_end``.

        Called by :meth:`run` when the run ends; idempotent.
        """
        if self._finished:
            return self.history
        self._finished = True
        if self.history.stop_reason is None:
            self.history.stop_reason = "epochs"
        if self.config.tol is not None and not self.config.early_stopping \
                and self.history.converged is None:
            self.history.converged = False
        if self.config.early_stopping and self.config.restore_best and self._best_theta is not None:
            self.network.flat_parameters[...] = self._best_theta
            self.history.best_epoch = self._best_epoch
        for cb in self.callbacks:
            if hasattr(cb, "on_train_end"):
                cb.on_train_end(self, self.history)
        return self.history

    def training_objective(self):
        """The objective over all training data at the current parameters, no update.

        The same quantity an update minimises -- the mean loss plus the L2 term,
        with the training protocol's dropout (masks from the trainer's random
        source, or the course's reseeded one) -- on one full-batch forward pass.
        With a validation split or ``input_scaling`` the training columns are
        gathered for this call (a copy of them while it runs).
        """
        X, Y, sample_weight = self._order.training_data()
        rng = self._rng if self._dropout_rng is None else self._dropout_rng.restart()
        with _quiet_overflow():
            loss = self._engine.forward_backward(X, Y, keep_prob=self._keep, rng=rng,
                                                 lambd=self.config.lambd,
                                                 sample_weight=sample_weight)
        m = X.shape[1]
        return loss / m + self._engine.l2_penalty(self.config.lambd, m)

    # --------------------------------------------------------------- snapshots
    def snapshot(self):
        """The exact state of this trainer, as a :class:`TrainerSnapshot`."""
        arrays = {"theta": self.network.flat_parameters}
        optimizer = {}
        for key, value in self._state.items():
            if key.startswith("buf"):
                continue  # scratch space, rewritten by every step
            if isinstance(value, dict):
                for name, array in value.items():
                    arrays[f"optimizer/{key}/{name}"] = array
                optimizer[key] = sorted(value)
            else:
                optimizer[key] = value
        if self.batch and self._perm is not None:
            arrays["permutation"] = self._perm
        if self.batch:
            arrays["epoch_start"] = self._epoch_start
        if self._best_theta is not None:
            arrays["best_theta"] = self._best_theta
        if self._val_index is not None:
            arrays["validation_index"] = self._val_index
        try:
            config = self.config.to_dict()
        except TypeError:
            config = None  # a callable schedule: restore() keeps the trainer's own config
        meta = {
            "format": SNAPSHOT_FORMAT,
            "network": self.network.spec(),
            "config": config,
            "history": self.history.to_dict(),
            "batch": self.batch, "steps": self.steps, "m": int(self._order.m),
            "learning_rate": self._lr, "learning_rate0": self._lr0,
            "loss_total": self._loss_total, "penalty_total": self._penalty_total,
            "seconds": self._seconds,
            "optimizer": optimizer,
            "stopped": self.stopped, "stop_reason": self.stop_reason,
            "finished": self._finished, "began": self._began,
            "watch": {"best": _json_float(self._best), "patience_best": _json_float(self._patience_best),
                      "wait": self._wait, "best_epoch": self._best_epoch},
            "rng": encode_rng(self._rng, arrays),
        }
        return TrainerSnapshot(arrays, meta)

    def restore(self, snapshot):
        """Put this trainer (and its network) in the state of ``snapshot``.

        The network must have the same layers and the data the same number of
        examples as when the snapshot was taken; the config comes from the
        snapshot.
        """
        if not isinstance(snapshot, TrainerSnapshot):
            raise TypeError(f"snapshot must be a TrainerSnapshot; got {type(snapshot).__name__}")
        meta, arrays = snapshot.meta, snapshot.arrays
        spec = self.network.spec()
        for key in ("layer_dims", "activations", "loss", "dtype"):
            if meta["network"][key] != spec[key]:
                raise ValueError(f"the snapshot's network has {key} {meta['network'][key]} but this "
                                 f"trainer's has {spec[key]}")
        if meta["m"] != self._order.m:
            raise ValueError(f"the snapshot was taken on {meta['m']} training examples; this "
                             f"trainer has {self._order.m}")
        if meta["config"] is not None:
            config = TrainConfig.from_dict(meta["config"])
            self._apply_config_for_restore(config)
        self.network.flat_parameters[...] = arrays["theta"]
        self._state = self._optimizer.init(self._params)
        for key, value in meta["optimizer"].items():
            if isinstance(value, list):
                for name in value:
                    self._state[key][name][...] = arrays[f"optimizer/{key}/{name}"]
            else:
                self._state[key] = value
        self.history = History.from_dict(meta["history"])
        self.batch, self.steps = meta["batch"], meta["steps"]
        self._lr, self._lr0 = meta["learning_rate"], meta["learning_rate0"]
        self._optimizer.learning_rate = self._lr
        self._loss_total, self._penalty_total = meta["loss_total"], meta["penalty_total"]
        self._seconds = meta["seconds"]
        self.stopped, self.stop_reason = meta["stopped"], meta["stop_reason"]
        self._finished, self._began = meta["finished"], meta["began"]
        watch = meta["watch"]
        self._best, self._patience_best = float(watch["best"]), float(watch["patience_best"])
        self._wait, self._best_epoch = watch["wait"], watch["best_epoch"]
        self._best_theta = arrays["best_theta"].copy() if "best_theta" in arrays else None
        self._rng = decode_rng(meta["rng"], arrays)
        self._perm = arrays["permutation"].copy() if "permutation" in arrays else None
        if "epoch_start" in arrays:
            self._epoch_start[...] = arrays["epoch_start"]
        if self.batch and self._order.shuffle:
            self._order.arrange(self._perm)
        return self

    def _apply_config_for_restore(self, config):
        # Like update_config, but position-independent (batch_size may differ
        # from the trainer's before the restore).
        batch = self.batch
        self.batch = 0
        try:
            self._apply_config(config)
        finally:
            self.batch = batch

    @classmethod
    def from_snapshot(cls, snapshot, network, X, Y, *, validation_data=None, sample_weight=None,
                      callbacks=(), validation_scorer=None, input_scaling=None):
        """A trainer in the state of ``snapshot`` for ``network``, on the same data.

        Parameters
        ----------
        snapshot : TrainerSnapshot
        network : Network with the snapshot's layers, e.g.
            ``Network.from_spec(snapshot.network_spec)``; its parameters are
            overwritten with the snapshot's
        X, Y : the data the snapshot's trainer was built with (before any
            validation split, which the snapshot records and repeats)
        input_scaling : the snapshot's trainer's ``input_scaling``, if any
        """
        if snapshot.meta["config"] is None:
            raise ValueError("this snapshot's config has a callable lr_schedule and cannot be "
                             "rebuilt; restore it into a trainer built with that config")
        config = TrainConfig.from_dict(snapshot.meta["config"])
        index = snapshot.arrays.get("validation_index")
        if validation_data is not None:
            index = None  # the caller's validation data replaces the recorded split
        trainer = cls(network, config, X, Y, validation_data=validation_data,
                      sample_weight=sample_weight, callbacks=callbacks,
                      validation_scorer=validation_scorer, rng=0, validation_index=index,
                      input_scaling=input_scaling)
        trainer.restore(snapshot)
        return trainer


def _json_float(x):
    return x if math.isfinite(x) else ("inf" if x > 0 else "-inf")


class _Progress:
    """A rich progress bar over epochs: cost, validation accuracy, time spent and at most left."""

    def __init__(self, trainer):
        from rich.progress import (BarColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        self.trainer = trainer
        stops_early = trainer.config.early_stopping or trainer.config.tol is not None
        left = "at most" if stops_early else "left"
        self.bar = Progress(TextColumn("epoch {task.completed}/{task.total}"), BarColumn(),
                            TextColumn("{task.fields[info]}"), TextColumn("elapsed"),
                            TimeElapsedColumn(), TextColumn(left), TimeRemainingColumn(),
                            transient=False)
        self.bar.start()
        self.task = self.bar.add_task("fit", total=trainer.config.epochs,
                                      completed=trainer.epoch, info="")

    def update(self):
        history = self.trainer.history
        info = f"cost {history.last('cost'):.4f}"
        accuracy = history.last("val_accuracy")
        if accuracy is not None:
            info += f"  val acc {accuracy:.3f}"
        self.bar.update(self.task, completed=self.trainer.epoch, info=info)

    def close(self):
        self.bar.stop()
