"""Alias of :mod:`layerwise.course.regularization`."""

from .regularization import *  # noqa: F401,F403
from .regularization import __all__  # noqa: F401
