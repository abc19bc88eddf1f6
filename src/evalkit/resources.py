"""Deprecated path: moved to :mod:`evalkit.core.resources`."""

from evalkit._compat import moved

moved(__name__, "evalkit.core.resources")
