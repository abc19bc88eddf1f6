"""Keyed-hash pseudonyms: determinism, key dependence, normalisation of mangled identifiers, key sources."""

import hashlib
import hmac
import warnings

import pandas as pd
import pytest

from evalkit.core.errors import EvalkitError
from evalkit.io.pseudonymise import (
    DEMO_KEY,
    KEY_ENV,
    KEY_FILE_ENV,
    DemoKeyWarning,
    keyed_hash,
    mask,
    normalise_household_id,
    normalise_id_card,
    resolve_key,
    valid_id_card,
)


def test_keyed_hash_is_hmac_sha256_of_prefix_and_value_truncated():
    value = "411522198001019994"
    expected = "h_" + hmac.new(b"k1", ("h_" + value).encode(), hashlib.sha256).hexdigest()[:16]
    assert keyed_hash(pd.Series([value]), b"k1").iloc[0] == expected


def test_pseudonyms_are_deterministic_and_depend_on_the_key():
    ids = pd.Series(["0010001", "0010002", "0010001", None])
    a1, a2 = keyed_hash(ids, b"key-a"), keyed_hash(ids, b"key-a")
    b = keyed_hash(ids, b"key-b")
    assert a1.equals(a2)
    assert a1.iloc[0] == a1.iloc[2] != a1.iloc[1]
    assert pd.isna(a1.iloc[3])
    assert (a1.iloc[:3] != b.iloc[:3]).all()
    assert a1.iloc[:3].str.fullmatch(r"h_[0-9a-f]{16}").all()
    # the person and household namespaces differ for the same ID number
    assert keyed_hash(ids, b"key-a", "p_").iloc[0][2:] != a1.iloc[0][2:]


def test_id_card_normalisation_restores_zero_and_upper_case_x():
    raw = pd.Series(
        [
            "41152219800101999x",
            " 4115 2219 8001 0199 9X ",
            "11522198001011234",
            "011522198001011234",
            "11522198001011234.0",
            "4.11522198001011e+17",
            "",
            "1234567890123456X",
        ]
    )
    norm = normalise_id_card(raw)
    assert norm.iloc[0] == norm.iloc[1] == "41152219800101999X"
    assert norm.iloc[2] == norm.iloc[3] == norm.iloc[4] == "011522198001011234"
    assert norm.iloc[7] == "01234567890123456X"
    assert pd.isna(norm.iloc[6])
    assert valid_id_card(norm).tolist() == [True, True, True, True, True, False, False, True]


def test_household_id_normalisation_matches_numbers_that_lost_leading_zeros():
    norm = normalise_household_id(pd.Series(["0010001", "10001", "10001.0", " 0010001 ", "HN-0012", "", "000"]))
    assert norm.iloc[0] == norm.iloc[1] == norm.iloc[2] == norm.iloc[3] == "10001"
    assert norm.iloc[4] == "HN-0012"
    assert pd.isna(norm.iloc[5])
    assert norm.iloc[6] == "0"


def test_key_from_environment_then_file_else_demo_with_warning(monkeypatch, tmp_path):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    with pytest.warns(DemoKeyWarning, match="DEMO"):
        assert resolve_key() == (DEMO_KEY, True)
    key_file = tmp_path / "key.txt"
    key_file.write_text("file-secret\n")
    monkeypatch.setenv(KEY_FILE_ENV, str(key_file))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DemoKeyWarning)
        assert resolve_key() == (b"file-secret", False)
        monkeypatch.setenv(KEY_ENV, "env-secret")
        assert resolve_key() == (b"env-secret", False)
        assert resolve_key("explicit") == (b"explicit", False)
    monkeypatch.delenv(KEY_ENV)
    monkeypatch.setenv(KEY_FILE_ENV, str(tmp_path / "missing.txt"))
    with pytest.raises(EvalkitError) as info:
        resolve_key()
    assert info.value.code == "E-KEY-FILE"


def test_mask_shows_only_the_length():
    shown = mask(pd.Series(["41152219800101999X", "13800138001"]))
    assert "41152219800101999X" not in shown.iloc[0] and "18" in shown.iloc[0]
    assert "13800138001" not in shown.iloc[1] and "11" in shown.iloc[1]
