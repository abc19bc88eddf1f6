"""Intervention-effect estimation: staggered DiD, TWFE diagnostics, weighting, domain layer.

Public API::

    staggered_did(data, outcome, unit, time, cohort, covariates=None,
                  control="never_treated" | "not_yet_treated", method="dr" | "ipw" | "reg",
                  cluster=None) -> StaggeredDiDResult (.att_gt, .aggregate(kind), .pretest)
    twfe(...), twfe_event_study(...), twfe_weights(...), compare_twfe_cs(...)   (pyfixest)
    propensity_weighting(...)                             cross-sectional IPW / AIPW
    measure_effects(panel, measure, outcomes=...)         domain layer: panel + measure → effects
    event_study_plot(aggregation), components_plot(effects)

Libraries (pinned in pyproject.toml): csdid 0.4.3 (CS 2021, reproduces R did), drdid 1.1.7
(weighting kernels), pyfixest 0.60.0 (reproduces R fixest), statsmodels (propensity logit).
"""

from .did import StaggeredDiDResult, staggered_did
from .measures import OUTCOMES, MeasureEffects, measure_effects
from .plots import components_plot, event_study_plot
from .results import Aggregation, TWFEResult, WeightingResult
from .twfe import compare_twfe_cs, twfe, twfe_event_study, twfe_weights
from .weighting import propensity_weighting

__all__ = [
    "OUTCOMES", "Aggregation", "MeasureEffects", "StaggeredDiDResult", "TWFEResult", "WeightingResult",
    "compare_twfe_cs", "components_plot", "event_study_plot", "measure_effects", "propensity_weighting",
    "staggered_did", "twfe", "twfe_event_study", "twfe_weights",
]
