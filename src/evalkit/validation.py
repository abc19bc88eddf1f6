"""Deprecated path: moved to :mod:`evalkit.io.checks`."""

from evalkit._compat import moved

moved(__name__, "evalkit.io.checks")
