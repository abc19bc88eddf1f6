"""Deprecated path: moved to :mod:`evalkit.io.pseudonymise`."""

from evalkit._compat import moved

moved(__name__, "evalkit.io.pseudonymise")
