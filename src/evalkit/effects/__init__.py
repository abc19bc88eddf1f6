"""Intervention-effect estimation: staggered DiD, TWFE diagnostics, weighting, domain layer.

Public API::

    staggered_did(data, outcome, unit, time, cohort, covariates=None,
                  control="never_treated" | "not_yet_treated", method="dr" | "ipw" | "reg",
                  cluster=None) -> StaggeredDiDResult (.att_gt, .aggregate(kind), .pretest)
    twfe(...), twfe_event_study(...), twfe_weights(...)   two-way fixed effects (pyfixest)
    propensity_weighting(...)                            cross-sectional IPW / AIPW
    measure_effects(panel, measure, outcomes=...)        domain layer: panel + measure → effects
    event_study_plot(aggregation)                        event-study figure with CI and uniform band
"""

from .did import StaggeredDiDResult, staggered_did
from .results import Aggregation

__all__ = ["Aggregation", "StaggeredDiDResult", "staggered_did"]
