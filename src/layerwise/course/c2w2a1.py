"""Alias of :mod:`layerwise.course.optimization`."""

from .optimization import *  # noqa: F401,F403
from .optimization import __all__  # noqa: F401
