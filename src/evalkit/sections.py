"""Deprecated path: moved to :mod:`evalkit.reporting.sections`."""

from evalkit._compat import moved

moved(__name__, "evalkit.reporting.sections")
