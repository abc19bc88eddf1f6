"""Household-year keys held compactly, for the ingest checks that span files and blocks.

A key is (household pseudonym, year). Household pseudonyms are ``h_`` + 16 hex digits
(:mod:`evalkit.pseudonymise`), so a key is held exactly as the pseudonym's 64-bit number
(:func:`~evalkit.pseudonymise.pseudonym_number`) in the bucket of its year: 8 bytes a key
(20 with the file and row it came from) instead of a Python string of ~75 bytes plus a
hash-table entry, which is what lets a national export (120 M household-year rows) be checked in
memory. Two checks use them, in :func:`evalkit.ingest.ingest` and
:class:`evalkit.ingest.ChunkedIngest` alike:

* duplicate keys across all household files (:meth:`KeyLog.duplicates`): every copy is listed
  with the file and row of all copies;
* measure rows whose household-year has no household row, or only rejected ones
  (:meth:`KeySet.contains`).

Rows whose pseudonym or year is missing carry no key (they are rejected for the missing value).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from evalkit.io.pseudonymise import pseudonym_number

#: Copies of a duplicated key listed in each duplicate's message (the count of all is added).
LISTING_ROWS = 5


def _present(household_id: pd.Series, year) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers and years of the rows with both a pseudonym and a year, and which rows those are."""
    year = pd.Series(year).to_numpy(dtype="float64", na_value=np.nan)
    keep = household_id.notna().to_numpy() & ~np.isnan(year)
    return pseudonym_number(household_id[keep]), year[keep], keep


def _sorted_repeats(number: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``number`` sorted, and for each sorted value after the first whether it repeats the one
    before (sort-based: ``np.unique`` is ~100× slower on uint64 in NumPy 2.4)."""
    ordered = np.sort(number)
    return ordered, ordered[1:] == ordered[:-1]


def _distinct(number: np.ndarray) -> np.ndarray:
    """Sorted distinct values."""
    ordered, repeat = _sorted_repeats(number)
    return ordered[np.concatenate(([True], ~repeat))] if len(ordered) else ordered


class KeySet:
    """A set of household-year keys: per year, the sorted distinct pseudonym numbers."""

    def __init__(self, by_year: dict[float, np.ndarray]):
        self.by_year = by_year

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_year.values())

    def contains(self, household_id: pd.Series, year) -> np.ndarray:
        """Whether each row's key is in the set (False where the pseudonym or year is missing)."""
        number, years, keep = _present(household_id, year)
        found = np.zeros(len(number), dtype=bool)
        for value in np.unique(years):
            members = self.by_year.get(float(value))
            if members is None or not len(members):
                continue
            rows = np.flatnonzero(years == value)
            pos = np.searchsorted(members, number[rows]).clip(max=len(members) - 1)
            found[rows] = members[pos] == number[rows]
        out = np.zeros(len(keep), dtype=bool)
        out[keep] = found
        return out


class KeyLog:
    """Household-year keys in reading order, bucketed by year, optionally with where each came
    from (file index and row as seen): the first pass over the household files of an ingest."""

    def __init__(self, where: bool = True):
        self.where = where
        self._parts: dict[float, list[tuple]] = {}

    def add(self, household_id: pd.Series, year, file: int = 0, rows=None) -> None:
        """Log the keys of one block of rows of file number ``file`` (``rows``: their row numbers)."""
        number, years, keep = _present(household_id, year)
        if self.where:
            rows = np.asarray(rows, dtype=np.int64)[keep]
        for value in np.unique(years):
            sel = years == value
            part = (number[sel], np.full(int(sel.sum()), file, np.int32), rows[sel]) if self.where else (number[sel],)
            self._parts.setdefault(float(value), []).append(part)

    def key_set(self) -> KeySet:
        """The distinct keys logged so far."""
        return KeySet({year: _distinct(np.concatenate([p[0] for p in parts])) for year, parts in self._parts.items()})

    def duplicates(self, files: Sequence[str]) -> pd.DataFrame:
        """Every row whose key was logged more than once: ``state`` (file index), ``row``, ``year``
        and the list of all copies of its key, ``listing_zh`` ("file 第 n 行, …") and ``listing_en``
        ("file row n, …"), copies in reading order. ``files``: the file names by index."""
        if not self.where:
            raise ValueError("KeyLog(where=False) keeps no rows to list")
        found = []
        for year, parts in self._parts.items():
            number = np.concatenate([p[0] for p in parts])
            ordered, repeat = _sorted_repeats(number)
            repeated = ordered[1:][repeat]
            if not len(repeated):
                continue
            copy = np.isin(number, repeated)
            found.append(
                pd.DataFrame(
                    {
                        "key": number[copy],
                        "year": year,
                        "state": np.concatenate([p[1] for p in parts])[copy],
                        "row": np.concatenate([p[2] for p in parts])[copy],
                    }
                )
            )
        if not found:
            return pd.DataFrame(
                {
                    "state": pd.Series(dtype="int32"),
                    "row": pd.Series(dtype="int64"),
                    "year": pd.Series(dtype="float64"),
                    "listing_zh": pd.Series(dtype="string"),
                    "listing_en": pd.Series(dtype="string"),
                }
            )
        dup = pd.concat(found, ignore_index=True)
        file = pd.Series(np.asarray(files, dtype=object)[dup["state"].to_numpy()], dtype="string")
        row = dup["row"].astype("string")
        where = {"zh": file + " 第 " + row + " 行", "en": file + " row " + row}
        groups = dup.groupby(["key", "year"], sort=False).ngroup().to_numpy()
        # each copy lists the first LISTING_ROWS copies of its key and how many there are: linear in
        # the rows (a listing of every copy on every copy grows with the square of the copies, e.g. when
        # Excel turned every 户编号 into 4.11522E+13)
        size = np.bincount(groups)
        first = pd.Series(groups).groupby(groups).cumcount().to_numpy() < LISTING_ROWS
        more = {"zh": "等, 共 {} 行", "en": ", … {} rows in all"}
        for lang, text in where.items():
            joined = text[first].groupby(groups[first]).agg(", ".join)
            listing = joined.reindex(np.arange(len(size))).to_numpy(dtype=object)
            long = size > LISTING_ROWS
            listing[long] = [f"{t}{more[lang].format(n)}" for t, n in zip(listing[long], size[long], strict=True)]
            dup[f"listing_{lang}"] = pd.array(listing[groups], dtype="string")
        return dup.drop(columns="key")
