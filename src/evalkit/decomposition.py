"""Deprecated path: moved to :mod:`evalkit.indicators.decomposition`."""

from evalkit._compat import moved

moved(__name__, "evalkit.indicators.decomposition")
