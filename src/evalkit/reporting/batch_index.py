"""What a batch writes beside its reports: ``index.html`` (the table of contents, in
administrative order) and ``comparison.csv`` (the cross-region table of key numbers and
scorecard status counts), both with the marks of each report's own disclosure states."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evalkit import __version__
from evalkit.core.outputs import atomic_write_text
from evalkit.io.spreadsheet import neutralise_frame
from evalkit.reporting import disclosure
from evalkit.reporting.report import LOGS, ReportOutcome, merged_name, report_stem

INDEX = "index.html"
COMPARISON = "comparison.csv"
#: Key numbers shown in the index and the comparison table (keys of the results' key_numbers).
INDEX_NUMBERS = {
    "n_households": "households",
    "n_persons": "persons",
    "net_income_pc": "yuan",
    "growth_prev": "pct",
    "ratio_rural_to_tuopin": "ratio",
    "growth_differential_pp": "pp",
    "share_persons_below_10000": "pct",
    "n_persons_below_monitoring": "persons",
}
STATUS_CODES = ("met", "not_met", "not_due", "not_measurable")


def index_name(lang: str = "zh") -> str:
    """``index.html`` for the Chinese batch, ``index.en.html`` for the English one."""
    return INDEX if lang == "zh" else INDEX.replace(".html", f".{lang}.html")


def hidden_marks(results: dict) -> dict[str, str]:
    """Key → mark of the key numbers a report's results hide (the report's own rule and states,
    so comparison.csv and index.html show exactly what the report shows)."""
    settings = results.get("disclosure", {})
    rule = disclosure.Rule(
        threshold=int(settings.get("threshold", disclosure.Rule().threshold)),
        suppress_zeros=bool(settings.get("suppress_zeros", False)),
    )
    states = results.get("suppression") or dict.fromkeys(results.get("suppressed_keys", []), disclosure.DEPENDENT)
    return {key: disclosure.mark(state, rule) for key, state in states.items()}


def comparison_rows(outcomes: list[ReportOutcome], chosen: list) -> list[dict]:
    rows = []
    for outcome, region in zip(outcomes, chosen, strict=False):
        shown = outcome.results if outcome.ok or outcome.status == "previous" else {}
        numbers = shown.get("key_numbers", {})
        hidden = hidden_marks(shown)
        merged_in = [c for c in str((shown.get("parameters") or {}).get("merge_regions") or "").split(",") if c]
        counts = shown.get("scorecard_counts", {})
        rows.append(
            {
                "region": region.code,
                "name_zh": merged_name(region, merged_in, "zh"),
                "name_en": merged_name(region, merged_in, "en"),
                "level": region.level,
                "status": outcome.status,
                "error": outcome.error,
                **{k: hidden.get(k, numbers.get(k)) for k in INDEX_NUMBERS},
                **{k: counts.get(k, 0) if shown else None for k in STATUS_CODES},
                "data_fingerprint": shown.get("data_fingerprint", ""),
                "synthetic": shown.get("synthetic"),
                # an empty number is not suppressed ("<10") and not zero: why it could not be computed
                "not_available": "; ".join(
                    f"{k}: {why['zh']} / {why['en']}"
                    for k, why in shown.get("unavailable", {}).items()
                    if k in INDEX_NUMBERS
                ),
            }
        )
    return rows


def write_comparison(outcomes: list[ReportOutcome], chosen: list, path: Path) -> Path:
    """``comparison.csv``: one row per region (registry order), key numbers and status counts
    (hidden numbers with the report's marks, numbers that could not be computed empty with the
    reason in ``not_available``, failed regions with their error)."""
    table = neutralise_frame(pd.DataFrame(comparison_rows(outcomes, chosen)))
    return atomic_write_text(path, table.to_csv(index=False, lineterminator="\n"))


def index_layout(codes: list[str]) -> list[tuple[str, int, bool]]:
    """The rows of index.html in administrative order, each under its parent: ``(code, depth,
    heading)`` for every region of ``codes`` and, above a county whose prefecture has no report in
    the index, a heading row for that prefecture (``heading=True``). Order: the registry tree walked
    depth-first (a province, then each of its prefectures followed by its counties, in the registry's
    GB/T 2260 order); depth counts the ancestors shown in the index."""
    from evalkit.core.registry import regions

    table = regions()
    parent = dict(zip(table["code"], table["parent_code"], strict=True))
    level = dict(zip(table["code"], table["level"], strict=True))
    row_of = {code: i for i, code in enumerate(table["code"])}

    def ancestors(code: str) -> list[str]:
        chain = []
        while parent.get(code):
            code = parent[code]
            chain.append(code)
        return chain[::-1]

    shown = set(codes)
    headings = {
        parent[c]
        for c in codes
        if level.get(c) == "county"
        and parent.get(c)
        and parent[c] not in shown
        and level.get(parent[c]) == "prefecture"
    }
    every = [*dict.fromkeys(codes), *sorted(headings)]

    def key(code: str) -> list[int]:
        return [row_of.get(c, len(row_of)) for c in [*ancestors(code), code]]

    return [
        (code, sum(a in shown or a in headings for a in ancestors(code)), code in headings)
        for code in sorted(every, key=key)
    ]


def write_index(outcomes: list[ReportOutcome], chosen: list, path: Path, year: int, lang: str = "zh") -> Path:
    """``index.html``: the batch's table of contents (jinja2 template ``templates/index.html.j2``)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from evalkit.core.registry import get_region
    from evalkit.reporting.present import format_value, legend, t

    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )
    folder = path.parent

    def link(name: str) -> str | None:
        return name if (folder / name).exists() else None  # never a link to a missing file

    rows: list[dict] = []
    for row, outcome in zip(comparison_rows(outcomes, chosen), outcomes, strict=False):
        name = row["name_zh"] if lang == "zh" else row["name_en"]
        stem = report_stem(row["region"], lang)
        is_merged = outcome.status == "merged"
        # a region published inside its host's report links only to the host (no stale files of its own)
        own = (lambda _name: None) if is_merged else link
        rows.append(
            {
                "name": name,
                "status": outcome.status,
                "failed": outcome.status == "failed",
                "merged": is_merged,
                "shown": outcome.ok or outcome.status == "previous",
                "host_html": link(f"{report_stem(str(outcome.results.get('merged_into')), lang)}.html")
                if is_merged
                else None,
                "error": outcome.error,
                "html": own(f"{stem}.html"),
                "documents": [(f.upper(), f"{stem}.{f}") for f in ("pdf", "docx", "xlsx") if own(f"{stem}.{f}")],
                "notebook": own(f"{stem}.ipynb"),
                "json": own(f"{stem}.json"),
                "log": own(f"{LOGS}/{stem}.log"),
                "failed_notebook": own(f"{LOGS}/{stem}.failed.ipynb"),
                "fingerprint": row["data_fingerprint"],
                "numbers": [
                    row[k] if isinstance(row[k], str) else format_value(row[k], kind, lang)
                    for k, kind in INDEX_NUMBERS.items()
                ],
                **{k: row[k] for k in STATUS_CODES},
            }
        )
    by_code = {region.code: row for region, row in zip(chosen, rows, strict=False)}
    ordered: list[dict] = []
    for code, depth, heading in index_layout([region.code for region in chosen[: len(rows)]]):
        if heading:
            unit = get_region(code)
            ordered.append({"heading": True, "depth": depth, "name": unit.name_zh if lang == "zh" else unit.name_en})
        else:
            ordered.append(by_code[code] | {"depth": depth, "heading": False})
    rows = ordered
    failed = [r["name"] for r in rows if r.get("failed")]
    merged = [r["name"] for r in rows if r.get("merged")]
    n_regions = sum(not r["heading"] for r in rows)
    ok = sum(o.ok for o in outcomes)
    unfinished = [r["name"] for r in rows if r.get("status") in ("previous", "pending")]
    if lang == "zh":
        summary = (
            f"共 {n_regions} 个地区: {ok} 个报告已生成"
            + (f", {len(merged)} 个并入相邻地区报告: {'、'.join(merged)}" if merged else "")
            + (f", {len(failed)} 个失败: {'、'.join(failed)}" if failed else "")
        )
    else:
        summary = (
            f"{n_regions} regions: {ok} reports written"
            + (f", {len(merged)} published within a neighbour's report: {', '.join(merged)}" if merged else "")
            + (f", {len(failed)} failed: {', '.join(failed)}" if failed else "")
        )
    if unfinished:
        summary += (
            f"; 本次运行尚未完成 {len(unfinished)} 个 (显示的是上次的报告或暂无): {'、'.join(unfinished)}"
            if lang == "zh"
            else f"; {len(unfinished)} not (yet) redone by this run (an earlier report, or none): "
            f"{', '.join(unfinished)}"
        )
    label_keys = [
        "region",
        "status",
        *INDEX_NUMBERS,
        "status_met",
        "status_not_met",
        "status_not_due",
        "status_not_measurable",
        "report_status",
        "data_fingerprint",
        "evalkit_version",
        "files",
        "failed",
        "ok_status",
        "status_merged",
        "index_no_report",
        "previous_status",
        "pending_status",
        "kept_previous_report",
    ]
    labels = {k: t(k, lang) for k in label_keys}
    labels["ok"] = labels.pop("ok_status")
    labels["previous"] = labels.pop("previous_status")
    labels["pending"] = labels.pop("pending_status")
    fingerprints = sorted({r["fingerprint"] for r in rows if r.get("fingerprint")})
    html_text = env.get_template("index.html.j2").render(
        lang=lang,
        title=f"{year} {t('report_title', lang)}",
        rows=rows,
        labels=labels,
        number_keys=list(INDEX_NUMBERS),
        summary=summary,
        version=__version__,
        fingerprints=fingerprints,
        synthetic=any(o.results.get("synthetic") for o in outcomes),
        synthetic_notice=t("synthetic_notice", lang),
        suppressed_note=disclosure.note(lang),
        legend=legend([n for r in rows for n in r.get("numbers", [])], lang),
    )
    return atomic_write_text(path, html_text)
