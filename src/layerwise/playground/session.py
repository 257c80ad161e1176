"""One playground run: data, network, trainer, and the thread that plays it.

A :class:`Session` owns the current run and a background thread that calls
``Trainer.step()`` while the page says "play" -- as fast as it can, or at the
chosen number of steps per second. Every public method takes the session's
lock, so the HTTP handlers (one thread per request), the trainer thread and
the frame builder (:mod:`.frames`) never see a half-done step. Training itself
is the training core's (:class:`layerwise.training.Trainer`); nothing here
updates a parameter.

What the page changes mid-run (learning rate, optimizer and its
hyper-parameters, ``lambd``, ``keep_prob``, schedule) goes through
``Trainer.update_config`` and is logged with the step count at which it
applied, so that the exported snippet (:mod:`.codegen`) replays the run
exactly.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from dataclasses import dataclass

import numpy as np

from ..network import Network
from ..training import Trainer, TrainingDivergedError
from .datasets import parse_csv_upload
from .runs import RunData, build_config, build_data, build_network, output_layer
from .settings import (ACTIVATIONS, LIVE_KEYS, MAX_HIDDEN_LAYERS, MAX_UNITS, check_live_changes,
                       check_settings, train_config_fields)

#: Largest accepted model file upload, in bytes (64 x 64 x 8 float64 weights fit many times).
MAX_MODEL_BYTES = 4_000_000
#: How long the trainer thread holds the lock for a burst of steps (seconds):
#: short enough for the frame builder to copy the weights 30 times a second.
BURST_SECONDS = 0.004


@dataclass(frozen=True)
class View:
    """A consistent copy of what the frame builder needs, taken under the session's lock."""

    run_id: int
    version: int
    spec: dict
    flat_parameters: np.ndarray
    data: RunData
    settings: dict
    epoch: int
    steps: int
    batch: int
    steps_per_epoch: int
    playing: bool
    error: str | None
    learning_rate: float | None
    lambd: float


