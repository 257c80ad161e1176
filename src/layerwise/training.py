"""The training loop behind ``Network.fit``: epochs, mini-batches, schedules,
validation, callbacks, early stopping, and what happens when things go wrong.

Kept apart from :mod:`layerwise.network` so that each part stays small: the
network knows its layers; this module knows how an epoch runs.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from ._checks import check_positive_int


class TrainingDivergedError(FloatingPointError):
    """The cost became NaN or infinite during ``fit``.

    The network keeps the last parameters that were finite (those at the start
    of the failing epoch); ``history`` holds the epochs completed before.
    """

    def __init__(self, message, history):
        super().__init__(message)
        self.history = history


@dataclass
class History:
    """What ``fit`` records, one entry per completed epoch.

    Attributes
    ----------
    cost : list of float
        Training objective of each epoch: the mean per-example loss over the
        epoch's mini-batches (each on the forward pass before its update), plus
        the L2 term.
    val_cost, val_accuracy : list of float
        On ``validation_data`` after each epoch (empty without it).
    learning_rate : list of float, the rate used in each epoch
    stopped_early : bool
    interrupted : bool, True if Ctrl-C ended the fit
    best_epoch : int or None, the epoch restored by early stopping
    """

    cost: list = field(default_factory=list)
    val_cost: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    learning_rate: list = field(default_factory=list)
    stopped_early: bool = False
    interrupted: bool = False
    best_epoch: int | None = None

    @property
    def epochs(self):
        """Number of completed epochs."""
        return len(self.cost)


class Callback:
    """Base class for ``fit`` callbacks; override what you need.

    ``on_epoch_end`` returning True stops training after that epoch.
    """

    def on_train_begin(self, network):
        pass

    def on_epoch_end(self, network, epoch, logs):
        return False

    def on_train_end(self, network, history):
        pass


class EarlyStopping(Callback):
    """Stop when a monitored value has not improved for ``patience`` epochs.

    Parameters
    ----------
    monitor : {"val_cost", "cost"}, default "val_cost"
    patience : int, default 10
    min_delta : float, default 0, the improvement that counts
    restore_best : bool, default True, put back the best epoch's parameters
    """

    def __init__(self, monitor="val_cost", patience=10, min_delta=0.0, restore_best=True):
        if monitor not in ("val_cost", "cost"):
            raise ValueError(f"monitor must be 'val_cost' or 'cost'; got {monitor!r}")
        self.monitor = monitor
        self.patience = check_positive_int("patience", patience)
        self.min_delta = float(min_delta)
        self.restore_best = restore_best

    def on_train_begin(self, network):
        self.best = math.inf
        self.best_epoch = None
        self.best_params = None
        self.wait = 0

    def on_epoch_end(self, network, epoch, logs):
        value = logs.get(self.monitor)
        if value is None:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, which needs validation_data")
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self.best_params = network._engine.theta.copy()
            return False
        self.wait += 1
        return self.wait >= self.patience

    def on_train_end(self, network, history):
        if self.restore_best and self.best_params is not None:
            network._engine.theta[...] = self.best_params
            history.best_epoch = self.best_epoch


def _progress(verbose, epochs):
    if not verbose:
        return None
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(TextColumn("epoch {task.completed}/{task.total}"), BarColumn(),
                        TextColumn("{task.fields[info]}"), TimeRemainingColumn(),
                        transient=False)
    progress.start()
    return progress


def batch_slices(m, batch_size):
    """``slice`` objects over ``range(m)``: consecutive, the last one partial if need be."""
    return [slice(start, min(start + batch_size, m)) for start in range(0, m, batch_size)]


class _EpochOrder:
    """The columns of ``X``, ``Y`` (and weights) in each epoch's order, as mini-batch views.

    Shuffling gathers the whole epoch once, into buffers allocated once per
    ``fit`` (so memory stays at the data plus one copy), and every mini-batch
    is then a slice of them -- contiguous when ``X`` stores its columns
    contiguously, as ``data.T`` of a row-major ``data`` does. Without
    shuffling the batches are slices of the data itself and nothing is copied.
    """

    def __init__(self, X, Y, sample_weight, slices, shuffle):
        self.shuffle = shuffle and len(slices) > 1
        self.arrays = [X, Y] + ([] if sample_weight is None else [sample_weight])
        if self.shuffle:
            # Gather along a C-contiguous leading axis: np.take would otherwise
            # copy its input first. An F-ordered X (columns contiguous) is
            # gathered through its transpose, a row-major array.
            self._sources, self._buffers, views = [], [], []
            for a in self.arrays:
                if a.ndim == 2 and a.flags.f_contiguous and not a.flags.c_contiguous:
                    src, axis = a.T, 0
                else:
                    src, axis = np.ascontiguousarray(a), a.ndim - 1
                out = np.empty_like(src, order="C")
                self._sources.append((src, axis, out))
                views.append(out.T if axis == 0 else out)
        else:
            views = self.arrays
        X_e, Y_e = views[0], views[1]
        W_e = views[2] if sample_weight is not None else None
        self.batches = [(X_e[:, sl], Y_e[:, sl], None if W_e is None else W_e[sl]) for sl in slices]

    def new_epoch(self, rng):
        """Draw this epoch's permutation (if shuffling) and gather the data into it."""
        if self.shuffle:
            perm = rng.permutation(self.arrays[0].shape[1])
            for src, axis, out in self._sources:
                # mode="clip" lets take write straight into out (with "raise"
                # it buffers); perm holds valid indices only.
                np.take(src, perm, axis=axis, out=out, mode="clip")
        return self.batches


