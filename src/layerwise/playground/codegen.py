"""The Python snippet that reproduces a playground run with ``layerwise``.

The snippet draws the same data (:func:`~.datasets.make_dataset` with the
page's settings and seed), builds the same network and
:class:`~layerwise.training.TrainConfig`, and drives a
:class:`~layerwise.training.Trainer` step by step, applying each mid-run change
at the step at which the page applied it. Run on the same machine it ends
with the page's weights, bit for bit (the tests check this).
"""

from __future__ import annotations

import json

from .runs import EPOCH_BUDGET, output_layer
from .settings import train_config_fields

_TEMPLATE = '''"""Reproduces a layerwise playground run: {summary}."""
import numpy as np

from layerwise import Network, Standardizer, one_hot
from layerwise.playground.datasets import {data_import}split
from layerwise.training import TrainConfig, Trainer

# Data: {data_comment}
{data_code}
X_train, y_train, X_test, y_test = split(X, y, train_fraction={train_fraction!r}, seed={seed!r})
{scaler_code}

def targets(labels):
    # Two classes: one sigmoid output, 0/1 targets; more: softmax, one-hot targets.
    return labels.reshape(1, -1).astype(float) if {n_classes} == 2 else one_hot(labels, {n_classes})


Y_train, Y_test = targets(y_train), targets(y_test)

{network_code}
config = TrainConfig({config_args})
trainer = Trainer(net, config, X_train, Y_train, validation_data=(X_test, Y_test))

# Changes made during the run: (after this many steps, new settings).
changes = {changes}
for at_step, fields in changes:
    while trainer.steps < at_step:
        trainer.step()
    trainer.update_config(**fields)
while trainer.steps < {steps}:  # the page stopped after {steps} steps (epoch {epoch})
    trainer.step()

print("epoch", trainer.epoch, "step", trainer.steps)
print("train", net.evaluate(X_train, Y_train))
print("test ", net.evaluate(X_test, Y_test))
net.save("playground-model.npz")
'''


def _repr_fields(fields):
    return ", ".join(f"{key}={value!r}" for key, value in sorted(fields.items()))


def python_snippet(session):
    """The snippet for the session's current run (a str of Python source)."""
    replay = session.replay()
    settings, changes = replay["initial_settings"], replay["changes"]
    steps, epoch = replay["steps"], replay["epoch"]
    n_classes, origin = replay["n_classes"], replay["origin"]
    if settings["dataset"] == "csv":
        data_import = "parse_csv_upload, "
        data_comment = "the CSV uploaded to the page (put its path here)."
        data_code = 'with open("your-data.csv", "rb") as handle:\n' \
                    '    X, y, labels = parse_csv_upload(handle.read())'
    else:
        data_import = "make_dataset, "
        data_comment = f"{settings['dataset']}, the page's generator and seed."
        data_code = (f"X, y = make_dataset({settings['dataset']!r}, n_points={settings['points']!r}, "
                     f"noise={settings['noise']!r}, classes={settings['classes']!r}, "
                     f"seed={settings['seed']!r})")
    if settings["standardize"]:
        scaler_code = ("scaler = Standardizer().fit(X_train)  # the network sees standardised inputs\n"
                       "X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)")
    else:
        scaler_code = "# (no standardisation)"
    n_out, out_activation = output_layer(n_classes)
    if origin is not None:
        network_code = (f"# The run continued from an imported model file ({origin}).\n"
                        f"net = Network.load({origin!r})")
    else:
        dims = [2, *settings["hidden"], n_out]
        acts = [*settings["activations"], out_activation]
        network_code = (f"net = Network({dims!r}, activations={acts!r}, init={settings['init']!r}, "
                        f"init_scale={settings['init_scale']!r}, seed={settings['seed']!r})")
    config = train_config_fields(settings)
    config.update(epochs=EPOCH_BUDGET, shuffle=True)
    change_text = "[\n" + "".join(f"    ({at}, {json.dumps(f)}),\n" for at, f in changes) + "]" \
        if changes else "[]"
    change_text = change_text.replace("null", "None").replace("true", "True").replace("false", "False")
    summary = (f"{settings['dataset']}, hidden {settings['hidden']}, {settings['optimizer']}, "
               f"seed {settings['seed']}")
    return _TEMPLATE.format(
        summary=summary, data_import=data_import, data_comment=data_comment, data_code=data_code,
        train_fraction=settings["train_fraction"], seed=settings["seed"], scaler_code=scaler_code,
        n_classes=n_classes, network_code=network_code, config_args=_repr_fields(config),
        changes=change_text, steps=steps, epoch=epoch)
