"""evalkit: evaluate policies that raise the income of 脱贫人口 and 监测对象.

Data flows one way: export files → validated, pseudonymised panel (:mod:`evalkit.io`) →
indicators (:mod:`evalkit.indicators`), effect estimates (:mod:`evalkit.effects`), scorecard,
watch-list and integrity checks (:mod:`evalkit.evaluation`) → report notebooks
(:mod:`evalkit.reporting`). The main entry points are importable from here
(``evalkit.load``, ``evalkit.income_indicators``, ``evalkit.measure_effects``, …; see
:data:`__all__` and docs/api.md); they are imported lazily on first use, as pyfixest does,
so ``import evalkit`` stays fast and loads neither pandas-heavy modules nor the estimators.

``evalkit.scorecard`` and ``evalkit.watchlist`` are the *functions*. The old module paths of the
same names (``import evalkit.scorecard``, deprecated, going in 0.3) still work: importing one
binds the module to that attribute, and that module is callable, forwarding to the function
(:func:`evalkit._compat.moved`), so ``evalkit.scorecard(panel, region, year)`` works either way.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name → module that defines it (imported on first access)
_LAZY = {
    "load": "evalkit.io.load",
    "Panel": "evalkit.core.panel",
    "load_panel": "evalkit.core.panel",
    "save_panel": "evalkit.core.panel",
    "get_region": "evalkit.core.registry",
    "EvalkitError": "evalkit.core.errors",
    "ingest": "evalkit.io.ingest",
    "income_indicators": "evalkit.indicators.income",
    "growth_contributions": "evalkit.indicators.income",
    "below_threshold": "evalkit.indicators.thresholds",
    "gini": "evalkit.indicators.inequality",
    "gini_by_source": "evalkit.indicators.inequality",
    "fgt": "evalkit.indicators.inequality",
    "inequality_table": "evalkit.indicators.inequality",
    "datt_ravallion": "evalkit.indicators.decomposition",
    "shapley_by_component": "evalkit.indicators.decomposition",
    "measure_effects": "evalkit.effects.measures",
    "staggered_did": "evalkit.effects.did",
    "twfe": "evalkit.effects.twfe",
    "scorecard": "evalkit.evaluation.scorecard",
    "watchlist": "evalkit.evaluation.watchlist",
    "integrity_checks": "evalkit.evaluation.integrity",
    "run_report": "evalkit.reporting.runner",
    "run_batch": "evalkit.reporting.batch",
    "generate_panel": "evalkit.demo.generator",
    "load_demo": "evalkit.demo.generator",
}

__all__ = [
    "__version__",
    "load",
    "Panel",
    "load_panel",
    "save_panel",
    "get_region",
    "EvalkitError",
    "ingest",
    "income_indicators",
    "growth_contributions",
    "below_threshold",
    "gini",
    "gini_by_source",
    "fgt",
    "inequality_table",
    "datt_ravallion",
    "shapley_by_component",
    "measure_effects",
    "staggered_did",
    "twfe",
    "scorecard",
    "watchlist",
    "integrity_checks",
    "run_report",
    "run_batch",
    "generate_panel",
    "load_demo",
]

if TYPE_CHECKING:  # for type checkers and IDEs; at run time the names are resolved by __getattr__
    from evalkit.core.errors import EvalkitError
    from evalkit.core.panel import Panel, load_panel, save_panel
    from evalkit.core.registry import get_region
    from evalkit.demo.generator import generate_panel, load_demo
    from evalkit.effects.did import staggered_did
    from evalkit.effects.measures import measure_effects
    from evalkit.effects.twfe import twfe
    from evalkit.evaluation.integrity import integrity_checks
    from evalkit.evaluation.scorecard import scorecard
    from evalkit.evaluation.watchlist import watchlist
    from evalkit.indicators.decomposition import datt_ravallion, shapley_by_component
    from evalkit.indicators.income import growth_contributions, income_indicators
    from evalkit.indicators.inequality import fgt, gini, gini_by_source, inequality_table
    from evalkit.indicators.thresholds import below_threshold
    from evalkit.io.ingest import ingest
    from evalkit.io.load import load
    from evalkit.reporting.batch import run_batch
    from evalkit.reporting.runner import run_report


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'evalkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
