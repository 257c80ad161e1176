"""Hyper-parameter sweeps: Optuna studies whose trials train on Dask workers.

``layerwise.sweep.run(spec, storage=..., client=...)`` runs a sweep from a spec
(a dict or a YAML/JSON file, see :mod:`layerwise.sweep.spec`), and
``layerwise sweep SPEC`` does the same from the command line. Needs the
``sweep`` extra: ``pip install 'layerwise[sweep]'`` (optuna, dask[distributed],
PyYAML).

Modules: :mod:`.spec` (the spec), :mod:`.data` (loading and the fixed split),
:mod:`.search` (Optuna sampler and pruner), :mod:`.worker` (one rung on a
worker), :mod:`.coordinator` (the loop that records everything), :mod:`.study` (``run``: open the study, resume checks), :mod:`.cluster` (Dask),
:mod:`.storage` (study storage and checkpoints), :mod:`.progress` (the
display), :mod:`.report` (the HTML page), :mod:`.command` (the CLI).
"""

from .spec import SpecError, SweepSpec, load_spec, parse_spec
from .storage import StorageError

__all__ = ["run", "write_report", "load_spec", "parse_spec", "SweepSpec", "SpecError", "StorageError"]


def run(spec, storage=None, client=None, **options):
    """Run a sweep; see :func:`layerwise.sweep.study.run`."""
    from .study import run as _run

    return _run(spec, storage=storage, client=client, **options)


def write_report(storage, out_dir, study_name=None):
    """Write a study's HTML report; see :func:`layerwise.sweep.report.write_report`."""
    from .report import write_report as _write

    return _write(storage, out_dir, study_name=study_name)
