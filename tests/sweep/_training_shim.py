"""TEMPORARY stand-in for the training core (issue 8) until it lands on main.

Implements only the contract's surface the sweep uses, with one full-batch
gradient-descent update per epoch through ``Network.forward/backward``. Removed
once ``layerwise.training.Trainer`` exists.
"""

import dataclasses
import io
import json

import numpy as np

from layerwise import training
from layerwise.network import Network
from layerwise.propagation import update_parameters


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    optimizer: str = "adam"
    learning_rate: float | None = None
    epochs: int = 100
    batch_size: int | None = None
    lambd: float = 0.0

    @classmethod
    def from_dict(cls, d):
        names = {f.name for f in dataclasses.fields(cls)}
        for k in d:
            if k not in names and k not in ("seed",):
                raise ValueError(f"unknown TrainConfig field {k!r}")
        config = cls(**{k: v for k, v in d.items() if k in names})
        if config.learning_rate is not None and not config.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0; got {config.learning_rate!r}")
        if not isinstance(config.epochs, int) or config.epochs < 1:
            raise ValueError(f"epochs must be an int >= 1; got {config.epochs!r}")
        return config

    def to_dict(self):
        return dataclasses.asdict(self)


class TrainerSnapshot:
    def __init__(self, spec, params, epoch, history, config):
        self.spec, self.params, self.epoch, self.history, self.config = spec, params, epoch, history, config

    def to_bytes(self):
        buf = io.BytesIO()
        meta = json.dumps({"spec": self.spec, "epoch": self.epoch, "history": self.history, "config": self.config})
        np.savez(buf, meta=np.frombuffer(meta.encode(), np.uint8), **self.params)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, b):
        with np.load(io.BytesIO(b)) as z:
            meta = json.loads(z["meta"].tobytes())
            params = {k: z[k] for k in z.files if k != "meta"}
        return cls(meta["spec"], params, meta["epoch"], meta["history"], meta["config"])


class Trainer:
    def __init__(self, network, config, X, Y, *, validation_data=None, validation_scorer=None):
        self.network, self.config, self.X, self.Y = network, config, X, Y
        self.validation_data, self.scorer = validation_data, validation_scorer
        self.epoch, self.stop_reason = 0, None
        self.hist = {"cost": [], "val_cost": [], "val_accuracy": [], "val_score": [], "learning_rate": [],
                     "stopped_early": False, "best_epoch": None}

    @property
    def history(self):
        hist = self.hist

        class H:
            def to_dict(self_inner):
                return json.loads(json.dumps(hist))
        return H()

    def run(self, until=None):
        lr = self.config.learning_rate or 0.1
        while True:
            AL, caches = self.network.forward(self.X)
            grads = self.network.backward(AL, self.Y, caches, lambd=self.config.lambd)
            self.network.parameters = update_parameters(dict(self.network.parameters), grads, lr)
            self.epoch += 1
            ev = self.network.evaluate(self.X, self.Y)
            val = self.network.evaluate(*self.validation_data)
            self.hist["cost"].append(float(ev["cost"]))
            self.hist["val_cost"].append(float(val["cost"]))
            self.hist["val_accuracy"].append(float(val["accuracy"]) if val.get("accuracy") is not None else None)
            self.hist["val_score"].append(self.scorer(self.network, *self.validation_data) if self.scorer else None)
            self.hist["learning_rate"].append(lr)
            if self.epoch >= self.config.epochs or (callable(until) and until(self)):
                return

    def snapshot(self):
        spec = {"layer_dims": self.network.layer_dims, "activations": self.network.activations}
        return TrainerSnapshot(spec, {k: np.array(v) for k, v in self.network.parameters.items()},
                               self.epoch, self.hist, self.config.to_dict())

    @classmethod
    def from_snapshot(cls, snap, X, Y, *, validation_data=None, validation_scorer=None):
        net = Network(snap.spec["layer_dims"], snap.spec["activations"])
        net.parameters = snap.params
        trainer = cls(net, TrainConfig.from_dict(snap.config), X, Y, validation_data=validation_data,
                      validation_scorer=validation_scorer)
        trainer.epoch, trainer.hist = snap.epoch, json.loads(json.dumps(snap.history))
        return trainer


def install():
    if not hasattr(training, "Trainer"):
        training.Trainer, training.TrainConfig, training.TrainerSnapshot = Trainer, TrainConfig, TrainerSnapshot
