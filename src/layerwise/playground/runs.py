"""What one playground run is made of: its data, its network and its TrainConfig.

Pure functions of the page's settings (see :mod:`.settings`), shared by the
session (:mod:`.session`) and the exported snippet (:mod:`.codegen`), so the
two build a run the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data import Standardizer, one_hot
from ..network import Network
from ..training import TrainConfig
from .datasets import make_dataset, split
from .settings import train_config_fields

#: The trainer's epoch budget: the page plays until paused, so this is only a
#: bound that no session reaches.
EPOCH_BUDGET = 10**7


@dataclass(frozen=True)
class RunData:
    """The data of one run, in the network's coordinates and in the page's.

    Attributes
    ----------
    X_train, X_test : ndarray, shape (2, m), the points as drawn (the page's plane)
    y_train, y_test : ndarray of int64, shape (m,)
    Xn_train, Xn_test : ndarray, shape (2, m), what the network sees (standardised or not)
    Y_train, Y_test : ndarray, shape (n_out, m), targets (0/1 row, or one-hot)
    n_classes : int; labels : list of str (class names)
    mean, scale : ndarray, shape (2, 1), the input transform ``(x - mean) / scale``
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    Xn_train: np.ndarray
    Xn_test: np.ndarray
    Y_train: np.ndarray
    Y_test: np.ndarray
    n_classes: int
    labels: list
    mean: np.ndarray
    scale: np.ndarray

    def normalise(self, X):
        """The network's input for points ``X`` (2, m) of the page's plane."""
        return (np.asarray(X, dtype=np.float64) - self.mean) / self.scale


def targets(y, n_classes):
    """Labels (m,) -> the network's targets: a 0/1 row for two classes, else one-hot (K, m)."""
    if n_classes == 2:
        return y.reshape(1, -1).astype(np.float64)
    return one_hot(y, n_classes).astype(np.float64)


def build_data(settings, csv_upload=None):
    """Draw (or take the uploaded) points, split them and standardise them."""
    if settings["dataset"] == "csv":
        if csv_upload is None:
            raise ValueError("dataset 'csv' needs an uploaded CSV file first (upload one, or pick "
                             "another data set)")
        X, y, labels = csv_upload
    else:
        X, y = make_dataset(settings["dataset"], settings["points"], settings["noise"],
                            settings["classes"], settings["seed"])
        labels = [str(k) for k in range(int(y.max()) + 1)]
    n_classes = len(labels)
    X_train, y_train, X_test, y_test = split(X, y, settings["train_fraction"], settings["seed"])
    if settings["standardize"]:
        scaler = Standardizer().fit(X_train)
        mean, scale = scaler.mean_, scaler.scale_
    else:
        mean, scale = np.zeros((2, 1)), np.ones((2, 1))
    return RunData(X_train, y_train, X_test, y_test, (X_train - mean) / scale,
                   (X_test - mean) / scale, targets(y_train, n_classes), targets(y_test, n_classes),
                   n_classes, labels, mean, scale)


def output_layer(n_classes):
    """Units and activation of the output layer for a task of ``n_classes`` classes."""
    return (1, "sigmoid") if n_classes == 2 else (n_classes, "softmax")


def build_network(settings, n_classes):
    """The network the settings describe (the loss follows from the output activation)."""
    n_out, out_activation = output_layer(n_classes)
    return Network([2, *settings["hidden"], n_out], [*settings["activations"], out_activation],
                   init=settings["init"], init_scale=settings["init_scale"], seed=settings["seed"])


def build_config(settings):
    """The :class:`TrainConfig` of a run with these settings."""
    return TrainConfig(epochs=EPOCH_BUDGET, shuffle=True, **train_config_fields(settings))
