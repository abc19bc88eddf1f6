"""Person-level exports (the national system's 家庭成员信息: one row per member) → one row per household.

A raw export table (:func:`evalkit.io.readers.read_export`) is person-level when one of its headers
is a person column of ``data/vocabularies.csv`` (field ``person_header``: 人编号, 与户主关系, 劳动技能).
Members are grouped by the household id and year cells; for each household:

* household size = the number of members (a 家庭人口数 cell that disagrees is reported, warning);
* labour_full = members whose 劳动技能 is 普通劳动力 or 技能劳动力, labour_weak = 弱劳动力或半劳动力
  (丧失劳动力 / 无劳动力 count for neither; ``data/vocabularies.csv`` field ``labour_skill``);
* every other household field (incomes, type, flags, region) must hold the same value in every
  member's row: a disagreement rejects the household, naming its rows and the column;
* the household head's ID number (与户主关系 户主) is kept as the household's, to be pseudonymised
  like a household file's; every other member's name and ID number is dropped here and never copied.

The household row carries the row number of its first member; ``attrs["export"]`` gets
``persons_read`` (member rows) and ``rows_read`` becomes the households formed (+ excluded rows),
so that rows read = accepted + rejected + excluded still holds, in households.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.io.checks import as_text
from evalkit.io.headers import alias_index, ignored_headers, lookup, normalise_header
from evalkit.io.readers import ROW
from evalkit.io.vocabulary import vocabulary

#: Hidden columns the household table carries to :func:`evalkit.io.file_checks.check_file`.
DISAGREE = "_members_disagree"
SIZE_REPORTED = "_size_reported"
LABOUR_HEADERS = {"labour_full": "劳动力人数", "labour_weak": "弱劳动力或半劳动力人数", "household_size": "家庭人口数"}


def person_columns(raw: pd.DataFrame) -> dict[str, str]:
    """Person field → the user's header, for the person columns of ``raw`` (empty: household-level)."""
    fields = vocabulary("person_header")
    out: dict[str, str] = {}
    for header in raw.columns:
        field = fields.get(normalise_header(header))
        if field:
            out.setdefault(field, header)
    return out


def households_from_persons(raw: pd.DataFrame) -> pd.DataFrame:
    """The household table of a person-level raw table (see the module docstring); ``raw`` itself
    when it is household-level."""
    persons = person_columns(raw)
    if not persons:
        return raw
    index = alias_index("households")
    canonical = {h: lookup(h, index) for h in raw.columns if h != ROW and not h.startswith("_")}
    by_field: dict[str, str] = {}
    for header, field in canonical.items():
        if field and header not in persons.values():
            by_field.setdefault(field, header)
    key = [by_field[f] for f in ("household_id", "year") if f in by_field]
    if len(key) < 2:
        return raw  # without 户编号 and 年度 members cannot be grouped: the checks report the missing columns
    text = {h: as_text(raw[h]) for h in raw.columns if h != ROW}
    keys = pd.DataFrame({"_k0": text[key[0]], "_k1": text[key[1]]})
    groups = keys.groupby(["_k0", "_k1"], sort=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(raw))).groupby(groups).min().to_numpy()
    out = pd.DataFrame({ROW: raw[ROW].to_numpy()[first]})
    identifiers = {"head_name", "id_card", "phone"}
    skip = set(persons.values()) | {by_field.get(f) for f in (*identifiers, *LABOUR_HEADERS)}
    disagree = [""] * len(first)
    rows = raw[ROW].to_numpy()
    for header in raw.columns:
        if header == ROW or header in skip or header.startswith("_") or normalise_header(header) in ignored_headers():
            continue  # 序号 numbers the member rows: not a household field
        values = text[header]
        out[header] = values.to_numpy()[first]
        counts = pd.Series(values.to_numpy()).groupby(groups).nunique()
        for g in np.flatnonzero(counts.to_numpy() > 1):
            members = ", ".join(str(r) for r in rows[groups == g])
            disagree[g] += (
                f"{'; ' if disagree[g] else ''}列「{header}」在第 {members} 行不一致 / differs in rows {members}"
            )
    # the head's ID number is the household's (pseudonymised later); other members' are dropped
    if "id_card" in by_field and "relationship" in persons:
        head = text[persons["relationship"]].map(
            lambda v: vocabulary("relationship").get(normalise_header(v)) == "head"
        )
        cards = text[by_field["id_card"]].where(head.to_numpy(), "")
        out[by_field["id_card"]] = pd.Series(cards.to_numpy()).groupby(groups).max().to_numpy()
    size = np.bincount(groups)
    skills = (
        text[persons["labour_skill"]].map(lambda v: vocabulary("labour_skill").get(normalise_header(v), ""))
        if "labour_skill" in persons
        else None
    )
    out[by_field.get("household_size", LABOUR_HEADERS["household_size"])] = size.astype(str)
    if skills is not None:
        for field, code in (("labour_full", "full"), ("labour_weak", "weak")):
            counted = np.bincount(groups, weights=(skills == code).to_numpy(dtype=float), minlength=len(first))
            out[by_field.get(field, LABOUR_HEADERS[field])] = counted.astype(int).astype(str)
    if "household_size" in by_field:
        reported = text[by_field["household_size"]].to_numpy()[first]
        out[SIZE_REPORTED] = np.where(reported != size.astype(str), reported, "")
    out[DISAGREE] = disagree
    info = dict(raw.attrs.get("export", {}))
    info["persons_read"] = len(raw)
    info["rows_read"] = info.get("rows_read", len(raw)) - len(raw) + len(out)
    out.attrs["export"] = info
    return out