def run_epochs(network, X, Y, *, optimizer, learning_rate0, epochs, batch_size, lambd, keep_prob,
               schedule, validation_data, callbacks, verbose, rng, shuffle, sample_weight=None):
    """Train ``network`` in place; return its :class:`History` (see ``Network.fit``)."""
    engine = network._engine
    m = X.shape[1]
    batch_size = m if batch_size is None else batch_size
    slices = batch_slices(m, batch_size)
    keep = keep_prob if any(k < 1.0 for k in keep_prob) else None
    params, grads = engine.flat_params, engine.flat_grads
    state = network._optimizer_state(optimizer)
    order = _EpochOrder(X, Y, sample_weight, slices, shuffle)
    forward_backward, update = engine.forward_backward, optimizer.update
    isfinite = math.isfinite
    history = History()
    network.history_ = history
    for cb in callbacks:
        cb.on_train_begin(network)
    progress = _progress(verbose, epochs)
    task = progress.add_task("fit", total=epochs, info="") if progress else None
    lr = learning_rate0
    snapshot = engine.theta.copy()
    try:
        for epoch in range(epochs):
            optimizer.learning_rate = lr
            snapshot[...] = engine.theta
            batches = order.new_epoch(rng)
            loss_total = penalty_total = 0.0
            # Overflow is how divergence shows; it is detected below and reported
            # as one clear error instead of a stream of RuntimeWarnings.
            with np.errstate(over="ignore", invalid="ignore"):
                for Xb, Yb, Wb in batches:
                    loss_total += forward_backward(Xb, Yb, keep_prob=keep, rng=rng, lambd=lambd,
                                                   sample_weight=Wb)
                    if not isfinite(loss_total):
                        break
                    if lambd:
                        # The L2 term of this batch's objective, on the same parameters
                        # as its loss (before the update), weighted by the batch's share.
                        mb = Xb.shape[1]
                        penalty_total += engine.l2_penalty(lambd, mb) * mb
                    update(grads, state, params)
            cost = (loss_total + penalty_total) / m
            if not (math.isfinite(cost) and np.isfinite(engine.theta).all()):
                engine.theta[...] = snapshot
                raise TrainingDivergedError(
                    f"the cost became {cost} in epoch {epoch}; the network keeps the parameters "
                    f"from before that epoch. Try a smaller learning_rate (now {lr:g}).",
                    history)
            history.cost.append(cost)
            history.learning_rate.append(lr)
            logs = {"cost": cost, "learning_rate": lr}
            # Finite parameters can still overflow on other data; that is a result
            # (an infinite validation cost), not something to warn about per epoch.
            with np.errstate(over="ignore", invalid="ignore"):
                if validation_data is not None:
                    val = network._evaluate_checked(*validation_data)
                    history.val_cost.append(val["cost"])
                    history.val_accuracy.append(val.get("accuracy"))
                    logs["val_cost"], logs["val_accuracy"] = val["cost"], val.get("accuracy")
                if progress:
                    info = f"cost {cost:.4f}"
                    if "val_accuracy" in logs and logs["val_accuracy"] is not None:
                        info += f"  val acc {logs['val_accuracy']:.3f}"
                    progress.update(task, advance=1, info=info)
                stop = False
                for cb in callbacks:
                    stop = bool(cb.on_epoch_end(network, epoch, logs)) or stop
            if stop:
                history.stopped_early = True
                break
            if schedule is not None:
                lr = float(schedule(learning_rate0, epoch))
    except KeyboardInterrupt:
        if not np.isfinite(engine.theta).all():
            engine.theta[...] = snapshot
        history.interrupted = True
        warnings.warn(f"fit interrupted after {history.epochs} complete epochs; the network keeps "
                      "what it has learned so far", RuntimeWarning, stacklevel=3)
    finally:
        # The schedule changed the optimizer's rate epoch by epoch; give the
        # caller's object back as it came, so a second fit starts at lr0 again.
        optimizer.learning_rate = learning_rate0
        if progress:
            progress.stop()
    for cb in callbacks:
        cb.on_train_end(network, history)
    return history
