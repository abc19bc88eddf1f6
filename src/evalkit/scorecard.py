"""Deprecated path: moved to :mod:`evalkit.evaluation.scorecard`."""

from evalkit._compat import moved

moved(__name__, "evalkit.evaluation.scorecard")
