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


# ------------------------------------------------------------------ W1: layerwise


class _EpochClock:
    """A ``fit`` callback recording the wall time of each epoch."""

    def __init__(self):
        self.times = []

    def on_train_begin(self, network):
        self._t = time.perf_counter()

    def on_epoch_end(self, network, epoch, logs):
        now = time.perf_counter()
        self.times.append(now - self._t)
        self._t = now
        return False

    def on_train_end(self, network, history):
        pass


def w1_layerwise(D, y, dims, *, batch_size, epochs, seed, lr=1e-3):
    """Train with ``Network.fit`` on ``D.T`` (the column convention, no copy).

    Returns per-epoch seconds, the training-set loss after the epochs, and the
    history's per-epoch costs.
    """
    import layerwise as lw

    net = lw.Network(dims, ["relu"] * (len(dims) - 2) + ["softmax"], dtype=np.float32, seed=seed)
    net.parameters = initial_weights(dims, seed, np.float32)
    X, Y = D.T, one_hot_columns(y, dims[-1])
    clock = _EpochClock()
    history = net.fit(X, Y, optimizer=lw.Adam(lr), batch_size=batch_size, epochs=epochs,
                      verbose=0, rng=seed, callbacks=[clock])
    loss = net.evaluate(X, Y)["cost"]
    return {"epoch_s": clock.times, "loss": loss, "history_cost": history.cost}


def w1_layerwise_memory(D, y, dims, *, batch_size, seed):
    import layerwise as lw

    net = lw.Network(dims, ["relu"] * (len(dims) - 2) + ["softmax"], dtype=np.float32, seed=seed)
    net.fit(D.T, one_hot_columns(y, dims[-1]), optimizer=lw.Adam(1e-3), batch_size=batch_size,
            epochs=1, verbose=0, rng=seed)


# ---------------------------------------------------------------------- W1: torch


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


def w1_torch(D, y, dims, *, batch_size, epochs, seed, lr=1e-3):
    """The idiomatic PyTorch CPU loop, same initial weights and same batch order.

    The permutation of each epoch is drawn exactly as layerwise's ``fit(rng=seed)``
    draws it (``RandomState(seed).permutation(m)`` once per epoch).
    """
    import torch

    X, t = torch.from_numpy(D), torch.from_numpy(y)
    model = _torch_mlp(dims, initial_weights(dims, seed, np.float32))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    order = np.random.RandomState(seed)
    m = D.shape[0]
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.from_numpy(order.permutation(m))
        for a in range(0, m, batch_size):
            idx = perm[a:a + batch_size]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[idx]), t[idx])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    with torch.no_grad():
        total = sum(float(loss_fn(model(X[a:a + 4096]), t[a:a + 4096])) * min(4096, m - a)
                    for a in range(0, m, 4096))
    return {"epoch_s": times, "loss": total / m, "threads": torch.get_num_threads()}


def w1_torch_memory(D, y, dims, *, batch_size, seed):
    w1_torch(D, y, dims, batch_size=batch_size, epochs=1, seed=seed)


# -------------------------------------------------------------------- W1: sklearn


def _sklearn_model(dims, batch_size, seed, lr=1e-3):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=tuple(dims[1:-1]), activation="relu", solver="adam",
                         alpha=0.0, batch_size=batch_size, learning_rate_init=lr, max_iter=1,
                         shuffle=True, random_state=seed, warm_start=True, tol=0.0)


def w1_sklearn(D, y, dims, *, batch_size, epochs, seed):
    """``MLPClassifier`` with warm_start: each ``fit`` call is one epoch."""
    from sklearn.exceptions import ConvergenceWarning

    clf = _sklearn_model(dims, batch_size, seed)
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(epochs):
            t0 = time.perf_counter()
            clf.fit(D, y)
            times.append(time.perf_counter() - t0)
    return {"epoch_s": times, "loss": float(clf.loss_)}


def w1_sklearn_memory(D, y, dims, *, batch_size, seed):
    w1_sklearn(D, y, dims, batch_size=batch_size, epochs=1, seed=seed)


# ----------------------------------------------------------------------- GEMM floor


def gemm_floor(m, dims, batch_size, repeats, dtype=np.float32, seed=0):
    """Seconds for the matrix products of one epoch alone, through ``np.matmul``.

    Per mini-batch of b columns: the forward ``W_l @ A_{l-1}`` of every layer, and
    in the backward ``dZ_l @ A_{l-1}^T`` for every layer and ``W_l^T @ dZ_l`` for
    every layer but the first -- the products a training step cannot avoid.
    Returns the per-repeat times (the caller takes the median).
    """
    rng = np.random.default_rng(seed)
    L = len(dims) - 1
    W = [rng.standard_normal((dims[l], dims[l - 1])).astype(dtype) for l in range(1, L + 1)]
    dW = [np.empty_like(w) for w in W]
    sizes = [min(batch_size, m - a) for a in range(0, m, batch_size)]
    bufs = {}
    for b in set(sizes):
        A = [rng.standard_normal((dims[l], b)).astype(dtype) for l in range(L + 1)]
        dA = [np.empty((dims[l], b), dtype) for l in range(L + 1)]
        bufs[b] = (A, dA)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for b in sizes:
            A, dA = bufs[b]
            for l in range(L):
                np.matmul(W[l], A[l], out=A[l + 1])
            for l in range(L - 1, -1, -1):
                np.matmul(A[l + 1], A[l].T, out=dW[l])
                if l > 0:
                    np.matmul(W[l].T, A[l + 1], out=dA[l])
        times.append(time.perf_counter() - t0)
    return times


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


def w3_point(system, D, y, dims, batch_size, steps, seed=0):
    """Seconds of one full epoch, estimated from ``steps`` mini-batches.

    Trains one warm-up and one timed epoch on the first ``steps * batch_size``
    examples and scales the timed epoch to the whole data.
    """
    n = min(D.shape[0], steps * batch_size)
    Ds, ys = D[:n], y[:n]
    scale = D.shape[0] / n
    if system == "layerwise":
        out = w1_layerwise(Ds, ys, dims, batch_size=batch_size, epochs=2, seed=seed)
        return out["epoch_s"][1] * scale
    if system == "torch":
        out = w1_torch(Ds, ys, dims, batch_size=batch_size, epochs=2, seed=seed)
        return out["epoch_s"][1] * scale
    if system == "gemm":
        return float(np.median(gemm_floor(n, dims, batch_size, 2)[1:])) * scale
    raise ValueError(system)
