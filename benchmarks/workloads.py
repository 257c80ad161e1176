"""The benchmark's workloads: seeded data, and one timed runner per system.

Every runner returns plain numbers (seconds, losses) so that ``run.py`` can
put them in its table and JSON. Nothing here is imported by the package.

Systems
-------
layerwise  ``Network.fit`` -- the public API, its loop included.
torch      the idiomatic CPU loop: tensors, ``nn.Sequential``, ``optim``,
           mini-batches by indexing a shuffled permutation.
sklearn    ``MLPClassifier(solver="adam")``, one ``fit`` per epoch (warm_start).
gemm       the matrix products of the same epoch alone (``np.matmul``).
hand       a minimal hand-written NumPy loop of the same step (W2), written as
           the course notes write it.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

# ----------------------------------------------------------------------------- data


def mnist_like(m, n_x, n_classes=10, seed=0, separation=0.08):
    """Row-major ``(m, n_x)`` float32 features and int labels: Gaussian classes.

    Class means are ``separation`` standard deviations apart per feature, so a
    784-feature problem is learnable but not solved in one epoch. Built in
    chunks so that no temporary as large as the data is ever made.
    """
    rng = np.random.default_rng(seed)
    centers = (rng.standard_normal((n_classes, n_x)) * separation).astype(np.float32)
    y = rng.integers(0, n_classes, m)
    X = np.empty((m, n_x), dtype=np.float32)
    for a in range(0, m, 4096):
        b = min(a + 4096, m)
        rng.standard_normal((b - a, n_x), dtype=np.float32, out=X[a:b])
        X[a:b] += centers[y[a:b]]
    return X, y


def one_hot_columns(y, n_classes, dtype=np.float32):
    """``(n_classes, m)`` one-hot targets in layerwise's column convention."""
    Y = np.zeros((n_classes, y.size), dtype=dtype)
    Y[y, np.arange(y.size)] = 1
    return Y


def moons(m, seed=0):
    """The notes' 2-D two-moons data: ``(2, m)`` float64 and ``(1, m)`` labels."""
    from sklearn.datasets import make_moons

    X, y = make_moons(m, noise=0.2, random_state=seed)
    return np.ascontiguousarray(X.T), y.reshape(1, -1).astype(np.float64)


def initial_weights(dims, seed, dtype):
    """He-initialised parameters shared by every system of a workload."""
    import layerwise as lw

    return lw.initialize_parameters_deep(dims, "he", rng=seed, dtype=dtype)


# ------------------------------------------------------------------------------- W1
#
# Each system trains in its own worker process (see ``workers.py``): a library
# that changes something process-wide cannot slow another one down. The parent
# still runs them in rounds, one epoch each (layerwise, PyTorch, scikit-learn,
# GEMM floor, then the next round), so that a burst of load from elsewhere on
# the machine lands on all of them alike. Each runner below is built inside its
# worker from the same seeded data and the same initial weights; ``train`` runs
# the epochs and calls ``between(epoch)`` after each, outside the clock (that is
# where the worker reports the epoch and waits for the next one).


class LayerwiseW1:
    """layerwise's public API: one ``Network.fit`` call over all epochs, loop included.

    It trains on ``D.T`` (the column convention, no copy), from the same initial
    weights as PyTorch and in the same batch order (``fit(rng=seed)``).
    """

    def __init__(self, D, y, dims, *, batch_size, seed, lr=1e-3):
        import layerwise as lw

        self.lw = lw
        self.net = lw.Network(dims, ["relu"] * (len(dims) - 2) + ["softmax"], dtype=np.float32,
                              seed=seed)
        self.net.parameters = initial_weights(dims, seed, np.float32)
        self.X, self.Y = D.T, one_hot_columns(y, dims[-1])
        self.lr, self.batch_size, self.seed = lr, batch_size, seed
        self.times = []

    def train(self, epochs, between):
        self.net.fit(self.X, self.Y, optimizer=self.lw.Adam(self.lr), batch_size=self.batch_size,
                     epochs=epochs, verbose=0, rng=self.seed,
                     callbacks=[_EpochClock(self.times, between)])

    def loss(self):
        return self.net.evaluate(self.X, self.Y)["cost"]


