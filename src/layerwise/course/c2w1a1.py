"""Alias of :mod:`layerwise.course.initialization`."""

from .initialization import *  # noqa: F401,F403
from .initialization import __all__  # noqa: F401
