"""The outcome of an ingest: the result object, per-file accounting and the written/printed forms.

rows read = accepted + rejected + excluded, per file; every rejection and exclusion is counted by
reason (a row rejected for several reasons is counted under each); rejected rows are kept, without
raw identifiers, for the rejections file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.core.panel import MEASURE_COLUMNS, Panel
from evalkit.io.checks import KINDS, empty_problems
from evalkit.io.file_checks import FileState, alias_problems, masked_rejection_text
from evalkit.io.readers import EXCLUSIONS, ROW

#: Columns of :attr:`IngestResult.reasons`.
REASON_COLUMNS = ["file", "table", "status", "reason", "reason_zh", "reason_en", "rows"]
#: Leading columns of :attr:`IngestResult.rejections` (the cells as text follow).
REJECTION_COLUMNS = ["file", "table", "row", "reasons"]
MAX_PRINTED_PROBLEMS = 1000


@dataclass
class IngestResult:
    """Outcome of :func:`ingest`: the panel of accepted rows and the full accounting.

    * ``accounting``: one row per file: file, table, format, encoding, sheet, header_row,
      rows_read, rows_accepted, rows_rejected, rows_excluded (rows_read = accepted + rejected + excluded);
    * ``reasons``: file, table, status (rejected | excluded | normalised: accepted after a
      reported correction such as a region alias), reason, reason_zh, reason_en, rows (a row
      rejected for several reasons is counted under each);
    * ``problems``: :data:`evalkit.validation.PROBLEM_COLUMNS`, errors and warnings;
    * ``rejections``: rejected rows without raw identifiers (file, table, row, reasons,
      household_id pseudonym, the other cells as text).
    """

    panel: Panel
    accounting: pd.DataFrame
    problems: pd.DataFrame
    rejections: pd.DataFrame
    reasons: pd.DataFrame
    demo_key: bool

    @property
    def errors(self) -> pd.DataFrame:
        return self.problems[self.problems["severity"] == "error"]

    @property
    def ok(self) -> bool:
        """True when no problem is an error (the files are usable as they are)."""
        return self.errors.empty


def file_summary(s: FileState) -> tuple[dict, list[dict], pd.DataFrame | None]:
    """The accounting row, the counts by reason and the rejected rows (None if none) of one checked file (or block)."""
    keep = ~s.checks.rejected
    info = s.info
    excluded = info["excluded"]
    row = {
        "file": s.file,
        "table": s.table,
        "format": info["format"],
        "encoding": info["encoding"],
        "sheet": info["sheet"],
        "header_row": info["header_row"],
        "rows_read": info["rows_read"],
        "rows_accepted": int(keep.sum()),
        "rows_rejected": int((~keep).sum()),
        "rows_excluded": sum(excluded.values()),
    }
    if "persons_read" in info:  # a person-level export (io.persons): rows are households formed
        row["persons_read"] = info["persons_read"]
    reasons = []
    for status, found in (("rejected", s.checks.reasons), ("normalised", s.checks.normalised)):
        for kind, mask in found.items():
            reasons.append(
                {
                    "file": s.file,
                    "table": s.table,
                    "status": status,
                    "reason": kind,
                    "reason_zh": KINDS[kind][0],
                    "reason_en": KINDS[kind][1],
                    "rows": int(mask.sum()),
                }
            )
    for kind, n in excluded.items():
        if n:
            reasons.append(
                {
                    "file": s.file,
                    "table": s.table,
                    "status": "excluded",
                    "reason": kind,
                    "reason_zh": EXCLUSIONS[kind][0],
                    "reason_en": EXCLUSIONS[kind][1],
                    "rows": n,
                }
            )
    if not (~keep).any():
        return row, reasons, None
    rej = pd.DataFrame({"file": s.file, "table": s.table, "row": s.data[ROW].to_numpy()[~keep]})
    why = pd.Series("", index=range(len(s.data)), dtype="string")
    for kind, mask in s.checks.reasons.items():
        why = why.mask(mask, why + np.where(why.eq(""), "", ";") + kind)
    rej["reasons"] = why.to_numpy()[~keep]
    if "household_id" in s.data.columns:
        rej["household_id"] = s.data["household_id"].to_numpy()[~keep]
    if s.rejection_text is not None:
        rej = pd.concat([rej, masked_rejection_text(s, ~keep)], axis=1)
    return row, reasons, rej


def accepted_rows(s: FileState) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The accepted rows of a checked file (or block) and its accepted measure rows (None if none)."""
    keep = ~s.checks.rejected
    accepted = s.data[keep].drop(columns=ROW)
    if s.table == "measures":
        return accepted, accepted.reindex(columns=MEASURE_COLUMNS)
    if len(s.wide):
        return accepted, s.wide[keep[s.wide["_pos"].to_numpy().astype(int)]].drop(columns="_pos")
    return accepted, None


