"""Deprecated path: moved to :mod:`evalkit.reporting.batch`."""

from evalkit._compat import moved

moved(__name__, "evalkit.reporting.batch")
