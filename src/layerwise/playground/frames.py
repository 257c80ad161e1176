"""What the page draws, computed with NumPy from a :class:`~.session.View`.

A frame is one JSON object. Large arrays travel as base64 of little-endian
``uint8`` or ``float32`` bytes (a tenth of the size of JSON numbers, and
decoded in the page with one ``atob`` and a typed-array view):

* ``boundary`` -- the network's output over a ``res x res`` grid of the plane:
  for two classes ``round(255 * p)`` with ``p`` the probability of class 1;
  for K classes the arg-max class per cell followed by ``round(255 * p_max)``;
* ``neurons`` -- per hidden layer, every unit's activation over a coarser grid,
  each unit scaled by its largest absolute value (sent as ``scale``) to
  ``round(127.5 * (a / scale + 1))``;
* ``weights`` / ``biases`` -- per layer, ``W[l]`` (n_l x n_{l-1}, row-major) and ``b[l]``;
* curves -- train and test loss and accuracy, and the Frobenius norm of every
  ``dW[l]`` of the full-batch objective (with the L2 term, without dropout),
  one point per frame, thinned to at most :data:`MAX_CURVE_POINTS`.

:class:`FrameStream` builds frames in its own thread, at most
:data:`MAX_FPS` a second and only when the session changed, and hands the
latest one to every waiting client (the server's event streams).
"""

from __future__ import annotations

import base64
import json
import threading
import time

import numpy as np

from ..network import Network
from ..propagation import L_model_backward, L_model_forward, linear_activation_forward

MAX_FPS = 30
BOUNDARY_RES = 64
#: Each unit's map is drawn from a 32 x 32 grid, or a 16 x 16 one for nets with
#: more than MANY_UNITS hidden units, whose thumbnails are a few pixels wide.
NEURON_RES, NEURON_RES_MANY, MANY_UNITS = 32, 16, 48
MAX_CURVE_POINTS = 400


def b64(array, dtype):
    """Base64 of ``array`` as contiguous little-endian ``dtype`` bytes.

    Values outside the type's range (a diverging run's weights) are clipped to
    it, NaN becomes 0 for integer types.
    """
    dtype = np.dtype(dtype)
    array = np.asarray(array)
    limits = np.iinfo(dtype) if dtype.kind in "iu" else np.finfo(dtype)
    if array.dtype.kind == "f":
        array = np.clip(np.nan_to_num(array, nan=0.0) if dtype.kind in "iu" else array,
                        limits.min, limits.max)
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype.newbyteorder("<"))
                            .tobytes()).decode("ascii")


def plane_domain(data):
    """A square ``[x0, x1, y0, y1]`` holding every point (train and test) with a margin."""
    X = np.hstack([data.X_train, data.X_test])
    low, high = X.min(axis=1), X.max(axis=1)
    centre, half = (low + high) / 2, max(float((high - low).max()) / 2, 1e-6) * 1.1
    return [float(centre[0] - half), float(centre[0] + half),
            float(centre[1] - half), float(centre[1] + half)]


def grid(domain, res):
    """Cell centres of a ``res x res`` grid over ``domain``, shape (2, res*res), row 0 at the top."""
    x0, x1, y0, y1 = domain
    xs = x0 + (np.arange(res) + 0.5) * (x1 - x0) / res
    ys = y1 - (np.arange(res) + 0.5) * (y1 - y0) / res
    gx, gy = np.meshgrid(xs, ys)
    return np.vstack([gx.ravel(), gy.ravel()])


def encode_output(AL):
    """The boundary bytes for the network's output AL (n_out, cells); see the module docstring."""
    if AL.shape[0] == 1:
        return b64(np.rint(255 * np.clip(AL[0], 0, 1)), np.uint8)
    classes = np.argmax(AL, axis=0)
    confidence = np.rint(255 * np.clip(AL.max(axis=0), 0, 1))
    return b64(np.concatenate([classes, confidence]), np.uint8)


