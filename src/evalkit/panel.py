"""Deprecated path: moved to :mod:`evalkit.core.panel`."""

from evalkit._compat import moved

moved(__name__, "evalkit.core.panel")