class FileTotals:
    """Accounting, reasons, problems and rejections of one file, summed over its blocks."""

    def __init__(self):
        self.row: dict | None = None
        self.reasons: dict[tuple[str, str], dict] = {}
        self.problems: list[pd.DataFrame] = []
        self.file_level: list[pd.DataFrame] = []
        self.alias_groups: list[pd.DataFrame] = []
        self.rejections: list[pd.DataFrame] = []

    def add(self, s: FileState) -> None:
        row, reasons, rejected = file_summary(s)
        if self.row is None:
            self.row = row
        else:
            for k in ("rows_read", "rows_accepted", "rows_rejected", "rows_excluded", "persons_read"):
                if k in row:
                    self.row[k] = self.row.get(k, 0) + row[k]
        for r in reasons:
            key = (r["status"], r["reason"])
            if key in self.reasons:
                self.reasons[key]["rows"] += r["rows"]
            else:
                self.reasons[key] = r
        found = s.checks.table()
        found = found[found["kind"] != "region_alias"]
        self.file_level.append(found[found["row"].isna()])
        self.problems.append(found[found["row"].notna()])
        self.alias_groups.extend(s.checks.alias_groups)
        if rejected is not None:
            self.rejections.append(rejected)

    def problem_table(self, file: str) -> pd.DataFrame:
        """File-level problems once (every block repeats them), then the row problems and the region-alias warnings."""
        parts = [pd.concat(self.file_level, ignore_index=True).drop_duplicates()] if self.file_level else []
        parts += self.problems
        if self.alias_groups:
            groups = pd.concat(self.alias_groups, ignore_index=True)
            merged = groups.groupby(["level", "column", "alias", "name"], sort=False, as_index=False).agg(
                first=("first", "min"), size=("size", "sum")
            )
            parts += [
                alias_problems(file, g.sort_values(["alias", "name"])) for _, g in merged.groupby("level", sort=False)
            ]
        parts = [p for p in parts if len(p)]
        return pd.concat(parts, ignore_index=True) if parts else empty_problems()

    def reason_rows(self) -> list[dict]:
        order = {"rejected": 0, "normalised": 1, "excluded": 2}
        return sorted(self.reasons.values(), key=lambda r: order[r["status"]])


def write_rejections(result: IngestResult, folder: str | Path) -> list[Path]:
    """Write ``rejections.csv`` and ``problems.csv`` (UTF-8 with BOM, opens in Excel) to ``folder``:
    atomically, never through a symbolic link, formula-safe (a cell such as ``=HYPERLINK(…)`` from
    the export is prefixed with ``'``: :func:`evalkit.io.spreadsheet.write_table`)."""
    from evalkit.core.outputs import check_output_folder
    from evalkit.io.spreadsheet import write_table

    folder = check_output_folder(folder)
    out = [folder / "rejections.csv", folder / "problems.csv"]
    write_table(result.rejections, out[0])
    write_table(result.problems, out[1])
    return out


def format_accounting(result: IngestResult) -> str:
    """The row accounting as bilingual text (one line per file, then the counts by reason)."""
    labels = {
        "file": "文件/file",
        "table": "表/table",
        "format": "格式/format",
        "encoding": "编码/encoding",
        "header_row": "表头行/header row",
        "rows_read": "读取/read",
        "rows_accepted": "接受/accepted",
        "rows_rejected": "拒绝/rejected",
        "rows_excluded": "排除/excluded",
    }
    table = result.accounting[list(labels)].rename(columns=labels)
    lines = [
        "行数核算 / row accounting (读取 = 接受 + 拒绝 + 排除 / read = accepted + rejected + excluded)",
        table.to_string(index=False),
    ]
    if "persons_read" in result.accounting.columns:
        for a in result.accounting[result.accounting["persons_read"].notna()].to_dict("records"):
            persons, formed = int(a["persons_read"]), int(a["rows_read"]) - int(a["rows_excluded"])
            lines.append(
                f"{a['file']}: 成员行 {persons} 行组成 {formed} 户 "
                f"(接受 {a['rows_accepted']}, 拒绝 {a['rows_rejected']}) / "
                f"{persons} member rows formed {formed} households "
                f"({a['rows_accepted']} accepted, {a['rows_rejected']} rejected)"
            )
    if len(result.reasons):
        lines.append("按原因 / by reason:")
        status = {"rejected": "拒绝/rejected", "excluded": "排除/excluded", "normalised": "已规范/normalised"}
        for r in result.reasons.itertuples(index=False):
            lines.append(f"  {r.file} [{status[str(r.status)]}] {r.reason_zh} / {r.reason_en}: {r.rows}")
    return "\n".join(lines)


def format_skipped(result: IngestResult) -> str:
    """For the optional columns the accepted household rows lack (absent, or blank in every row),
    the analyses that will be skipped (``data/column_uses.csv``), as bilingual lines; empty when
    none is (or there are no household rows)."""
    from evalkit.core.column_uses import skipped_lines

    households = result.panel.households
    if len(households) == 0:
        return ""
    present = [c for c in households.columns if households[c].notna().any()]
    lines = skipped_lines(present)
    if not lines:
        return ""
    head = "缺少可选列, 以下分析将跳过 / optional columns absent, these analyses will be skipped:"
    return "\n".join([head, *(f"  {line}" for line in lines)])