class _EpochClock:
    """``fit`` callback: times each epoch and calls ``between(epoch)`` off the clock."""

    def __init__(self, times, between):
        self.times, self.between = times, between

    def on_train_begin(self, network):
        self._t = time.perf_counter()

    def on_epoch_end(self, network, epoch, logs):
        self.times.append(time.perf_counter() - self._t)
        self.between(epoch)
        self._t = time.perf_counter()
        return False

    def on_train_end(self, network, history):
        pass


class _EpochRunner:
    """``train`` for the systems that run one epoch per ``epoch()`` call."""

    def train(self, epochs, between):
        for epoch in range(epochs):
            self.epoch()
            between(epoch)


class TorchW1(_EpochRunner):
    """The idiomatic PyTorch CPU loop, same initial weights and same batch order.

    Each epoch's permutation is drawn exactly as layerwise's ``fit(rng=seed)``
    draws it (``RandomState(seed).permutation(m)``, once per epoch).
    """

    def __init__(self, D, y, dims, *, batch_size, seed, lr=1e-3):
        import torch

        self.torch = torch
        self.X, self.t = torch.from_numpy(D), torch.from_numpy(y)
        self.model = _torch_mlp(dims, initial_weights(dims, seed, np.float32))
        self.opt = torch.optim.Adam(self.model.parameters(), lr=lr)
        self.loss_fn = torch.nn.CrossEntropyLoss()
        self.order = np.random.RandomState(seed)
        self.batch_size = batch_size
        self.times = []

    def epoch(self):
        X, t, bs, opt, model, loss_fn = (self.X, self.t, self.batch_size, self.opt, self.model,
                                         self.loss_fn)
        m = X.shape[0]
        t0 = time.perf_counter()
        perm = self.torch.from_numpy(self.order.permutation(m))
        for a in range(0, m, bs):
            idx = perm[a:a + bs]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[idx]), t[idx])
            loss.backward()
            opt.step()
        self.times.append(time.perf_counter() - t0)

    def loss(self):
        X, t, m = self.X, self.t, self.X.shape[0]
        with self.torch.no_grad():
            total = sum(float(self.loss_fn(self.model(X[a:a + 4096]), t[a:a + 4096]))
                        * min(4096, m - a) for a in range(0, m, 4096))
        return total / m

    def info(self):
        return {"threads": self.torch.get_num_threads()}


class SklearnW1(_EpochRunner):
    """``MLPClassifier(solver="adam")`` with warm_start: each ``fit`` call is one epoch."""

    def __init__(self, D, y, dims, *, batch_size, seed, lr=1e-3):
        from sklearn.neural_network import MLPClassifier

        self.D, self.y = D, y
        self.clf = MLPClassifier(hidden_layer_sizes=tuple(dims[1:-1]), activation="relu",
                                 solver="adam", alpha=0.0, batch_size=batch_size,
                                 learning_rate_init=lr, max_iter=1, shuffle=True,
                                 random_state=seed, warm_start=True, tol=0.0)
        self.times = []

    def epoch(self):
        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            t0 = time.perf_counter()
            self.clf.fit(self.D, self.y)
            self.times.append(time.perf_counter() - t0)

    def loss(self):
        from sklearn.metrics import log_loss

        return float(log_loss(self.y, self.clf.predict_proba(self.D), labels=self.clf.classes_))


class GemmW1(_EpochRunner):
    """The matrix products of one epoch alone, through ``np.matmul``.

    Per mini-batch of b columns: the forward ``W_l @ A_{l-1}`` of every layer,
    and in the backward ``dZ_l @ A_{l-1}^T`` for every layer and ``W_l^T @ dZ_l``
    for every layer but the first -- the products no training step can avoid.
    Only the data's size matters, so ``D`` and ``y`` are not read.
    """

    def __init__(self, D, y, dims, *, batch_size, seed=0, lr=None, dtype=np.float32):
        m = D.shape[0]
        rng = np.random.default_rng(seed)
        L = len(dims) - 1
        self.L = L
        self.W = [rng.standard_normal((dims[l], dims[l - 1])).astype(dtype) for l in range(1, L + 1)]
        self.dW = [np.empty_like(w) for w in self.W]
        self.sizes = [min(batch_size, m - a) for a in range(0, m, batch_size)]
        self.bufs = {}
        for b in set(self.sizes):
            A = [rng.standard_normal((dims[l], b)).astype(dtype) for l in range(L + 1)]
            dA = [np.empty((dims[l], b), dtype) for l in range(L + 1)]
            self.bufs[b] = (A, dA)
        self.times = []

    def epoch(self):
        W, dW, L = self.W, self.dW, self.L
        t0 = time.perf_counter()
        for b in self.sizes:
            A, dA = self.bufs[b]
            for l in range(L):
                np.matmul(W[l], A[l], out=A[l + 1])
            for l in range(L - 1, -1, -1):
                np.matmul(A[l + 1], A[l].T, out=dW[l])
                if l > 0:
                    np.matmul(W[l].T, A[l + 1], out=dA[l])
        self.times.append(time.perf_counter() - t0)


