"""Indicators: income level, structure and growth, thresholds, inequality and its decompositions
(pandas and DuckDB backends). Imports evalkit.core and evalkit.io."""
