"""``layerwise lab``: the notes' experiments in one command, with tables and an HTML report.

Each experiment is a module with ``NAME``, ``TITLE`` and ``run(ctx) -> Result``
(see :mod:`layerwise.lab.common`); :mod:`layerwise.lab.runner` runs them (in
worker processes when there are several), :mod:`layerwise.lab.report` writes
``index.html`` and ``results.json``, and :mod:`layerwise.lab.command` is the
command line.
"""

#: Experiment name -> module name inside this package, in the report's order.
EXPERIMENTS = {
    "init": "init",
    "regularization": "regularization",
    "gradcheck": "gradcheck",
    "optimization": "optimization",
    "activations": "activations",
    "batch-size": "batch_size",
    "normalization": "normalization",
    "gradients": "gradients",
    "ewa": "ewa",
    "softmax": "softmax",
}

__all__ = ["EXPERIMENTS"]
