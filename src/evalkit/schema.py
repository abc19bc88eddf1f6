"""Deprecated path: moved to :mod:`evalkit.core.schema`."""

from evalkit._compat import moved

moved(__name__, "evalkit.core.schema")
