"""Deprecated path: moved to :mod:`evalkit.reporting.report`."""

from evalkit._compat import moved

moved(__name__, "evalkit.reporting.report")
