"""Training: one config (:class:`TrainConfig`), one loop (:class:`Trainer`).

Every fit in layerwise -- ``Network.fit``, the estimators, the command line,
the lab, sweeps and the playground -- builds a :class:`TrainConfig` and runs a
:class:`Trainer`. Modules:

* :mod:`~layerwise.training.config` -- the config and its table of constraints;
* :mod:`~layerwise.training.trainer` -- the loop: steps, epochs, validation,
  early stopping, convergence, divergence, interruption, snapshots;
* :mod:`~layerwise.training.history` -- the per-epoch record;
* :mod:`~layerwise.training.snapshot` -- a trainer's state as arrays + JSON;
* :mod:`~layerwise.training.batches` -- mini-batches drawn by index from one array
  (gathered, and standardised, a batch at a time) and the course's reseeded source.
"""

from .config import TrainConfig
from .history import History
from .snapshot import TrainerSnapshot
from .trainer import Callback, Trainer, TrainingDivergedError

__all__ = ["Callback", "History", "TrainConfig", "Trainer", "TrainerSnapshot",
           "TrainingDivergedError"]