class Session:
    """The playground's current run and the thread that trains it.

    Parameters
    ----------
    settings : dict, optional, the page's settings (see :mod:`.settings`)
    """

    def __init__(self, settings=None):
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._csv_upload = None
        self._playing = False
        self._closed = False
        self._saved = None
        self.run_id = 0
        self.version = 0
        with self._lock:
            self._start(check_settings(settings or {}))
        self._thread = threading.Thread(target=self._play_loop, name="playground-trainer",
                                        daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ building a run
    def _start(self, settings, network=None, origin=None):
        data = build_data(settings, self._csv_upload)
        network = build_network(settings, data.n_classes) if network is None else network
        trainer = Trainer(network, build_config(settings), data.Xn_train, data.Y_train,
                          validation_data=(data.Xn_test, data.Y_test))
        self.settings, self.data, self.network, self.trainer = settings, data, network, trainer
        self.initial_settings = dict(settings)  # before any mid-run change, for the replay
        self.changes = []  # (steps at which they applied, TrainConfig fields)
        self.origin = origin  # None, or the name of an imported model file
        self.error = None
        self._playing = False
        self.run_id += 1
        self._touch()

    def _touch(self):
        self.version += 1
        self._changed.notify_all()

    def start(self, settings):
        """Start a new run with ``settings`` (validated; defaults filled in)."""
        settings = check_settings(settings)
        with self._lock:
            self._start(settings)
            return self.describe()

    def reset(self):
        """Start the current settings' run again from its first step."""
        with self._lock:
            self._start(self.settings)
            return self.describe()

    def update(self, changes):
        """Apply mid-run changes (see :data:`~.settings.LIVE_KEYS`) from the next step."""
        changes = check_live_changes(changes)
        with self._lock:
            live = {k: v for k, v in changes.items() if k in LIVE_KEYS and self.settings[k] != v}
            settings = {**self.settings, **changes}
            fields = train_config_fields(settings, live)
            if fields:
                self.trainer.update_config(**fields)
                self.changes.append((self.trainer.steps, fields))
            self.settings = settings
            self._touch()
            return self.describe()

    # ---------------------------------------------------------------------- stepping
    def _guarded(self, action):
        # A diverging run pauses with its message; the session stays usable.
        if self.trainer.stopped:
            self._playing = False
            self.error = (f"this run has stopped ({self.trainer.stop_reason}); press reset to "
                          "start it again")
        else:
            try:
                action()
            except TrainingDivergedError as exc:
                # In the page's words: the trainer's epoch budget means nothing there.
                self._playing = False
                self.error = (f"the {exc.quantity} became {exc.value} in epoch {exc.epoch}; the "
                              "network keeps its weights from before that epoch. Try a smaller "
                              "learning rate, then press reset.")
        self._touch()

    def step(self, n=1):
        """Do ``n`` mini-batch updates (1 <= n <= 10000)."""
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10000:
            raise ValueError(f"step count n must be an integer in [1, 10000]; got {n!r}")
        with self._lock:
            def steps():
                for _ in range(n):
                    self.trainer.step()
            self._guarded(steps)
            return self.describe()

    def run_epoch(self):
        """Step to the end of the current epoch (a whole epoch at a boundary)."""
        with self._lock:
            def epoch():
                start = self.trainer.epoch
                while self.trainer.epoch == start:
                    self.trainer.step()
            self._guarded(epoch)
            return self.describe()

    def play(self):
        """Let the trainer thread step until :meth:`pause`."""
        with self._lock:
            self._playing = True
            self.error = None
            self._touch()
            return self.describe()

    def pause(self):
        """Stop the trainer thread after its current step."""
        with self._lock:
            self._playing = False
            self._touch()
            return self.describe()

    def _play_loop(self):
        while True:
            with self._lock:
                while not (self._playing or self._closed):
                    self._changed.wait()
                if self._closed:
                    return
                speed = self.settings["speed"]
                try:
                    if speed:
                        self._guarded(self.trainer.step)
                    else:
                        deadline = time.perf_counter() + BURST_SECONDS
                        def burst():
                            while time.perf_counter() < deadline:
                                self.trainer.step()
                        self._guarded(burst)
                except Exception as exc:  # never let the thread die with the session
                    self._playing = False
                    self.error = f"{type(exc).__name__}: {exc}"
                    self._touch()
            # Outside the lock: let the frame builder and requests in.
            time.sleep(1.0 / speed if speed else 0.0005)

    @property
    def closed(self):
        """True after :meth:`close`."""
        return self._closed

    def close(self):
        """Stop the trainer thread (the session cannot be used afterwards)."""
        with self._lock:
            self._closed = True
            self._playing = False
            self._changed.notify_all()
        self._thread.join(timeout=5)

    # ---------------------------------------------------------------- state for frames
    def describe(self):
        """Counters and settings as a JSON-able dict (the answer to every command)."""
        with self._lock:
            return {"run": self.run_id, "version": self.version, "epoch": self.trainer.epoch,
                    "steps": self.trainer.steps, "playing": self._playing, "error": self.error,
                    "settings": self.settings, "origin": self.origin,
                    "steps_per_epoch": self.steps_per_epoch()}

    def replay(self):
        """What reproduces the run: its first settings, the changes and the step count."""
        with self._lock:
            return {"initial_settings": dict(self.initial_settings), "changes": list(self.changes),
                    "steps": self.trainer.steps, "epoch": self.trainer.epoch,
                    "n_classes": self.data.n_classes, "origin": self.origin}

    def steps_per_epoch(self):
        """Mini-batches per epoch."""
        m = self.data.X_train.shape[1]
        batch = self.settings["batch_size"] or m
        return -(-m // batch)

    def view(self):
        """A :class:`View`: a copy of the weights and counters at one instant."""
        with self._lock:
            trainer = self.trainer
            lr = trainer.learning_rate  # with the decay schedule applied
            return View(self.run_id, self.version, self.network.spec(),
                        np.array(self.network.flat_parameters, copy=True), self.data,
                        dict(self.settings), trainer.epoch, trainer.steps, trainer.batch,
                        self.steps_per_epoch(), self._playing, self.error, lr,
                        self.settings["lambd"])

    def hold(self):
        """The session's lock as a context manager: no step runs while it is held.

        The frame builder holds it while it computes a frame, so that the
        trainer thread does not compete with it for the interpreter: frames
        come first, training takes the time in between.
        """
        return self._lock

    def wait_for_change(self, version, timeout):
        """Block until the version differs from ``version`` (or ``timeout`` seconds pass)."""
        with self._lock:
            self._changed.wait_for(lambda: self.version != version or self._closed, timeout)
            return self.version

    def predict_proba(self, points):
        """The current network's output for points (2, m) of the page's plane."""
        with self._lock:
            return self.network.predict_proba(self.data.normalise(points))

    # ------------------------------------------------------------ snapshots and files
    def save_snapshot(self):
        """Remember the trainer's exact state (one slot); :meth:`restore_snapshot` goes back."""
        with self._lock:
            self._saved = (self.run_id, self.trainer.snapshot(), list(self.changes),
                           dict(self.settings))
            return self.describe()

    def restore_snapshot(self):
        """Put the trainer back to the state of :meth:`save_snapshot` (same run only)."""
        with self._lock:
            if self._saved is None or self._saved[0] != self.run_id:
                raise ValueError("no snapshot of the current run to restore; save one first")
            _, snapshot, changes, settings = self._saved
            self.trainer.restore(snapshot)
            self.changes, self.settings = list(changes), dict(settings)
            self.error = None
            self._touch()
            return self.describe()

    def upload_csv(self, data):
        """Use an uploaded CSV (bytes) as the data set and start a run on it."""
        parsed = parse_csv_upload(data)
        with self._lock:
            previous = self._csv_upload
            self._csv_upload = parsed
            try:
                self._start({**self.settings, "dataset": "csv", "classes": len(parsed[2])})
            except Exception:
                self._csv_upload = previous
                raise
            return self.describe()

    def export_model(self):
        """The current network as the bytes of a layerwise model file (``Network.save``)."""
        with self._lock:
            with tempfile.TemporaryDirectory(prefix="layerwise-playground-") as tmp:
                path = os.path.join(tmp, "model.npz")
                self.network.save(path)
                with open(path, "rb") as handle:
                    return handle.read()

    def import_model(self, data, name="model.npz"):
        """Continue from a model file (bytes written by ``Network.save``).

        The network must take 2 inputs and have the current data's output
        (1 sigmoid unit for two classes, K softmax units for K); its hidden
        layers become the page's. Training continues from its weights with a
        fresh optimizer state.
        """
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"the model upload must be bytes; got {type(data).__name__}")
        if len(data) > MAX_MODEL_BYTES:
            raise ValueError(f"the model file is {len(data)} bytes; at most {MAX_MODEL_BYTES} "
                             "are accepted")
        with tempfile.TemporaryDirectory(prefix="layerwise-playground-") as tmp:
            path = os.path.join(tmp, "upload.npz")
            with open(path, "wb") as handle:
                handle.write(bytes(data))
            network = Network.load(path)
        spec = network.spec()
        dims, activations = list(spec["layer_dims"]), list(spec["activations"])
        hidden, hidden_act = dims[1:-1], activations[:-1]
        with self._lock:
            expected = output_layer(self.data.n_classes)
            if dims[0] != 2 or (dims[-1], activations[-1]) != expected:
                raise ValueError(f"the model has layer_dims {dims} and output {activations[-1]}; "
                                 f"this data needs 2 inputs and {expected[0]} {expected[1]} "
                                 "output unit(s)")
            if not 1 <= len(hidden) <= MAX_HIDDEN_LAYERS or max(hidden) > MAX_UNITS:
                raise ValueError(f"the model's hidden layers {hidden} exceed the playground's "
                                 f"{MAX_HIDDEN_LAYERS} layers of at most {MAX_UNITS} units")
            if any(a not in ACTIVATIONS for a in hidden_act):
                raise ValueError(f"the model's hidden activations {hidden_act} are not all among "
                                 f"{', '.join(ACTIVATIONS)}")
            settings = {**self.settings, "hidden": hidden, "activations": hidden_act}
            self._start(settings, network=network, origin=os.path.basename(str(name)) or "model")
            return self.describe()
