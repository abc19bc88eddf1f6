"""Replace personal identifiers by keyed hashes, and mask them wherever they must be shown.

Household ids (户编号) and ID-card numbers (身份证号码) become
``prefix + HMAC-SHA256(key, prefix + normalised value)[:16 hex digits]`` (RFC 2104 keyed hash; without the
key the pseudonym cannot be recomputed from a guessed ID number). Names and phone numbers are
dropped at ingest, never hashed. The key comes from, in order: the ``key`` argument, the
environment variable ``EVALKIT_PSEUDONYM_KEY``, a key file named by ``key_file`` or by
``EVALKIT_PSEUDONYM_KEY_FILE``; otherwise the built-in demo key is used and a
:class:`DemoKeyWarning` says so (pseudonyms made with the public demo key can be reversed by
anyone who guesses an ID number).

Normalisation before hashing, so the same person or household gets the same pseudonym in every
file however the export mangled it:

* household id: surrounding whitespace removed, a float suffix ``.0`` removed (Excel numbers);
  an all-digit id loses its leading zeros (an id stored as a number in XLSX lost them, the same
  id in a CSV kept them: both map to one pseudonym);
* ID-card number: whitespace removed, ``x`` upper-cased, ``.0`` removed; an all-digit value of
  17 characters, or 16 digits + X, gets its leading zero back (18 characters). Valid forms are 18
  characters ``\\d{17}[\\dX]`` (GB 11643-1999) or 15 digits (first-generation cards).
"""

from __future__ import annotations

import hashlib
import hmac
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.core.config import ENV_PSEUDONYM_KEY, ENV_PSEUDONYM_KEY_FILE, env
from evalkit.core.errors import EvalkitError

KEY_ENV = ENV_PSEUDONYM_KEY
KEY_FILE_ENV = ENV_PSEUDONYM_KEY_FILE
#: Public key for the synthetic demo; never protects real data.
DEMO_KEY = b"evalkit-public-demo-key-NOT-SECRET"
HOUSEHOLD_PREFIX = "h_"
PERSON_PREFIX = "p_"
DIGEST_CHARS = 16
DEMO_KEY_MESSAGE = (
    "警告: 正在使用内置的演示假名化密钥, 假名可被还原; 处理真实数据前请设置环境变量 "
    f"{KEY_ENV} 或密钥文件 {KEY_FILE_ENV} / "
    "warning: using the built-in DEMO pseudonymisation key, pseudonyms are reversible; "
    f"set {KEY_ENV} (or a key file via {KEY_FILE_ENV}) before processing real data"
)
ID_CARD_PATTERN = r"^(?:[0-9]{17}[0-9X]|[0-9]{15})$"
# explicit classes (not \s, \d) keep pandas on the vectorised pyarrow regex engine
WHITESPACE = "[ \t\r\n\u3000\xa0]+"


#: Message whose HMAC with the key is the key's check value (recorded in every dataset).
KEY_CHECK_LABEL = b"evalkit pseudonym key check v1"


def key_check(key: bytes) -> str:
    """The check value of a pseudonymisation key: the first 16 hex digits of
    HMAC-SHA256(key, :data:`KEY_CHECK_LABEL`). Recorded in ``dataset.json`` and the panel's
    meta so that data pseudonymised with different keys (whose household ids never match) are
    never combined; it reveals nothing about the key."""
    return hmac.digest(key, KEY_CHECK_LABEL, hashlib.sha256).hex()[:DIGEST_CHARS]


def check_same_key(records: list[tuple[str, str | None]]) -> str | None:
    """The common key check value of ``(name, key_check)`` pairs (``None`` values are not
    compared); raises :class:`EvalkitError` naming the sources when they differ."""
    known = [(name, check) for name, check in records if check]
    if len({check for _, check in known}) > 1:
        listing = "; ".join(f"{name}: {check}" for name, check in known)
        raise EvalkitError(
            "这些数据使用不同的假名化密钥生成, 户编号无法对应, 不能合并 (请用同一密钥重新导入) / these data were "
            "pseudonymised with different keys: their household ids never match and they cannot be combined "
            f"(re-ingest them with one key) — 密钥校验值 / key check values: {listing}",
            code="E-KEY-MISMATCH",
        )
    return known[0][1] if known else None


class DemoKeyWarning(UserWarning):
    """The built-in demo key is being used to pseudonymise identifiers."""


