"""Deprecated path: moved to :mod:`evalkit.core.errors`."""

from evalkit._compat import moved

moved(__name__, "evalkit.core.errors")
