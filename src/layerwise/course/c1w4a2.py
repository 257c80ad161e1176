"""Alias of :mod:`layerwise.course.application`."""

from .application import *  # noqa: F401,F403
from .application import __all__  # noqa: F401