def hidden_activations(parameters, activations, X):
    """Every hidden layer's activation for inputs ``X`` (n_x, m): a list of (n_l, m) arrays."""
    out, A = [], X
    for l, activation in enumerate(activations[:-1], start=1):
        A, _ = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], activation)
        out.append(A)
    return out


def gradient_norms(parameters, activations, loss, X, Y, lambd):
    """``||dW[l]||_F`` for every layer of the full-batch objective (with L2, without dropout)."""
    with np.errstate(all="ignore"):
        AL, caches = L_model_forward(X, parameters, activations)
        grads = L_model_backward(AL, Y, caches, loss=loss, lambd=lambd, activations=activations)
    return [float(np.linalg.norm(grads[f"dW{l}"])) for l in range(1, len(activations) + 1)]


class Curves:
    """Points of the curves, one per frame, thinned by halves past a bound."""

    KEYS = ("x", "loss_train", "loss_test", "acc_train", "acc_test")

    def __init__(self, n_layers):
        self.series = {k: [] for k in self.KEYS}
        self.grad_norms = [[] for _ in range(n_layers)]
        self.last_x = None

    def add(self, x, values, norms):
        if x == self.last_x:
            return
        self.last_x = x
        self.series["x"].append(x)
        for key in self.KEYS[1:]:
            self.series[key].append(values[key])
        for series, value in zip(self.grad_norms, norms):
            series.append(value)
        if len(self.series["x"]) > MAX_CURVE_POINTS:
            # Keep every other point but always the newest.
            for key in self.KEYS:
                self.series[key] = self.series[key][-1::-2][::-1]
            self.grad_norms = [s[-1::-2][::-1] for s in self.grad_norms]

    def to_json(self):
        return {**self.series, "grad_norms": self.grad_norms}


def _finite(value):
    return float(value) if value is not None and np.isfinite(value) else None


class FrameBuilder:
    """Turns views of one run into frames (keeps that run's curves and grids)."""

    def __init__(self, view):
        self.run_id = view.run_id
        self.domain = plane_domain(view.data)
        self.fine = view.data.normalise(grid(self.domain, BOUNDARY_RES))
        hidden_units = sum(view.spec["layer_dims"][1:-1])
        self.neuron_res = NEURON_RES if hidden_units <= MANY_UNITS else NEURON_RES_MANY
        self.coarse = view.data.normalise(grid(self.domain, self.neuron_res))
        self.network = Network.from_spec(view.spec)
        self.curves = Curves(len(view.spec["layer_dims"]) - 1)

    def build(self, view):
        """The frame (a JSON-able dict) for ``view``."""
        net = self.network
        net.flat_parameters[...] = view.flat_parameters
        params = {k: np.asarray(v, dtype=np.float64) for k, v in net.parameters.items()}
        activations, data = list(view.spec["activations"]), view.data
        with np.errstate(all="ignore"):
            train = net.evaluate(data.Xn_train, data.Y_train)
            test = net.evaluate(data.Xn_test, data.Y_test)
            AL = net.predict_proba(self.fine)
            hidden = hidden_activations(params, activations, self.coarse)
        norms = gradient_norms(params, activations, view.spec["loss"], data.Xn_train,
                               data.Y_train, view.lambd)
        values = {"loss_train": _finite(train["cost"]), "loss_test": _finite(test["cost"]),
                  "acc_train": _finite(train["accuracy"]), "acc_test": _finite(test["accuracy"])}
        x = view.steps / view.steps_per_epoch
        self.curves.add(x, values, [_finite(n) for n in norms])
        neurons, scales = [], []
        for A in hidden:
            scale = np.max(np.abs(A), axis=1, keepdims=True)
            scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
            neurons.append(b64(np.rint(127.5 * (np.clip(A / scale, -1, 1) + 1)), np.uint8))
            scales.append([float(s) for s in scale.ravel()])
        L = len(activations)
        return {
            "type": "frame", "run": view.run_id, "version": view.version,
            "epoch": view.epoch, "steps": view.steps, "batch": view.batch,
            "steps_per_epoch": view.steps_per_epoch, "playing": view.playing,
            "error": view.error, "layer_dims": list(view.spec["layer_dims"]),
            "activations": activations, **values, "domain": self.domain,
            "boundary": {"res": BOUNDARY_RES, "data": encode_output(AL)},
            "neurons": {"res": self.neuron_res, "layers": neurons, "scale": scales},
            "weights": [b64(params[f"W{l}"], np.float32) for l in range(1, L + 1)],
            "biases": [b64(params[f"b{l}"], np.float32) for l in range(1, L + 1)],
            "curves": self.curves.to_json(), "time": time.time(),
        }


