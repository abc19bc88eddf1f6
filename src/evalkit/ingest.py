"""Deprecated path: moved to :mod:`evalkit.io.ingest`."""

from evalkit._compat import moved

moved(__name__, "evalkit.io.ingest")
