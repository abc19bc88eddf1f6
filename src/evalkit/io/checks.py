"""Row- and file-level checks of an export mapped to canonical columns, as tidy problem tables.

Every check is vectorised over a column and returns a problem table with one row per problem:
``file, row, column, canonical, value, kind, severity, expected, message_zh, message_en``
(``row`` is the row number the user sees in the file, ``column`` the user's header). Values
of identifier columns are masked (:func:`evalkit.pseudonymise.mask`). ``severity`` is
``error`` (the row, or for a file-level problem the whole file, is rejected) or ``warning``
(reported, nothing rejected).

The problem kinds, their bilingual reasons and what was expected are :data:`KINDS`.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata

import numpy as np
import pandas as pd

from evalkit.io.headers import normalise_header
from evalkit.io.masking import mask_series
from evalkit.io.pseudonymise import mask
from evalkit.io.vocabulary import yes_no_words

PROBLEM_COLUMNS = [
    "file",
    "row",
    "column",
    "canonical",
    "value",
    "kind",
    "severity",
    "expected",
    "message_zh",
    "message_en",
]

#: kind -> (reason zh, reason en, expected zh, expected en)
KINDS: dict[str, tuple[str, str, str, str]] = {
    "unreadable_file": (
        "文件无法读取",
        "file cannot be read",
        "CSV(UTF-8/GBK)、XLSX 或 Parquet 文件",
        "a CSV (UTF-8/GBK), XLSX or Parquet file",
    ),
    "no_header": (
        "找不到表头行",
        "no header row found",
        "一行包含已知列名(如 户编号、年度)",
        "a row with known column names (e.g. 户编号, 年度)",
    ),
    "sheet_note": ("工作表说明", "sheet note", "", ""),
    "per_capita_column": (
        "金额列的单位与面板不同, 已按家庭人口数换算",
        "an amount column in another unit than the panel's, converted with the household size",
        "户合计金额 (元/户); 人均纯收入为人均 (元/人)",
        "household totals (yuan per household); net income per capita per member",
    ),
    "no_rows": (
        "文件只有表头, 没有数据行",
        "the file has a header but no data rows",
        "至少一行数据",
        "at least one data row",
    ),
    "missing_column": ("缺少必需列", "required column missing", "列名之一", "a column named one of"),
    "ambiguous_column": (
        "多列对应同一字段",
        "several columns map to the same field",
        "每个字段只有一列",
        "one column per field",
    ),
    "unknown_column": (
        "未知列, 未纳入面板",
        "unknown column, not carried into the panel",
        "别名表 data/columns.csv 中的列名",
        "a header in the alias table data/columns.csv",
    ),
    "derived_column": ("派生列, 已按公式重新计算", "derived column, recomputed from the components", "-", "-"),
    "missing_value": ("必填值为空", "required value is blank", "非空值", "a value"),
    "not_numeric": ("不是数字", "not a number", "数字", "a number"),
    "not_integer": ("不是整数", "not a whole number", "整数", "a whole number"),
    "household_size": ("家庭人口数无效", "invalid household size", "正整数(≥1)", "a whole number ≥ 1"),
    "negative": (
        "不能为负数",
        "must not be negative",
        "≥ 0 (经营净收入可为负)",
        "≥ 0 (net operating income may be negative)",
    ),
    "below_minimum": ("小于允许的最小值", "below the allowed minimum", "≥ ", "≥ "),
    "implausible_value": ("数值超出合理范围", "value outside the plausible range", "", ""),
    "unusual_value": ("数值异常, 请核对", "unusual value, please check", "", ""),
    "flag_mark": ("标记符号按 0 读取", "flag mark read as 0", "-", "-"),
    "not_boolean": (
        "不是是/否值",
        "not a yes/no value",
        "是/否、1/0、Y/N、√/×、有/无 (data/vocabularies.csv)",
        "是/否, 1/0, Y/N, √/×, 有/无 (data/vocabularies.csv)",
    ),
    "excel_error": (
        "单元格是 Excel 错误值(公式出错)",
        "the cell holds an Excel error value (a formula failed)",
        "导出前修正公式, 填入数值",
        "fix the formula before exporting, enter the value",
    ),
    "household_type_contradiction": (
        "户类型与监测对象类别矛盾",
        "household type and 监测对象类别 contradict each other",
        "脱贫户(无类别或脱贫不稳定户)、一般农户或监测户(边缘易致贫户或突发严重困难户) (data/vocabularies.csv)",
        "脱贫户 (no category or 脱贫不稳定户), 一般农户 or 监测户 (边缘易致贫户 or 突发严重困难户) "
        "(data/vocabularies.csv)",
    ),
    "unknown_monitoring_category": ("监测对象类别无效", "unknown 监测对象类别", "", ""),
    "members_disagree": (
        "同一户的成员行中户级字段不一致",
        "the members' rows of one household disagree on a household field",
        "每位成员行的户级字段(收入、户类型、地区)相同",
        "the same household fields (incomes, type, region) in every member's row",
    ),
    "size_disagrees_with_members": (
        "家庭人口数与成员行数不一致, 已按成员行数计",
        "household size differs from the number of member rows: the member count is used",
        "成员行数",
        "the number of member rows",
    ),
    "year_out_of_range": ("年度超出范围", "year out of range", "", ""),
    "unknown_region": (
        "地区名称不在地区登记表中",
        "region not in the region registry",
        "data/regions.csv 中的名称",
        "a name in data/regions.csv",
    ),
    "region_alias": ("地区名称已规范为登记名称", "region name normalised to the registry name", "-", "-"),
    "unknown_household_type": ("户类型无效", "unknown household type", "", ""),
    "invalid_id_card": (
        "身份证号码格式无效",
        "invalid ID-card number",
        "18 位(末位可为 X)或 15 位, 以文本保存(Excel 数字只保留 15 位)",
        "18 characters (last may be X) or 15 digits, stored as text (Excel numbers keep only 15 digits)",
    ),
    "duplicate_key": (
        "户编号与年度重复",
        "duplicate household id and year",
        "每户每年一行",
        "one row per household and year",
    ),
    "identifier_in_text": (
        "文本列中含有身份证号或电话号码形状的内容(可能是错位或未闭合引号吞并了其他行)",
        "an ID-number- or phone-shaped string in a text column (a shifted row, or an unclosed quote that "
        "swallowed other lines)",
        "地名等文本, 不含证件号或电话",
        "a place name or other text without ID or phone numbers",
    ),
    "line_break_in_text": (
        "文本列中含有换行符(可能是未闭合的引号吞并了后面的行)",
        "a line break inside a text cell (an unclosed quote may have swallowed the following lines)",
        "单行文本",
        "text on one line",
    ),
    "multiline_record": (
        "一条记录跨越多个物理行(可能有未闭合的引号)",
        "one record spans several physical lines (an unclosed quote?)",
        "每条记录一行; 单元格中的引号须成对",
        "one line per record; quotes in cells in pairs",
    ),
    "field_count": ("字段数与表头不一致(列可能错位)", "field count differs from the header (columns shifted?)", "", ""),
    "total_mismatch": ("收入分项之和与填报合计不一致", "income components do not add up to the reported total", "", ""),
    "unknown_measure": (
        "未知的帮扶措施",
        "unknown measure",
        "data/measures.csv 中的措施名称",
        "a measure name in data/measures.csv",
    ),
    "not_measure_value": ("措施列的值无效", "invalid value in a measure column", "金额或 是/否", "an amount or 是/否"),
    "measure_without_household": (
        "户表中没有该户该年度的行",
        "no row for this household and year in the household files",
        "户表中已有的户编号与年度",
        "a household id and year present in the household files",
    ),
    "measure_household_rejected": (
        "该户该年度的户表行已被拒绝",
        "the household-file row of this household and year was rejected",
        "户表中有效的该户该年度行",
        "a valid household-file row for this household and year",
    ),
    "measure_rows_combined": (
        "同户同年同措施多行, 金额已合计",
        "several rows for one household, year and measure: amounts summed",
        "-",
        "-",
    ),
}

_EMPTY = pd.DataFrame({c: pd.Series(dtype="object") for c in PROBLEM_COLUMNS})


def empty_problems() -> pd.DataFrame:
    """A problem table with no rows."""
    return _EMPTY.copy()


def problems(
    file: str,
    rows: pd.Series | None,
    column: str,
    canonical: str,
    values: pd.Series | str,
    kind: str,
    *,
    severity: str = "error",
    expected: tuple[str, str] | None = None,
    identifier: bool = False,
    detail: tuple[pd.Series | str, pd.Series | str] | None = None,
    known: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Problem table for ``rows`` (NA/None: file-level) of one column (vectorised message building).

    ``values`` are the cells as in the file, masked wholly when ``identifier`` and otherwise by
    content (:func:`evalkit.io.masking.mask_series`: ID-card- and phone-shaped substrings, and
    any of the ``known`` identifier values of the file, e.g. a name shifted into another column);
    ``expected`` overrides the kind's default (zh, en); ``detail`` adds a (zh, en) remark per row.
    """
    reason_zh, reason_en, exp_zh, exp_en = KINDS[kind]
    if expected is not None:
        exp_zh, exp_en = expected
    if rows is None:
        rows = pd.Series([pd.NA], dtype="Int64")
    rows = pd.Series(rows).reset_index(drop=True).astype("Int64")
    n = len(rows)
    if isinstance(values, str):
        values = pd.Series([values] * n, dtype="string")
    values = pd.Series(values).reset_index(drop=True).astype("string").fillna("")
    values = mask(values) if identifier else mask_series(values, known).fillna("")
    where_zh = pd.Series([f"{file}"] * n, dtype="string")
    where_en = where_zh.copy()
    has_row = rows.notna()
    where_zh = where_zh.mask(has_row, where_zh + " 第 " + rows.astype("string") + " 行")
    where_en = where_en.mask(has_row, where_en + " row " + rows.astype("string"))
    named = f" ({canonical})" if canonical and canonical != column else ""
    col_zh = f" 列「{column}」{named}" if column else named
    col_en = f" column '{column}'{named}" if column else named
    shown = values.mask(values.eq(""), "(空 / blank)")
    value_zh = ", 值为 " + shown if has_row.any() else ""
    value_en = ", value " + shown if has_row.any() else ""
    msg_zh = where_zh + col_zh + ": " + reason_zh + value_zh + (", 应为 " + exp_zh if exp_zh != "-" else "")
    msg_en = where_en + col_en + ": " + reason_en + value_en + (", expected " + exp_en if exp_en != "-" else "")
    if detail is not None:
        msg_zh = msg_zh + " (" + _per_row(detail[0], n) + ")"
        msg_en = msg_en + " (" + _per_row(detail[1], n) + ")"
    return pd.DataFrame(
        {
            "file": file,
            "row": rows,
            "column": column,
            "canonical": canonical,
            "value": values,
            "kind": kind,
            "severity": severity,
            "expected": f"{exp_zh} / {exp_en}",
            "message_zh": msg_zh,
            "message_en": msg_en,
        }
    )


