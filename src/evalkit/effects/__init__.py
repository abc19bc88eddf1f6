"""Intervention-effect estimation: staggered DiD, TWFE diagnostics, weighting, domain layer.

Public API::

    staggered_did(data, outcome, unit, time, cohort, covariates=None,
                  control="never_treated" | "not_yet_treated", method="dr" | "ipw" | "reg",
                  cluster=None) -> StaggeredDiDResult (.att_gt, .aggregate(kind), .pretest)
    twfe(...), twfe_event_study(...), twfe_weights(...), compare_twfe_cs(...)   (pyfixest)
    propensity_weighting(...)                             cross-sectional IPW / AIPW
    measure_effects(panel, measure, outcomes=...)         domain layer: panel + measure → effects

Charts of these results live in :mod:`evalkit.reporting.effect_plots` (the old names
``evalkit.effects.event_study_plot`` / ``components_plot`` still work, with a DeprecationWarning).

Libraries (pinned in pyproject.toml): csdid 0.4.3 (CS 2021, reproduces R did), drdid 1.1.7
(weighting kernels), pyfixest 0.60.0 (reproduces R fixest), statsmodels (propensity logit).
"""

from evalkit.effects.did import StaggeredDiDResult, staggered_did
from evalkit.effects.measures import OUTCOMES, MeasureEffects, measure_effects
from evalkit.effects.results import Aggregation, TWFEResult, WeightingResult
from evalkit.effects.twfe import compare_twfe_cs, twfe, twfe_event_study, twfe_weights
from evalkit.effects.weighting import propensity_weighting

__all__ = [
    "OUTCOMES",
    "Aggregation",
    "MeasureEffects",
    "StaggeredDiDResult",
    "TWFEResult",
    "WeightingResult",
    "compare_twfe_cs",
    "measure_effects",
    "propensity_weighting",
    "staggered_did",
    "twfe",
    "twfe_event_study",
    "twfe_weights",
]


def __getattr__(name: str):
    """The chart functions moved to :mod:`evalkit.reporting.effect_plots` (effects sit below reporting)."""
    if name in ("event_study_plot", "components_plot"):
        import importlib
        import warnings

        warnings.warn(
            f"evalkit.effects.{name} has moved to evalkit.reporting.effect_plots.{name}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module("evalkit.reporting.effect_plots"), name)
    raise AttributeError(f"module 'evalkit.effects' has no attribute {name!r}")
