"""Deprecated path: moved to :mod:`evalkit.core.comparison`."""

from evalkit._compat import moved

moved(__name__, "evalkit.core.comparison")
