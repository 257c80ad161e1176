"""The notebooks' plots, drawn lazily and never needing a display.

The course's ``model`` and loader functions plot as a side effect. Here they
draw with matplotlib only when it is importable, through whatever backend is
active; under a non-interactive backend (``Agg``, as in tests and scripts) the
figure is closed instead of shown, so nothing accumulates and nothing warns.
"""

from __future__ import annotations

import numpy as np


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # plotting is a side effect; the numbers do not need it
        return None
    return plt


def _show(plt):
    import matplotlib

    if matplotlib.get_backend().lower() in ("agg", "pdf", "ps", "svg", "cairo", "template"):
        plt.close("all")
    else:
        plt.show()


def scatter(x, y, labels):
    """The loaders' scatter plot of the training points, coloured by label."""
    plt = _pyplot()
    if plt is None:
        return
    plt.figure()
    plt.scatter(x, y, c=np.ravel(labels), s=40, cmap=plt.cm.Spectral)
    _show(plt)


def plot_costs(costs, learning_rate=0.0075, *, xlabel="iterations (per hundreds)"):
    """The cost curve the course's models plot after training."""
    plt = _pyplot()
    if plt is None:
        return
    plt.figure()
    plt.plot(np.squeeze(costs))
    plt.ylabel("cost")
    plt.xlabel(xlabel)
    plt.title("Learning rate =" + str(learning_rate))
    _show(plt)


def plot_decision_boundary(model, X, y):
    """Colour the plane by ``model(points)`` (points as rows) and scatter ``X`` (2, m) on top."""
    plt = _pyplot()
    if plt is None:
        return
    x_min, x_max = X[0, :].min() - 1, X[0, :].max() + 1
    y_min, y_max = X[1, :].min() - 1, X[1, :].max() + 1
    xx, yy = np.meshgrid(np.arange(x_min, x_max, 0.01), np.arange(y_min, y_max, 0.01))
    Z = np.asarray(model(np.c_[xx.ravel(), yy.ravel()])).reshape(xx.shape)
    plt.figure()
    plt.contourf(xx, yy, Z, cmap=plt.cm.Spectral)
    plt.ylabel("x2")
    plt.xlabel("x1")
    plt.scatter(X[0, :], X[1, :], c=np.ravel(y), cmap=plt.cm.Spectral)
    _show(plt)


def print_mislabeled_images(classes, X, y, p):
    """Show the pictures (columns of ``X``, 64x64x3) where ``p`` differs from ``y``."""
    plt = _pyplot()
    if plt is None:
        return
    a = p + y
    mislabeled = np.asarray(np.where(a == 1))
    num_images = len(mislabeled[0])
    plt.figure(figsize=(40.0, 40.0))
    for i in range(num_images):
        index = mislabeled[1][i]
        plt.subplot(2, num_images, i + 1)
        plt.imshow(X[:, index].reshape(64, 64, 3), interpolation="nearest")
        plt.axis("off")
        plt.title("Prediction: " + classes[int(p[0, index])].decode("utf-8") + " \n Class: "
                  + classes[y[0, index]].decode("utf-8"))
    _show(plt)