def data_message(view):
    """The run's points and classes (sent once per run, not in every frame)."""
    data = view.data
    return {"type": "data", "run": view.run_id, "labels": list(data.labels),
            "n_classes": data.n_classes, "domain": plane_domain(data),
            "train": {"x": b64(data.X_train.T, np.float32), "y": b64(data.y_train, np.uint8)},
            "test": {"x": b64(data.X_test.T, np.float32), "y": b64(data.y_test, np.uint8)}}


class FrameStream:
    """Builds the latest frame of a session in a thread, at most ``max_fps`` a second.

    Clients call :meth:`wait` with the sequence number of the last frame they
    had and get the next one (or None on timeout / close).
    """

    def __init__(self, session, max_fps=MAX_FPS):
        self.session = session
        self.interval = 1.0 / max_fps
        self._cond = threading.Condition()
        self._latest = None  # (seq, run id, frame JSON bytes, the run's data JSON bytes)
        self._seq = 0
        self._closed = False
        self._builder = None
        self._data_payload = None
        self.last_error = None
        self.build_seconds = []  # the last builds' durations, for the server's log
        self._thread = threading.Thread(target=self._loop, name="playground-frames", daemon=True)
        self._thread.start()

    def frame_now(self):
        """Build and return a frame for the session's current state (also published)."""
        with self.session.hold():
            view = self.session.view()
            if self._builder is None or self._builder.run_id != view.run_id:
                self._builder = FrameBuilder(view)
                self._data_payload = json.dumps(data_message(view), separators=(",", ":")).encode()
            started = time.perf_counter()
            frame = self._builder.build(view)
        self.build_seconds = (self.build_seconds + [time.perf_counter() - started])[-50:]
        payload = json.dumps(frame, separators=(",", ":"), allow_nan=False).encode()
        with self._cond:
            self._seq += 1
            self._latest = (self._seq, view.run_id, payload, self._data_payload)
            self._cond.notify_all()
        return frame

    def _loop(self):
        version = None
        # Frames are paced against a deadline (due, due + interval, ...), not by
        # sleeping an interval after each one: the wake-up and wait overheads would
        # otherwise add up and hold the rate below max_fps (28 instead of 30).
        due = time.perf_counter()
        while not (self._closed or self.session.closed):
            current = self.session.version
            if current != version:
                version = current
                try:
                    self.frame_now()
                except Exception as exc:  # a frame that cannot be built must not stop the stream
                    self.last_error = f"{type(exc).__name__}: {exc}"
            due += self.interval
            now = time.perf_counter()
            if due > now:
                time.sleep(due - now)
            else:
                due = now  # behind (a slow frame): start counting again from here
            if self.session.wait_for_change(version, 1.0) == version:
                due = time.perf_counter()  # idle for a while: no catching up afterwards

    def wait(self, seq, timeout=15.0):
        """The next frame after ``seq``: ``(seq, run id, frame bytes, data bytes)``, or None."""
        with self._cond:
            ok = self._cond.wait_for(
                lambda: self._closed or (self._latest is not None and self._latest[0] != seq),
                timeout)
            if not ok or self._closed:
                return None
            return self._latest

    def close(self):
        self._closed = True
        with self._cond:
            self._cond.notify_all()
        self._thread.join(timeout=5)
