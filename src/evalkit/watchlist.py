"""Deprecated path: moved to :mod:`evalkit.evaluation.watchlist`."""

from evalkit._compat import moved

moved(__name__, "evalkit.evaluation.watchlist")