def resolve_key(key: str | bytes | None = None, key_file: str | Path | None = None) -> tuple[bytes, bool]:
    """The pseudonymisation key and whether it is the demo key (see module docstring for the order)."""
    if key is None:
        key = env(KEY_ENV)
    if key is None:
        key_file = key_file or env(KEY_FILE_ENV)
        if key_file is not None:
            path = Path(key_file)
            if not path.exists():
                raise EvalkitError(
                    f"假名化密钥文件不存在 / pseudonymisation key file not found: {path}", code="E-KEY-FILE"
                )
            key = path.read_bytes().strip()
    if key is None or key == "" or key == b"":
        warnings.warn(DEMO_KEY_MESSAGE, DemoKeyWarning, stacklevel=2)
        return DEMO_KEY, True
    return (key.encode("utf-8") if isinstance(key, str) else key), False


def _strip_float_suffix(values: pd.Series) -> pd.Series:
    return values.str.replace(r"\.0+$", "", regex=True)


def normalise_household_id(values: pd.Series) -> pd.Series:
    """Canonical text of household ids (see module docstring); blanks become NA."""
    text = _strip_float_suffix(values.astype("string").str.strip())
    digits = text.str.fullmatch(r"[0-9]+").fillna(False)
    stripped = text.str.lstrip("0").mask(lambda s: s.eq(""), "0")
    text = text.mask(digits, stripped)
    return text.mask(text.eq(""), pd.NA)


def normalise_id_card(values: pd.Series) -> pd.Series:
    """Canonical text of ID-card numbers (see module docstring); blanks become NA."""
    text = values.astype("string").str.replace(WHITESPACE, "", regex=True).str.upper()
    text = _strip_float_suffix(text)
    short = text.str.fullmatch(r"[0-9]{16}[0-9X]").fillna(False)
    text = text.mask(short, "0" + text)
    return text.mask(text.eq(""), pd.NA)


def valid_id_card(normalised: pd.Series) -> pd.Series:
    """True where a normalised ID-card number has a valid form (18 chars, or 15 digits)."""
    return normalised.str.fullmatch(ID_CARD_PATTERN).fillna(False).astype(bool)


def keyed_hash(values: pd.Series, key: bytes, prefix: str = HOUSEHOLD_PREFIX) -> pd.Series:
    """``prefix`` + first 16 hex digits of HMAC-SHA256(key, prefix + value) for each value; NA stays NA.

    The prefix is part of the hashed message, so a person's pseudonym (``p_``) and the household
    id derived from the same ID number (``h_``) are unrelated strings. Computed once per distinct
    value (HMAC has no vectorised form) and mapped back.
    """
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    hashed = np.array(
        [prefix + hmac.digest(key, (prefix + u).encode("utf-8"), hashlib.sha256).hex()[:DIGEST_CHARS] for u in uniques],
        dtype=object,
    )
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    present = codes >= 0
    out[present] = hashed[codes[present]]
    return out


def pseudonym_number(values: pd.Series, prefix: str = HOUSEHOLD_PREFIX) -> np.ndarray:
    """The 64-bit number that a pseudonym of :func:`keyed_hash` spells in hex, as ``uint64``.

    Exact and one-to-one for pseudonyms of one ``prefix``, so sets of pseudonyms can be held and
    compared as 8-byte numbers instead of strings. ``values`` must hold no NA and only pseudonyms
    ``prefix`` + 16 hex digits; anything else raises :class:`EvalkitError`.
    """
    text = values.astype("string")
    error = EvalkitError(
        f"不是假名 / not pseudonyms of the form {prefix} + {DIGEST_CHARS} hex digits", code="E-PSEUDONYM-FORM"
    )
    if not (text.str.len().eq(len(prefix) + DIGEST_CHARS) & text.str.startswith(prefix)).fillna(False).all():
        raise error
    try:
        digits = np.asarray(text.str.slice(len(prefix)), dtype=f"S{DIGEST_CHARS}")
    except UnicodeEncodeError:
        raise error from None
    nibble = _HEX_VALUE[digits.view(np.uint8).reshape(-1, DIGEST_CHARS)]
    if (nibble > 15).any():
        raise error
    number = np.zeros(len(text), dtype=np.uint64)
    for k in range(DIGEST_CHARS):
        number = (number << np.uint64(4)) | nibble[:, k].astype(np.uint64)
    return number


_HEX_VALUE = np.full(256, 255, dtype=np.uint8)
_HEX_VALUE[np.frombuffer(b"0123456789abcdef", np.uint8)] = np.arange(16)


def mask(values: pd.Series) -> pd.Series:
    """Masked form of identifier values for messages: only their length is shown."""
    length = values.astype("string").str.len().fillna(0).astype(int).astype(str)
    return "<已隐去 " + length + " 字符 / masked, " + length + " chars>"