#: The runner of each W1 system, by the name the workers and the JSON use.
W1_SYSTEMS = {"layerwise": LayerwiseW1, "torch": TorchW1, "sklearn": SklearnW1, "gemm": GemmW1}


def w1_interleaved(workers, data, dims, *, batch_size, epochs, seed, m=None, lr=1e-3):
    """W1 for every system of ``workers``, epoch by epoch in rounds.

    Parameters
    ----------
    workers : workers.Workers, one process per system (layerwise's among them)
    data : tuple (m_data, n_x, data_seed), the ``mnist_like`` call each worker makes
    m : int, optional, train on the first ``m`` examples only (default all)

    Returns ``{system: {"epoch_s": [...], "loss": ..., "loss_first_epoch": ...}}``.
    """
    spec = {"data": tuple(data), "m": m or data[0], "dims": list(dims), "batch_size": batch_size,
            "epochs": epochs, "seed": seed, "lr": lr}
    return workers.run(spec)


def w1_layerwise_memory(D, y, dims, *, batch_size, seed):
    import layerwise as lw

    net = lw.Network(dims, ["relu"] * (len(dims) - 2) + ["softmax"], dtype=np.float32, seed=seed)
    net.fit(D.T, one_hot_columns(y, dims[-1]), optimizer=lw.Adam(1e-3), batch_size=batch_size,
            epochs=1, verbose=0, rng=seed)


def w1_torch_memory(D, y, dims, *, batch_size, seed):
    TorchW1(D, y, dims, batch_size=batch_size, seed=seed).epoch()


def w1_sklearn_memory(D, y, dims, *, batch_size, seed):
    SklearnW1(D, y, dims, batch_size=batch_size, seed=seed).epoch()


def _torch_mlp(dims, params):
    import torch

    layers = []
    for l in range(1, len(dims)):
        lin = torch.nn.Linear(dims[l - 1], dims[l])
        if params is not None:
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(params[f"W{l}"])))
                lin.bias.copy_(torch.from_numpy(params[f"b{l}"].ravel()))
        layers.append(lin)
        if l < len(dims) - 1:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


# ----------------------------------------------------------------------------- W2

W2_NETS = {
    "gd": {"dims": [2, 20, 3, 1], "m": 200, "batch_size": None, "optimizer": "gd", "lr": 0.3},
    "adam": {"dims": [2, 5, 2, 1], "m": 300, "batch_size": 64, "optimizer": "adam", "lr": 0.0007},
}


def _w2_setup(name, seed):
    spec = W2_NETS[name]
    X, Y = moons(spec["m"], seed)
    params = initial_weights(spec["dims"], seed, np.float64)
    return spec, X, Y, params


