"""The oracle of the sweep tests: each configuration trained directly, in one go.

No Dask, no rungs, no snapshots, no storage: a Network and a Trainer built from
the configuration and run to the end of its budget. A sweep's trial must
report exactly these numbers (a restored trainer continues bit-for-bit).
"""

import numpy as np

from layerwise.network import Network
from layerwise.sweep.data import load_data
from layerwise.sweep.spec import parse_spec


def train_directly(spec_dict, params, repeat=0):
    """History dict of ``params``' repeat ``repeat`` trained without the sweep."""
    from layerwise.training import TrainConfig, Trainer

    spec = parse_spec(spec_dict)
    data = load_data(spec.data, spec.seed)
    model, train = spec.settings(params)
    hidden = model["hidden"]
    seed = spec.seed + repeat
    network = Network([data.n_x, *hidden, data.n_y], [model["activation"]] * len(hidden) + [data.output_activation],
                      init=model["init"], seed=seed)
    trainer = Trainer(network, TrainConfig.from_dict({**train, "seed": seed}), data.X_train, data.Y_train,
                      validation_data=(data.X_val, data.Y_val))
    trainer.run()
    return trainer.history.to_dict(), network, data


def validation_accuracy(network, data):
    """Accuracy on the validation split computed with scikit-learn from the network's predictions."""
    from sklearn.metrics import accuracy_score

    predicted = network.predict_proba(data.X_val)
    if data.Y_val.shape[0] == 1:
        return accuracy_score(data.Y_val.ravel(), (predicted.ravel() >= 0.5).astype(float))
    return accuracy_score(np.argmax(data.Y_val, axis=0), np.argmax(predicted, axis=0))
