"""Compact household-year keys (evalkit.keys, pseudonymise.pseudonym_number) against plain pandas.

The keys are held as 64-bit numbers per year; every answer must be the one the strings give:
duplicates (with the listing of all copies in reading order) and set membership, on random keys
with repeats across blocks and files, missing pseudonyms and missing years.
"""

import numpy as np
import pandas as pd
import pytest

from evalkit.core.errors import EvalkitError
from evalkit.io.keys import KeyLog
from evalkit.io.pseudonymise import keyed_hash, pseudonym_number


def test_pseudonym_number_is_the_hex_digits_exactly():
    ids = keyed_hash(pd.Series([str(i) for i in range(2_000)]), b"test-key")
    number = pseudonym_number(ids)
    assert number.dtype == np.uint64
    assert [f"h_{n:016x}" for n in number.tolist()] == ids.tolist()
    assert pseudonym_number(pd.Series(["h_ffffffffffffffff", "h_0000000000000000"])).tolist() == [2**64 - 1, 0]


@pytest.mark.parametrize(
    "bad", ["h_123", "p_0123456789abcdef", "h_0123456789abcdeg", "h_0123456789ABCDEF", "h_0123456789abcdé", None]
)
def test_pseudonym_number_refuses_what_is_not_a_pseudonym(bad):
    with pytest.raises(EvalkitError) as info:
        pseudonym_number(pd.Series(["h_0123456789abcdef", bad], dtype="string"))
    assert info.value.code == "E-PSEUDONYM-FORM"


@pytest.fixture(scope="module")
def blocks():
    """Three blocks in two files: 300 households, years 2020–2023, repeats within and across blocks."""
    rng = np.random.default_rng(3)
    ids = keyed_hash(pd.Series([str(i) for i in range(300)]), b"test-key")
    out = []
    for file, n, first_row in ((0, 500, 2), (0, 400, 502), (1, 300, 2)):  # row numbers unique within a file
        hid = ids.iloc[rng.integers(0, 300, n)].reset_index(drop=True)
        hid[rng.random(n) < 0.03] = pd.NA
        year = pd.Series(rng.integers(2020, 2024, n).astype(float))
        year[rng.random(n) < 0.03] = np.nan
        out.append((file, hid, year, pd.Series(rng.permutation(n) + first_row)))
    return out


def test_duplicates_are_those_of_the_strings_with_every_copy_listed(blocks):
    log = KeyLog()
    for file, hid, year, rows in blocks:
        log.add(hid, year, file, rows)
    dup = log.duplicates(["a.csv", "b.csv"])
    frame = pd.concat(
        [
            pd.DataFrame({"state": f, "row": r, "household_id": h, "year": y, "file": ["a.csv", "b.csv"][f]})
            for f, h, y, r in blocks
        ],
        ignore_index=True,
    ).dropna(subset=["household_id", "year"])
    expected = frame[frame.duplicated(["household_id", "year"], keep=False)].copy()
    expected["where"] = expected["file"] + " row " + expected["row"].astype(str)
    expected["listing_en"] = expected.groupby(["household_id", "year"])["where"].transform(", ".join)
    assert len(expected) > 100  # the fixture has many repeated keys
    got = dup.set_index(["state", "row"]).sort_index()
    want = expected.set_index(["state", "row"]).sort_index()
    assert got.index.equals(want.index)
    assert got["listing_en"].tolist() == want["listing_en"].tolist()
    assert got["year"].tolist() == want["year"].tolist()
    first = got["listing_zh"].iloc[0]
    assert "第" in first and first.count(",") == got["listing_en"].iloc[0].count(",")


def test_no_duplicates_gives_an_empty_table():
    ids = keyed_hash(pd.Series(["1", "2"]), b"k")
    log = KeyLog()
    log.add(ids, [2023.0, 2023.0], 0, [2, 3])
    dup = log.duplicates(["a.csv"])
    assert dup.empty and {"state", "row", "listing_zh", "listing_en"} <= set(dup.columns)


def test_key_set_membership_is_that_of_the_strings(blocks):
    members = KeyLog(where=False)
    for _, hid, year, _ in blocks[:2]:
        members.add(hid, year)
    keys = members.key_set()
    known = {
        (h, y)
        for _, hid, year, _ in blocks[:2]
        for h, y in zip(hid, year, strict=False)
        if not pd.isna(h) and not np.isnan(y)
    }
    assert len(keys) == len(known)
    _, hid, year, _ = blocks[2]
    hid = pd.concat([hid, keyed_hash(pd.Series(["never seen"]), b"test-key")], ignore_index=True)
    year = pd.concat([year, pd.Series([2021.0])], ignore_index=True)
    year.iloc[0] = 1999.0  # a year the set has no bucket for
    got = keys.contains(hid, year)
    want = np.array([not pd.isna(h) and not np.isnan(y) and (h, y) in known for h, y in zip(hid, year, strict=False)])
    np.testing.assert_array_equal(got, want)
    assert want.any() and not want.all()
