"""Errors evalkit raises for problems in the user's data or parameters.

They carry bilingual messages naming what the user sees (file, row, column, value) and are
printed by the CLI without a traceback.
"""

from __future__ import annotations


class EvalkitError(Exception):
    """A problem with the user's input or parameters (message is shown as is, no traceback)."""


class DataValidationError(EvalkitError):
    """An export file failed validation; ``problems`` lists every problem found."""

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = problems or []


class DesignError(EvalkitError):
    """An estimation design cannot identify the effect asked for (no controls, no treated, ...)."""