def _per_row(detail: pd.Series | str, n: int) -> pd.Series:
    if isinstance(detail, str):
        return pd.Series([detail] * n, dtype="string")
    return pd.Series(detail).reset_index(drop=True).astype("string")


# ---------------------------------------------------------------------------------------------
# Parsing cells (vectorised): each returns parsed values and a mask of cells that failed.


def as_text(values: pd.Series) -> pd.Series:
    """Cells as stripped text, blanks as ``""`` (numbers written without a trailing ``.0``)."""
    if pd.api.types.is_float_dtype(values):
        whole = values.notna() & np.isfinite(values) & (values % 1 == 0) & (values.abs() < 1e15)
        text = values.astype("string")
        text = text.mask(whole, values.where(whole, 0).astype("int64").astype("string"))
        return text.fillna("").astype("str")
    return values.astype("str").fillna("").str.strip()


def blank(values: pd.Series) -> np.ndarray:
    """True where a cell is empty (a boolean array)."""
    return as_text(values).eq("").to_numpy(dtype=bool)


#: Excel's error values: a formula that failed in the export (an error naming the cell, not "not a number").
EXCEL_ERRORS = (
    "#N/A",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
)
#: A number as exports write it, after width folding: sign, digits with thousands separators in
#: the right places (``1,234``, ``12,345,678.5``) or none, decimals, an exponent, an optional 元
#: unit. Any other comma (``2,1000``) or a space between digits (``21 500``) is ambiguous — two
#: values run together, or a decimal comma — and is not read as a number.
_NUMBER = re.compile(r"^[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_UNIT = re.compile(r"(?:元|元/人|元/年|人民币)$")


def excel_errors(text: pd.Series) -> np.ndarray:
    """True where a cell holds an Excel error value (#N/A, #DIV/0!, ...)."""
    return text.str.strip().str.upper().isin(EXCEL_ERRORS).to_numpy(dtype=bool)


def _clean_number_text(text: pd.Series) -> pd.Series:
    wide = ~text.str.isascii().fillna(True).astype(bool)
    if wide.any():  # full-width digits, 元, ，: folded cell by cell, only where there are any
        text = text.copy()
        text[wide] = text[wide].map(lambda v: unicodedata.normalize("NFKC", v).replace("，", ","))
        text[wide] = text[wide].str.strip("\u3000\xa0 \t").str.replace(_UNIT, "", regex=True)
    return text.str.strip()  # spaces at the ends only: one between digits is ambiguous


def parse_number(values: pd.Series, text: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """Numbers (float, NaN for blank) and the mask of non-blank cells that are not numbers.

    Accepted as exports write them: numbers stored as text, full-width digits, signs and points
    (１２３４５), a 元 suffix, spaces around the number, thousands separators in groups of three
    (``12,345``). Ambiguous separators (``2,1000`` is never read as 21000, ``21 500`` never as
    21500) and non-finite values (``inf``, ``nan``, ``1e400``) are not numbers. ``text`` is
    ``as_text(values)`` if known. Excel error values (#N/A) are among the bad cells
    (:func:`excel_errors` tells them apart).
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        number = values.astype("float64")
        return number, (number.notna() & ~np.isfinite(number)).astype(bool)
    text = _clean_number_text(as_text(values) if text is None else text)
    well_formed = text.str.match(_NUMBER).fillna(False).astype(bool)
    plain = text.str.replace(",", "", regex=False)
    number = pd.to_numeric(plain.where(well_formed, None), errors="coerce").astype("float64")
    number = number.where(np.isfinite(number.fillna(0)))  # 1e400 (inf) is not a number
    bad = (text.ne("") & number.isna()).astype(bool)
    return number, bad


def parse_bool(
    values: pd.Series, text: pd.Series | None = None, field: str | None = None
) -> tuple[pd.Series, pd.Series]:
    """Yes/no cells as nullable booleans (blank → NA) and the mask of unrecognised cells. The
    words are data (``data/vocabularies.csv``: 是/否, 1/0, Y/N, √/×, 有/无, and the ``field``'s own
    such as 已消除/未消除 for risk_eliminated)."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean"), pd.Series(False, index=values.index)
    true_words, false_words = yes_no_words(field)
    text = as_text(values) if text is None else text
    uniques = text.unique()
    text = text.map(dict(zip(uniques, map(normalise_header, uniques), strict=True)))
    text = text.str.replace(r"\.0+$", "", regex=True)
    yes = text.isin(true_words)
    no = text.isin(false_words) | text.eq("")
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[yes] = True
    out[no & text.ne("")] = False
    return out, (~yes & ~no).astype(bool)


def default_max_year() -> int:
    """Latest accepted year by default: the current calendar year."""
    return _dt.date.today().year
