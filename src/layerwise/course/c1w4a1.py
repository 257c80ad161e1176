"""Alias of :mod:`layerwise.course.step_by_step`."""

from .step_by_step import *  # noqa: F401,F403
from .step_by_step import __all__  # noqa: F401
