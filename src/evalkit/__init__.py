"""evalkit: evaluate policies that raise the income of 脱贫人口 and 监测对象.

Data flows one way: export files → validated, pseudonymised panel (:mod:`evalkit.ingest`)
→ indicators (:mod:`evalkit.income`, :mod:`evalkit.inequality`), effect estimates
(:mod:`evalkit.effects`), scorecard, watch-list and integrity checks → report notebooks
(:mod:`evalkit.report`).
"""

__version__ = "0.1.0"
