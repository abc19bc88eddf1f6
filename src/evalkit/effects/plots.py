"""Deprecated path: moved to :mod:`evalkit.reporting.effect_plots`."""

from evalkit._compat import moved

moved(__name__, "evalkit.reporting.effect_plots")
