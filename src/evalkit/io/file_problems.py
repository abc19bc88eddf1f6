"""The problems found in one export file (or block): :class:`FileChecks` collects them by kind,
with the rows each kind rejects, and shows values masked — identifier-shaped text, the file's own
identifier values (:func:`known_identifiers`) and the cells of a shifted row (:data:`HIDDEN_VALUE`).
Used by :mod:`evalkit.io.file_checks` and :mod:`evalkit.io.value_checks`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.core.errors import DataValidationError
from evalkit.core.schema import (
    Column,
)
from evalkit.io.checks import as_text, empty_problems, problems
from evalkit.io.readers import ROW

#: Shown instead of the values of a shifted or merged record (which may hold names anywhere).
HIDDEN_VALUE = "<错位行, 值已隐去 / shifted row, value hidden>"


class FileChecks:
    """Collects the problems of one file and which rows they reject."""

    def __init__(self, file: str, frame: pd.DataFrame, headers: dict[str, str], strict: bool):
        self.file, self.frame, self.headers, self.strict = file, frame, headers, strict
        self.rejected = np.zeros(len(frame), bool)
        self.file_errors = 0
        self.reasons: dict[str, np.ndarray] = {}
        self.normalised: dict[str, np.ndarray] = {}  # kind -> rows changed but accepted (warnings)
        self.found: list[pd.DataFrame] = []
        self.alias_groups: list[pd.DataFrame] = []  # region aliases: level, alias, name, first row, rows
        self._known: frozenset[str] | None = frozenset()
        self._known_source: tuple | None = None
        #: rows whose values are never shown (a shifted or merged record: any cell may hold a name)
        self.hidden = np.zeros(len(frame), bool)

    def add(
        self,
        mask,
        canonical: str,
        kind: str,
        values: pd.Series | str = "",
        *,
        severity: str = "error",
        column: str | None = None,
        detail=None,
        **kwargs,
    ) -> None:
        """Record ``kind`` for the rows in ``mask`` (``None``: one file-level problem)."""
        rows = None
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            if not mask.any():
                return
            rows = self.frame[ROW].to_numpy()[mask]
            if isinstance(values, pd.Series):
                picked: pd.Series = values[mask]
                hide = self.hidden[mask]
                if hide.any():
                    picked = picked.astype("string").where(~hide, HIDDEN_VALUE)
                values = picked
            if detail is not None:
                detail = tuple(d[mask] if isinstance(d, pd.Series) else d for d in detail)
        elif severity == "error":
            self.file_errors += 1
        column = self.headers.get(canonical, "") if column is None else column
        found = problems(
            self.file,
            pd.Series(rows) if rows is not None else None,
            column,
            canonical,
            values,
            kind,
            severity=severity,
            detail=detail,
            known=self.known,
            **kwargs,
        )
        self.found.append(found)
        if severity == "error":
            affected = mask if mask is not None else np.ones(len(self.frame), bool)
            self.rejected |= affected
            self.reasons[kind] = self.reasons.get(kind, np.zeros(len(self.frame), bool)) | affected
            if self.strict:
                raise DataValidationError(
                    "严格模式: 发现第一个问题即停止 / strict mode: stopped at the first problem\n"
                    f"{found['message_zh'].iloc[0]}\n{found['message_en'].iloc[0]}",
                    problems=found.to_dict("records"),
                )

    @property
    def known(self) -> frozenset[str]:
        """Raw values of the file's identifier columns, masked wherever they appear in a message
        (computed on first use: a file without problems never builds the set)."""
        if self._known is None:
            assert self._known_source is not None, "identifier sources are set when the file is read"
            self._known = known_identifiers(*self._known_source)
        return self._known

    def know_identifiers(self, raw: pd.DataFrame, headers: dict[str, str], columns: dict) -> None:
        self._known, self._known_source = None, (raw, headers, columns)

    def table(self) -> pd.DataFrame:
        """Every problem recorded so far, as one table (:data:`evalkit.io.checks.PROBLEM_COLUMNS`)."""
        return pd.concat(self.found, ignore_index=True) if self.found else empty_problems()


def known_identifiers(raw: pd.DataFrame, headers: dict[str, str], columns: dict[str, Column]) -> frozenset[str]:
    """The raw values of the identifier columns of ``raw`` — names (2+ characters), ID numbers,
    phones and household ids (6+ characters, so that a short numeric id does not mask every small
    number) —: masked wherever a message or the rejections file would show them."""
    names = [n for n, c in columns.items() if c.kind == "identifier" or n == "household_id"]
    values: set[str] = set()
    for name in names:
        if name in headers:
            shortest = 2 if name == "head_name" else 6
            cells = as_text(raw[headers[name]])
            values.update(v for v in cells.unique() if len(v) >= shortest)
    return frozenset(values)


__all__ = ["HIDDEN_VALUE", "FileChecks", "known_identifiers"]
