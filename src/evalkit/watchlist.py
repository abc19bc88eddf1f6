"""Deprecated path: moved to :mod:`evalkit.evaluation.watchlist`."""

from evalkit._compat import moved_callable

moved_callable(__name__, "evalkit.evaluation.watchlist")
