"""Decompositions of a change between two years: Datt–Ravallion growth/redistribution and the
Shapley decomposition by income component (Azevedo, Sanfelice & Nguyen).

Both are exact: the terms add up to the observed change (the Datt–Ravallion reference-period
versions through their residual, the Shapley versions without one).

The functions live in :mod:`evalkit.indicators.inequality` beside the Gini and FGT indices they
decompose (one module, so that no import cycle is needed); this module is their documented path.
"""

from evalkit.indicators.inequality import (
    COMPONENT_SETS,
    WEIGHTS_FACTOR,
    datt_ravallion,
    shapley_by_component,
    shapley_values,
)

__all__ = ["COMPONENT_SETS", "WEIGHTS_FACTOR", "datt_ravallion", "shapley_by_component", "shapley_values"]
