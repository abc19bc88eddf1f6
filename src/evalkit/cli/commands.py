"""The commands of the command line: each reads its inputs, calls the library (which returns data),
prints and returns the exit code. Domain modules never print.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evalkit.evaluation.scorecard import scorecard
from evalkit.io.load import load_report_panel
from evalkit.reporting.scorecard_view import scorecard_display, status_counts


def scorecard_command(
    region: str,
    year: int,
    data: str | None = None,
    lang: str = "zh",
    out: str | None = None,
    programme: str | None = None,
) -> int:
    """``evalkit scorecard``: print the scorecard as the report shows it (formatted values, no
    ``NaN``); write it to ``out`` if given: ``.xlsx`` as an Excel workbook (the display table and
    the full table with raw values), anything else as CSV (UTF-8 with BOM).
    ``data``: a panel folder, a dataset (only ``region``'s partitions are read) or the demo."""
    panel = load_report_panel(data, region)
    table = scorecard(panel, region, year, programme=programme, lang=lang)
    if panel.synthetic:
        print("合成数据 / SYNTHETIC DATA")
    shown = scorecard_display(table, lang)
    with pd.option_context("display.max_rows", None, "display.max_colwidth", 40, "display.width", 250):
        print(shown.to_string(index=False) if len(shown) else "—")
    counts = status_counts(table, lang)
    print(" / ".join(f"{k}: {v}" for k, v in zip(counts.iloc[:, 0], counts.iloc[:, 1], strict=True)))
    if out:
        path = Path(out)
        if path.suffix.lower() == ".xlsx":
            with pd.ExcelWriter(path, engine="openpyxl") as writer:
                shown.to_excel(writer, sheet_name="scorecard", index=False)
                table.to_excel(writer, sheet_name="values", index=False)
        else:
            table.to_csv(path, index=False, encoding="utf-8-sig")
        print(f"已写出 / written: {path}")
    return 0


__all__ = ["scorecard_command"]