def _steps_per_epoch(spec):
    bs = spec["batch_size"] or spec["m"]
    return -(-spec["m"] // bs)


def w2_layerwise(name, epochs, seed=0):
    """Seconds per step of ``Network.fit`` (the relu/.../sigmoid net of the notes)."""
    import layerwise as lw

    spec, X, Y, params = _w2_setup(name, seed)
    net = lw.Network(spec["dims"], seed=seed)
    net.parameters = params
    opt = lw.get_optimizer(spec["optimizer"], spec["lr"])
    t0 = time.perf_counter()
    net.fit(X, Y, optimizer=opt, batch_size=spec["batch_size"], epochs=epochs, verbose=0,
            rng=seed)
    return (time.perf_counter() - t0) / (epochs * _steps_per_epoch(spec))


def w2_hand(name, epochs, seed=0):
    """Seconds per step of a minimal NumPy loop: course-style expressions, no checks."""
    spec, X, Y, params = _w2_setup(name, seed)
    L = len(spec["dims"]) - 1
    W = [params[f"W{l}"].copy() for l in range(1, L + 1)]
    b = [params[f"b{l}"].copy() for l in range(1, L + 1)]
    lr, m, bs = spec["lr"], spec["m"], spec["batch_size"] or spec["m"]
    adam = spec["optimizer"] == "adam"
    if adam:
        vW = [np.zeros_like(w) for w in W]; vb = [np.zeros_like(c) for c in b]  # noqa: E702
        sW = [np.zeros_like(w) for w in W]; sb = [np.zeros_like(c) for c in b]  # noqa: E702
        b1, b2, eps, t = 0.9, 0.999, 1e-8, 0
    rng = np.random.RandomState(seed)

    def step(Xb, Yb):
        nonlocal t
        n = Xb.shape[1]
        A, Zs = [Xb], []
        for l in range(L):
            Z = W[l] @ A[-1] + b[l]
            Zs.append(Z)
            A.append(np.maximum(Z, 0) if l < L - 1 else 1 / (1 + np.exp(-Z)))
        AL = A[-1]
        cost = -np.sum(Yb * np.log(AL) + (1 - Yb) * np.log(1 - AL)) / n
        dZ = AL - Yb
        for l in range(L - 1, -1, -1):
            dW = dZ @ A[l].T / n
            db = np.sum(dZ, axis=1, keepdims=True) / n
            if l > 0:
                dZ = (W[l].T @ dZ) * (Zs[l - 1] > 0)
            if adam:
                if l == L - 1:
                    t += 1
                vW[l] = b1 * vW[l] + (1 - b1) * dW
                vb[l] = b1 * vb[l] + (1 - b1) * db
                sW[l] = b2 * sW[l] + (1 - b2) * dW ** 2
                sb[l] = b2 * sb[l] + (1 - b2) * db ** 2
                W[l] -= lr * (vW[l] / (1 - b1 ** t)) / (np.sqrt(sW[l] / (1 - b2 ** t)) + eps)
                b[l] -= lr * (vb[l] / (1 - b1 ** t)) / (np.sqrt(sb[l] / (1 - b2 ** t)) + eps)
            else:
                W[l] -= lr * dW
                b[l] -= lr * db
        return cost

    t0 = time.perf_counter()
    for _ in range(epochs):
        if bs < m:
            perm = rng.permutation(m)
            Xs, Ys = X[:, perm], Y[:, perm]
            for a in range(0, m, bs):
                step(Xs[:, a:a + bs], Ys[:, a:a + bs])
        else:
            step(X, Y)
    return (time.perf_counter() - t0) / (epochs * _steps_per_epoch(spec))


def w2_torch(name, epochs, seed=0):
    """Seconds per step of the same net in PyTorch (float64, like the notes)."""
    import torch

    spec, X, Y, params = _w2_setup(name, seed)
    model = _torch_mlp(spec["dims"], params).double()
    Xt, Yt = torch.from_numpy(np.ascontiguousarray(X.T)), torch.from_numpy(np.ascontiguousarray(Y.T))
    opt = (torch.optim.Adam(model.parameters(), lr=spec["lr"]) if spec["optimizer"] == "adam"
           else torch.optim.SGD(model.parameters(), lr=spec["lr"]))
    loss_fn = torch.nn.BCEWithLogitsLoss()
    m, bs = spec["m"], spec["batch_size"] or spec["m"]
    rng = np.random.RandomState(seed)

    def step(xb, yb):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss.item()

    t0 = time.perf_counter()
    for _ in range(epochs):
        if bs < m:
            perm = torch.from_numpy(rng.permutation(m))
            for a in range(0, m, bs):
                idx = perm[a:a + bs]
                step(Xt[idx], Yt[idx])
        else:
            step(Xt, Yt)
    return (time.perf_counter() - t0) / (epochs * _steps_per_epoch(spec))


# ----------------------------------------------------------------------------- W3


def w3_point(workers, data, dims, batch_size, steps, seed=0):
    """Seconds of one epoch over all ``data[0]`` examples, per system, estimated from a subset.

    Trains one warm-up and one timed epoch (in rounds, each system in its
    worker, as W1) on the first ``steps * batch_size`` examples of ``data``
    (``(m_data, n_x, data_seed)``) and scales the timed epoch to all of them.
    """
    n = min(data[0], steps * batch_size)
    out = w1_interleaved(workers, data, dims, batch_size=batch_size, epochs=2, seed=seed, m=n)
    return {k: v["epoch_s"][1] * data[0] / n for k, v in out.items()}
