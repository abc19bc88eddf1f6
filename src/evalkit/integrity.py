"""Deprecated path: moved to :mod:`evalkit.evaluation.integrity`."""

from evalkit._compat import moved

moved(__name__, "evalkit.evaluation.integrity")
