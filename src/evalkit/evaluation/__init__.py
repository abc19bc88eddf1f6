"""Evaluation: the policy targets and their scorecard, the monitoring watch-list, and data-integrity checks.
Imports core, io, indicators and effects."""
