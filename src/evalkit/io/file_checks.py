"""Checks of one export file (or one block of it): columns, identifiers, types, regions, totals, measures.

Columns are mapped by :mod:`evalkit.io.headers`; columns whose header is a measure name of
``data/measures.csv`` (wide measure columns: amounts or 是/否; a column of only 1/0 is a flag)
are melted into the measures table; a header that is both a column alias and a measure name
(临时救助) is the column. Unknown columns are reported as warnings and not carried into the
panel; the derived columns of a saved panel (net_income_pc, ...) are recomputed. Identifiers are
pseudonymised (:mod:`evalkit.io.pseudonymise`) before any check: 户编号 and ID-card numbers become
keyed hashes, names and phone numbers are dropped; problem messages show identifier values
masked. Vectorised value checks (:mod:`evalkit.io.checks`) collect every problem (``strict``:
stop at the first error); a row with an error is rejected.

Region names may be aliases of ``data/region_aliases.csv`` (红河州, 广西区, 信阳): they are
replaced by the registry name, warned and counted (status ``normalised``). The checks across
files (duplicate household-year keys, measure rows without a household row) are applied per file
by :func:`reject_duplicates` and :func:`check_measure_keys` from keys collected by the caller.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.core.panel import MEASURE_COLUMNS
from evalkit.core.schema import (
    Column,
    household_columns,
    measure_columns,
    measures_catalogue,
)
from evalkit.io.checks import as_text, blank, parse_bool, parse_number, problems
from evalkit.io.file_problems import HIDDEN_VALUE, FileChecks
from evalkit.io.headers import alias_index, ignored_headers, lookup, measure_aliases, normalise_header
from evalkit.io.masking import contains_identifier, mask_series
from evalkit.io.persons import DISAGREE, SIZE_REPORTED, households_from_persons
from evalkit.io.pseudonymise import (
    HOUSEHOLD_PREFIX,
    PERSON_PREFIX,
    keyed_hash,
    normalise_household_id,
    normalise_id_card,
    valid_id_card,
)
from evalkit.io.readers import ROW
from evalkit.io.value_checks import amount_units, total_checks, typed_column
from evalkit.io.vocabulary import combine_household_type, household_type_values, monitoring_category_values

DERIVED_COLUMNS = ("net_operating", "net_income", "net_income_pc", "is_tuopin", "is_monitored")
DROPPED_IDENTIFIERS = ("head_name", "phone")


@dataclass
class FileState:
    """One checked file (or block): its name, table, reader info, checks, parsed data and wide measure rows."""

    file: str
    table: str
    info: dict
    checks: FileChecks
    data: pd.DataFrame  # canonical parsed columns, ROW, household_id pseudonym
    wide: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["_pos", *MEASURE_COLUMNS]))
    rejection_text: pd.DataFrame | None = None


def map_columns(
    raw: pd.DataFrame, table: str, file: str, strict: bool
) -> tuple[dict[str, str], dict[str, str], FileChecks]:
    """canonical → user header, user header → measure code (wide columns), and the checks with column problems."""
    index = alias_index(table)
    columns = household_columns() if table == "households" else measure_columns()
    mapping: dict[str, str] = {}
    wide: dict[str, str] = {}
    unknown, derived = [], []
    for header in raw.columns:
        if header == ROW or header.startswith("_") or normalise_header(header) in ignored_headers():
            continue  # evalkit's own columns, and headers that carry nothing (序号)
        canonical = lookup(header, index)
        if canonical is not None:
            mapping[header] = canonical
        elif table == "households" and (code := lookup(header, measure_aliases())) is not None:
            wide[header] = code
        elif header.startswith("(第") and blank(raw[header]).all():
            continue  # an empty column without a header carries nothing
        elif normalise_header(header) in DERIVED_COLUMNS:
            derived.append(header)
        else:
            unknown.append(header)
    headers: dict[str, str] = {}
    for header, canonical in mapping.items():
        headers.setdefault(canonical, header)
    checks = FileChecks(file, raw, headers, strict)
    for header in unknown:
        checks.add(None, "", "unknown_column", "", severity="warning", column=header)
    if derived:
        checks.add(None, "", "derived_column", "", severity="warning", column=", ".join(derived))
    for canonical in sorted(set(mapping.values())):
        users = [h for h, c in mapping.items() if c == canonical]
        if len(users) > 1 and canonical not in DROPPED_IDENTIFIERS:
            checks.add(None, canonical, "ambiguous_column", " | ".join(users), column=" | ".join(users))
    # 监测对象类别 alone gives the household type (the system's layout has both: combined)
    stands_in = {"household_id": "id_card", "household_type": "monitoring_category"}
    for col in columns.values():
        if col.required and col.name not in headers and stands_in.get(col.name) not in headers:
            checks.add(
                None,
                col.name,
                "missing_column",
                "",
                column=col.label_zh,
                expected=("列名之一: " + "、".join(col.aliases), "a column named one of: " + ", ".join(col.aliases)),
            )
    return headers, wide, checks


def pseudonymise_identifiers(data: pd.DataFrame, text: dict[str, pd.Series], checks: FileChecks, key: bytes) -> None:
    """Pseudonymise household id and ID-card number in ``data``; drop names and phones (never copied)."""
    derive = "household_id" not in text
    if "id_card" in text:
        cells = text["id_card"]
        card = normalise_id_card(cells)
        present = card.notna().to_numpy()
        invalid = present & ~valid_id_card(card).to_numpy()
        checks.add(
            invalid, "id_card", "invalid_id_card", cells, identifier=True, severity="error" if derive else "warning"
        )
        data["id_card"] = keyed_hash(card, key, PERSON_PREFIX)
        if derive:
            checks.add(~present, "id_card", "missing_value", cells, identifier=True)
            data["household_id"] = keyed_hash(card, key, HOUSEHOLD_PREFIX)
    if not derive:
        cells = text["household_id"]
        hid = normalise_household_id(cells)
        checks.add(hid.isna().to_numpy(), "household_id", "missing_value", cells, identifier=True)
        data["household_id"] = keyed_hash(hid, key, HOUSEHOLD_PREFIX)


def map_unique(values: pd.Series, fn) -> pd.Series:
    """``fn`` applied once per distinct value and mapped back (vectorised lookup)."""
    uniques = values.dropna().unique()
    return values.map(dict(zip(uniques, map(fn, uniques), strict=False)))


def _household_type(types: pd.Series | None, category: pd.Series | None, checks: FileChecks) -> pd.Series:
    """evalkit's household type from 户类型 and 监测对象类别 (either may be absent; text cells),
    by the rules of ``data/vocabularies.csv`` (:func:`evalkit.io.vocabulary.combine_household_type`);
    unknown values and contradictions are errors naming the row and the column."""
    combined, unknown_type, unknown_cat, contradiction = combine_household_type(types, category)
    if types is not None:
        checks.add(
            unknown_type,
            "household_type",
            "unknown_household_type",
            types,
            expected=("、".join(household_type_values()), ", ".join(household_type_values())),
        )
    if category is not None:
        cats = monitoring_category_values()
        checks.add(
            unknown_cat,
            "monitoring_category",
            "unknown_monitoring_category",
            category,
            expected=("、".join(cats) + " 或空", ", ".join(cats) + " or blank"),
        )
        if types is None:  # the category alone gives the type: it is required then
            checks.add(category.eq("").to_numpy(), "monitoring_category", "missing_value", category)
    if contradiction.any():
        blank_ = pd.Series("(空)", index=combined.index)
        shown = "户类型 " + (types if types is not None else blank_).replace("", "(空)")
        shown = shown + " + 监测对象类别 " + (category if category is not None else blank_).replace("", "(空)")
        checks.add(contradiction, "household_type", "household_type_contradiction", shown)
    return combined


def _region_registry() -> tuple[pd.DataFrame, pd.DataFrame] | None:
    try:
        from evalkit.core.registry import region_aliases, regions
    except ImportError:
        return None
    return regions(), region_aliases()


def _regions(data: pd.DataFrame, checks: FileChecks) -> None:
    """Each region name must be a registry unit (or an alias of one) under the row's higher-level names.

    Aliases (``data/region_aliases.csv``: 红河州, 广西区, 信阳, ...) are replaced by the registry
    name and reported as one warning per column and alias (rows counted as ``region_alias``).
    A level is checked only where the registry lists units at that level under the row's parent
    (the registry covers the seed regions in full down to county, townships only where listed);
    only the highest unknown level of a row is reported, with the closest registry names.
    """
    registry = _region_registry()
    levels = [lvl for lvl in ("province", "prefecture", "county", "township") if lvl in data.columns]
    if registry is None or not levels:
        return
    units, aliases = registry
    flagged = np.zeros(len(data), bool)
    normalised = np.zeros(len(data), bool)
    path = pd.Series("", index=data.index, dtype="string")
    for depth, level in enumerate(levels):
        parents = levels[:depth]

        def keys(table: pd.DataFrame, name: pd.Series, parents: list[str] = parents) -> pd.Series:
            key = pd.Series("", index=table.index, dtype="string")
            for p in parents:
                key = key + "|" + table[p].astype("string").fillna("")
            return key + "|" + name.astype("string")

        known = units[units["level"] == level]
        alias_rows = aliases[aliases["level"] == level]
        unit_keys = set(keys(known, known[level]))
        parent_keys = {k.rsplit("|", 1)[0] for k in unit_keys}
        alias_map = dict(zip(keys(alias_rows, alias_rows["alias"]), alias_rows["name_zh"], strict=False))
        original = data[level].astype("string")
        row_key = path + "|" + original.fillna("")
        canonical = row_key.map(alias_map).astype("string")
        renamed = canonical.notna().to_numpy()
        if renamed.any():
            data[level] = original.mask(canonical.notna(), canonical)
            _alias_warnings(checks, level, original, canonical, renamed)
            normalised |= renamed
        value = data[level].astype("string")
        row_key = path + "|" + value.fillna("")
        checkable = path.isin(parent_keys).to_numpy() if parents else np.ones(len(data), bool)
        unknown = checkable & value.notna().to_numpy() & ~row_key.isin(unit_keys).to_numpy()
        to_name = {
            **dict(zip(alias_rows["alias"], alias_rows["name_zh"], strict=False)),
            **dict(zip(known[level], known[level], strict=False)),
        }
        names = sorted(to_name)
        close = map_unique(
            value.where(unknown),
            lambda v, to_name=to_name, names=names: ", ".join(
                dict.fromkeys(to_name[c] for c in difflib.get_close_matches(v, names, n=4, cutoff=0.5))
            ),
        )
        close = close.astype("string").fillna("")
        listed = ", ".join(names[:12])
        checks.add(
            unknown & ~flagged,
            level,
            "unknown_region",
            value.fillna(""),
            detail=(
                ("是否指: " + close).mask(close.eq(""), "已登记的名称如: " + listed),
                ("did you mean: " + close).mask(close.eq(""), "registered names include: " + listed),
            ),
        )
        flagged |= unknown
        path = row_key
    if normalised.any():
        checks.normalised["region_alias"] = normalised


def _alias_warnings(
    checks: FileChecks, level: str, original: pd.Series, canonical: pd.Series, renamed: np.ndarray
) -> None:
    """One warning per (alias, registry name) of a column: its first row and the number of rows."""
    hits = pd.DataFrame(
        {
            "row": checks.frame[ROW].to_numpy()[renamed],
            "alias": original.to_numpy()[renamed],
            "name": canonical.to_numpy()[renamed],
        }
    )
    groups = hits.groupby(["alias", "name"], sort=True)["row"].agg(["first", "size"]).reset_index()
    checks.alias_groups.append(groups.assign(level=level, column=checks.headers.get(level, level)))
    checks.found.append(
        alias_problems(checks.file, groups.assign(level=level, column=checks.headers.get(level, level)))
    )


def alias_problems(file: str, groups: pd.DataFrame) -> pd.DataFrame:
    """The ``region_alias`` warnings of ``groups`` (level, column, alias, name, first, size)."""
    n = groups["size"].astype("string")
    return problems(
        file,
        groups["first"],
        groups["column"].iloc[0] if len(groups) else "",
        groups["level"].iloc[0] if len(groups) else "",
        groups["alias"],
        "region_alias",
        severity="warning",
        detail=(
            "已改为「" + groups["name"] + "」, 共 " + n + " 行",
            "replaced by '" + groups["name"] + "' in " + n + " rows",
        ),
    )


def _wide_measures(
    raw: pd.DataFrame,
    wide: dict[str, str],
    checks: FileChecks,
    data: pd.DataFrame,
    flags_only: dict[str, bool] | None = None,
) -> pd.DataFrame:
    """Melt wide measure columns (amount or 是/否 per household-year) into long rows.

    ``flags_only`` (header → bool) says which columns are 1/0 flags when the file is read in
    blocks (decided on the whole column); by default it is decided on ``raw``.
    """
    has_amount = measures_catalogue().set_index("code")["has_amount"].eq("yes")
    parts = []
    for header, code in wide.items():
        cells = raw[header]
        text = as_text(cells)
        number, not_number = parse_number(cells, text)
        flag, not_flag = parse_bool(cells, text)
        bad = (not_number & not_flag).to_numpy()
        checks.add(bad, code, "not_measure_value", text, column=header)
        checks.add((number < 0).fillna(False).to_numpy(), code, "negative", text, column=header)
        got = ((number > 0) | (not_number & flag.fillna(False))).fillna(False).to_numpy() & ~bad
        flags = is_flag_column(number) if flags_only is None else flags_only[header]
        amount = number.where(number > 0) if bool(has_amount.get(code, False)) and not flags else number * np.nan
        parts.append(
            pd.DataFrame(
                {
                    "_pos": np.flatnonzero(got),
                    "household_id": data["household_id"].to_numpy()[got],
                    "year": data["year"].to_numpy()[got],
                    "measure": code,
                    "amount": amount.to_numpy()[got],
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["_pos", *MEASURE_COLUMNS])


def is_flag_column(number: pd.Series) -> bool:
    """A wide measure column of only 1/0 is a flag, not 1 yuan."""
    return bool(number.dropna().isin([0, 1]).all())


def check_file(
    raw: pd.DataFrame,
    table: str,
    key: bytes,
    strict: bool,
    years: tuple[int, int],
    flags_only: dict[str, bool] | None = None,
) -> FileState:
    """Map, pseudonymise and check one raw table of :func:`evalkit.io.readers.read_export` (or one block).

    ``years``: the accepted year range; ``flags_only``: see :func:`_wide_measures`.
    """
    if table == "households":
        raw = households_from_persons(raw)  # a person-level export: one row per household (io.persons)
    info = raw.attrs["export"]
    file = Path(info["file"]).name
    headers, wide, checks = map_columns(raw, table, file, strict)
    data = pd.DataFrame({ROW: raw[ROW].to_numpy()})
    state = FileState(file, table, info, checks, data)
    if checks.file_errors:
        return state  # a file-level error: every row is rejected, row checks would only repeat it
    columns = household_columns() if table == "households" else measure_columns()
    checks.know_identifiers(raw, headers, columns)
    structure_checks(raw, info.get("structure"), checks)
    for zh, en in info.get("notes") or ():
        checks.add(None, "", "sheet_note", "", column="", severity="warning", expected=("-", "-"), detail=(zh, en))
    text = {name: as_text(raw[header]) for name, header in headers.items() if name not in DROPPED_IDENTIFIERS}
    _keep_neutralising_tabs(raw, headers, columns, text)
    pseudonymise_identifiers(data, text, checks, key)
    free_text_checks(text, columns, checks)
    for name, col in columns.items():
        if name not in headers or col.kind == "identifier" or name == "household_id":
            continue
        if name == "measure":
            names = text[name]
            codes = map_unique(names, lambda v: lookup(v, measure_aliases()) if v else None)
            checks.add(names.ne("").to_numpy() & codes.isna().to_numpy(), name, "unknown_measure", names)
            checks.add(names.eq("").to_numpy(), name, "missing_value", names)
            data[name] = codes.astype("string")
            continue
        data[name] = typed_column(col, raw[headers[name]], text[name], checks)
    if "year" in data.columns:
        lo, hi = years
        out = (data["year"].notna() & (data["year"] % 1 == 0) & ~data["year"].between(lo, hi)).to_numpy()
        checks.add(out, "year", "year_out_of_range", text["year"], expected=(f"{lo}–{hi}", f"{lo}–{hi}"))
    if table == "households":
        if "household_type" in data.columns or "monitoring_category" in data.columns:
            data["household_type"] = _household_type(
                text.get("household_type"), text.get("monitoring_category"), checks
            )
            data = state.data = data.drop(columns="monitoring_category", errors="ignore")
        _regions(data, checks)
        amount_units(data, headers, checks)
        total_checks(data, checks)
        if DISAGREE in raw.columns:
            detail = raw[DISAGREE]
            checks.add(detail.ne("").to_numpy(), "household_id", "members_disagree", detail, identifier=False)
        if SIZE_REPORTED in raw.columns:
            reported = raw[SIZE_REPORTED]
            checks.add(
                reported.ne("").to_numpy(),
                "household_size",
                "size_disagrees_with_members",
                reported,
                severity="warning",
            )
        state.wide = _wide_measures(raw, wide, checks, data, flags_only)
    # masked (identifier shapes, known identifier values, shifted rows) only for the rows that are
    # rejected, when the rejections table is built (evalkit.io.accounting.file_summary)
    state.rejection_text = pd.DataFrame(
        {name: cells for name, cells in text.items() if columns[name].kind != "identifier" and name != "household_id"}
    )
    return state


def masked_rejection_text(s: FileState, rows: np.ndarray) -> pd.DataFrame:
    """The cells of the rejected ``rows`` (a boolean mask) for the rejections file: identifier-shaped
    text and the file's identifier values masked, a shifted row's values hidden."""
    assert s.rejection_text is not None, "rejection_text is set when the file is read"
    table = s.rejection_text[rows].reset_index(drop=True)
    hidden = s.checks.hidden[rows]
    return pd.DataFrame(
        {
            name: mask_series(cells, s.checks.known).astype(object).where(~hidden, HIDDEN_VALUE)
            for name, cells in table.items()
        }
    )


def _keep_neutralising_tabs(raw, headers, columns, text) -> None:
    """Put back the leading TAB of a text cell such as ``\\t=2+2`` that stripping removed: the
    TAB is what keeps a spreadsheet from running the rest as a formula (OWASP)."""
    for name, cells in text.items():
        if columns.get(name) is None or columns[name].kind not in FREE_TEXT_KINDS:
            continue
        original = raw[headers[name]].astype(str)
        tab = original.str.match("^[ ]*\t+[=+\\-@]").fillna(False).to_numpy(dtype=bool)
        if tab.any():
            text[name] = cells.mask(tab, "\t" + cells)


def structure_checks(raw: pd.DataFrame, structure: dict | None, checks: FileChecks) -> None:
    """Reject CSV records that span several physical lines (an unclosed quote swallowed the lines
    after it: their content must not be read as one household) or whose field count differs from
    the header's (a shifted row, a bare CR that split a record), naming the physical lines
    (:meth:`evalkit.io.readers.CsvLayout.structure`)."""
    if not structure:
        return
    rows = raw[ROW].to_numpy()
    spans = dict((int(a), int(b)) for a, b in structure["spans"])
    if spans:
        mask = np.isin(rows, list(spans))
        last = pd.Series(rows[mask]).map(spans).astype("string").to_numpy()
        first = pd.Series(rows[mask]).astype("string").to_numpy()
        lines_zh = pd.Series("", index=raw.index, dtype="string")
        lines_en = lines_zh.copy()
        lines_zh[mask] = "第 " + first + "–" + last + " 行为一条记录, 其中的行未作为农户读取"
        lines_en[mask] = "lines " + first + "–" + last + " form one record; none of them is read as a household"
        shown = pd.Series("", index=raw.index, dtype="string")
        shown[mask] = first + "–" + last
        checks.add(mask, "", "multiline_record", shown, column="", detail=(lines_zh, lines_en))
        checks.hidden |= mask
    fields = dict((int(a), int(b)) for a, b in structure["fields"])
    if fields:
        mask = np.isin(rows, list(fields))
        n = pd.Series(rows[mask]).map(fields).astype("string").to_numpy()
        width = str(structure["header_fields"])
        found = pd.Series("", index=raw.index, dtype="string")
        found[mask] = n
        checks.add(
            mask,
            "",
            "field_count",
            found,
            column="",
            expected=(f"{width} 个字段(与表头相同)", f"{width} fields, as the header"),
        )
        checks.hidden |= mask


#: Text columns that hold place names: never a line break, an ID number or a phone number.
FREE_TEXT_KINDS = ("region",)


def free_text_checks(text: dict[str, pd.Series], columns: dict[str, Column], checks: FileChecks) -> None:
    """Reject rows whose place-name cells (省/市/县/乡镇/村) hold a line break (an unclosed quote
    swallowed the following lines) or an ID-number- or phone-shaped string (a shifted row). The
    text after a line break is dropped from the cell (messages and the rejections file never show it)."""
    for name, cells in text.items():
        if name not in columns or columns[name].kind not in FREE_TEXT_KINDS:
            continue
        # place names repeat: test each distinct value once
        codes, uniques = pd.factorize(cells)
        breaks = np.array([("\r" in v or "\n" in v) for v in uniques] + [False], bool)[codes]
        if breaks.any():
            # what follows the opening quote is other fields' and lines' content (names, ID numbers):
            # only the text before the first comma or line break is shown
            first = cells.str.split(r"[,，\r\n]", n=1, regex=True).str[0]
            cells = text[name] = cells.mask(breaks, first + " …(换行后内容已隐去 / text after the line break hidden)")
        checks.add(breaks, name, "line_break_in_text", cells)
        codes, uniques = pd.factorize(cells)
        shaped = np.array([contains_identifier(v) for v in uniques] + [False], bool)[codes]
        checks.add(shaped & ~breaks, name, "identifier_in_text", cells)


def reject_duplicates(s: FileState, dup: pd.DataFrame) -> None:
    """Reject the rows of ``s`` listed in ``dup`` (its rows of :meth:`KeyLog.duplicates`) as ``duplicate_key``."""
    pos = pd.Index(s.data[ROW].to_numpy()).get_indexer(dup["row"].to_numpy())
    found = pos >= 0
    if not found.any():
        return
    pos = pos[found]
    mask = np.zeros(len(s.data), bool)
    mask[pos] = True
    detail = {}
    for lang in ("zh", "en"):
        detail[lang] = pd.Series("", index=s.data.index, dtype="string")
        detail[lang].iloc[pos] = dup[f"listing_{lang}"].to_numpy()[found]
    id_header = "household_id" if "household_id" in s.checks.headers else "id_card"
    year = "年度/year " + as_text(s.data["year"])
    s.checks.add(
        mask,
        "household_id",
        "duplicate_key",
        year,
        column=s.checks.headers.get(id_header, ""),
        detail=("同户同年的行: " + detail["zh"], "rows with this household and year: " + detail["en"]),
    )


def check_measure_keys(s: FileState, in_listed: np.ndarray, in_accepted: np.ndarray) -> None:
    """Reject measure rows of ``s`` whose key is not among the household rows (``in_listed``) or only rejected ones."""
    present = (s.data["household_id"].notna() & s.data["year"].notna()).to_numpy()
    column = "/".join(
        s.checks.headers.get(c, c)
        for c in ("household_id" if "household_id" in s.checks.headers else "id_card", "year")
    )
    year = "年度/year " + as_text(s.data["year"])
    s.checks.add(present & ~in_listed, "household_id", "measure_without_household", year, column=column)
    s.checks.add(present & in_listed & ~in_accepted, "household_id", "measure_household_rejected", year, column=column)


# ---------------------------------------------------------------------------------------------
# Assembling the result
