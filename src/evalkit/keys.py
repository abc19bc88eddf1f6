"""Deprecated path: moved to :mod:`evalkit.io.keys`."""

from evalkit._compat import moved

moved(__name__, "evalkit.io.keys")
