"""Deprecated path: moved to :mod:`evalkit.evaluation.targets`."""

from evalkit._compat import moved

moved(__name__, "evalkit.evaluation.targets")
