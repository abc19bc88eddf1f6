"""Mask identifiers by their content wherever evalkit prints or writes text.

Identifier columns are pseudonymised or dropped at ingest, but a raw identifier can still reach a
message when an export is malformed: an unquoted comma shifts a row so that an ID-card number
lands in 养老金 (``不是数字, 值为 45010919580203999X``, fake, sequence code 999), a phone number in 年度, a stray quote
swallows lines with names into a village cell. So every message path masks by *content*, not
by column:

* ID-card-shaped: a run of 15 or more digits, optionally ending in X (18-character cards, 15-digit
  first-generation cards, and the long 户编号 of the monitoring system, which are identifiers too);
* phone-shaped: ``1[3-9]`` + 9 digits (mainland mobile numbers), optionally grouped 3-4-4 by
  spaces or hyphens, not inside a longer digit run;
* the values of the file's identifier columns (names, ID numbers, phones, household ids) wherever
  they appear as a whole value (:class:`IdentifierMask` with ``known`` values).

Masked text shows the kind and the length only: ``<身份证号已隐去 18 位 / ID number masked, 18 chars>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

#: A run of 15+ digits (ID cards, long household ids), optionally ending in X, not inside a longer run.
ID_LIKE = r"(?<![0-9A-Za-z])[0-9]{14,}[0-9Xx](?![0-9A-Za-z])"
#: Mainland mobile numbers: 1[3-9] and 9 more digits, optionally grouped 3-4-4.
PHONE_LIKE = r"(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])"
_PATTERN = re.compile(f"(?P<id>{ID_LIKE})|(?P<phone>{PHONE_LIKE})")
#: One regular expression matching either shape (for vectorised ``str.contains``).
IDENTIFIER_PATTERN = f"{ID_LIKE}|{PHONE_LIKE}"


def _marker(kind: str, length: int) -> str:
    if kind == "id":
        return f"<身份证号/编号已隐去 {length} 位 / ID number masked, {length} chars>"
    if kind == "phone":
        return f"<电话已隐去 / phone masked, {length} chars>"
    return f"<已隐去 {length} 字符 / identifier masked, {length} chars>"


def _replace(match: re.Match) -> str:
    return _marker(match.lastgroup or "", len(match.group(0)))


def mask_text(text: object, known: Iterable[str] | frozenset[str] = ()) -> str:
    """``text`` with ID-card-shaped and phone-shaped substrings masked, and masked as a whole when
    it is (stripped) one of the ``known`` identifier values."""
    if text is None:
        return ""
    value = str(text)
    if known and value.strip() in known:
        return _marker("", len(value.strip()))
    return _PATTERN.sub(_replace, value)


def mask_series(values: pd.Series, known: frozenset[str] = frozenset()) -> pd.Series:
    """:func:`mask_text` over a Series of text (NA stays NA), vectorised where nothing matches."""
    text = values.astype("string")
    plain = text.astype(object)  # Python's re (the pyarrow engine has no look-behind)
    hits = plain.str.contains(IDENTIFIER_PATTERN, regex=True, na=False).astype(bool)
    if known:
        hits |= text.str.strip().isin(known).fillna(False).astype(bool)
    if not hits.any():
        return text
    out = text.copy()
    masked = pd.Series([mask_text(v, known) for v in text[hits]], index=text.index[hits], dtype="string")
    out.loc[masked.index] = masked
    return out


def contains_identifier(text: object) -> bool:
    """True when ``text`` holds an ID-card-shaped or phone-shaped substring."""
    return text is not None and bool(_PATTERN.search(str(text)))


class IdentifierMask:
    """A masking function that also knows the identifier values of some files (names, ID numbers,
    phones): ``mask(text)``; ``add(values)`` learns more values (blank and one-character values are ignored)."""

    def __init__(self, known: Iterable[str] = ()):
        self.known: set[str] = set()
        self.add(known)

    def add(self, values: Iterable[object]) -> None:
        for v in values:
            if v is None or v is pd.NA:
                continue
            v = str(v).strip()
            if len(v) >= 2:
                self.known.add(v)

    def __call__(self, text: object) -> str:
        return mask_text(text, self.known)

    def frame(self, table: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``table`` with every text column masked (for problems.csv, rejections.csv)."""
        out = table.copy()
        known = frozenset(self.known)
        for column in out.columns:
            if out[column].dtype == object or isinstance(out[column].dtype, pd.StringDtype):
                out[column] = mask_series(out[column], known).astype(object)
        return out
