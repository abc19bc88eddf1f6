"""Deprecated path: moved to :mod:`evalkit.reporting.present`."""

from evalkit._compat import moved

moved(__name__, "evalkit.reporting.present")
