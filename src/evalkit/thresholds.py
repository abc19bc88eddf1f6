"""Deprecated path: moved to :mod:`evalkit.indicators.thresholds`."""

from evalkit._compat import moved

moved(__name__, "evalkit.indicators.thresholds")
