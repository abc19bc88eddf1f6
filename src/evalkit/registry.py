"""Deprecated path: moved to :mod:`evalkit.core.registry`."""

from evalkit._compat import moved

moved(__name__, "evalkit.core.registry")
