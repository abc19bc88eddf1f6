"""Deprecated path: moved to :mod:`evalkit.indicators.inequality`."""

from evalkit._compat import moved

moved(__name__, "evalkit.indicators.inequality")
