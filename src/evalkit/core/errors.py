"""Errors evalkit raises for problems in the user's data or parameters.

They carry bilingual messages naming what the user sees (file, row, column, value) and are
printed by the CLI without a traceback. Every error also has a stable ``code`` (tests and
callers match the code, never the message text, which may be reworded):

========================== ===================================== ===========================================
code                       class                                 raised when
========================== ===================================== ===========================================
``E-INPUT``                :class:`EvalkitError`                 a parameter or input evalkit cannot use
``E-INGEST-VALIDATION``    :class:`DataValidationError`          an export file failed validation (strict)
``E-DESIGN``               :class:`DesignError`                  an estimation design cannot identify it
``E-OUTPUT``               :class:`OutputError`                  an output file could not be written
``E-DESIGN-CELLS``         ``did_design.CellsNotEstimable``      ATT(g,t) cells cannot be estimated
``E-TARGET``               ``evaluation.targets.TargetError``    a policy-target file is malformed
``E-INEQUALITY-INPUT``     ``indicators.inequality.Inequality…`` income or weights no measure can use
========================== ===================================== ===========================================

A raise site may give a more specific code (``EvalkitError(message, code="E-LANG")``);
codes are ``E-<AREA>[-<WHAT>]``, upper case, never change once released and are listed in
docs/errors.md.
"""

from __future__ import annotations

import re

CODE_PATTERN = re.compile(r"^E(-[A-Z0-9]+)+$")


class EvalkitError(Exception):
    """A problem with the user's input or parameters (message is shown as is, no traceback).

    ``code``: the stable code of the problem (default: the class's :attr:`code`).

    Parameters
    ----------
    *args : object
        The message (bilingual, naming file, row, column and value where there are any).
    code : str, optional
        A narrower stable code (``E-AREA[-WHAT]``, listed in docs/errors.md).

    Attributes
    ----------
    code : str
        The stable code that callers and tests match.
    """

    code: str = "E-INPUT"

    def __init__(self, *args: object, code: str | None = None):
        super().__init__(*args)
        if code is not None:
            if not CODE_PATTERN.match(code):
                raise ValueError(f"error code {code!r} is not of the form E-AREA[-WHAT]")
            self.code = code


class DataValidationError(EvalkitError):
    """An export file failed validation; ``problems`` lists every problem found."""

    code = "E-INGEST-VALIDATION"

    def __init__(self, message: str, problems: list | None = None, code: str | None = None):
        super().__init__(message, code=code)
        self.problems = problems or []


class DesignError(EvalkitError):
    """An estimation design cannot identify the effect asked for (no controls, no treated, ...)."""

    code = "E-DESIGN"


class OutputError(EvalkitError, OSError):
    """A file evalkit writes could not be written (full disk, read-only folder, symbolic link);
    the bilingual message names the file and says that the previous file was kept."""

    code = "E-OUTPUT"


__all__ = ["CODE_PATTERN", "DataValidationError", "DesignError", "EvalkitError", "OutputError"]
