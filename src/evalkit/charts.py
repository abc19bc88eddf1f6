"""Deprecated path: moved to :mod:`evalkit.reporting.charts`."""

from evalkit._compat import moved

moved(__name__, "evalkit.reporting.charts")
