"""Deprecated path: moved to :mod:`evalkit.indicators.duckdb_backend`."""

from evalkit._compat import moved

moved(__name__, "evalkit.indicators.duckdb_backend")
