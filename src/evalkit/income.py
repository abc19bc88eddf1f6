"""Deprecated path: moved to :mod:`evalkit.indicators.income`."""

from evalkit._compat import moved

moved(__name__, "evalkit.indicators.income")
