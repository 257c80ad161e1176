"""Alias of :mod:`layerwise.course.gradient_checking`."""

from .gradient_checking import *  # noqa: F401,F403
from .gradient_checking import __all__  # noqa: F401
