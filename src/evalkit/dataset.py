"""Deprecated path: moved to :mod:`evalkit.io.dataset`."""

from evalkit._compat import moved

moved(__name__, "evalkit.io.dataset")
