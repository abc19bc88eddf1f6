"""The commands of the command line: each reads its inputs, calls the library (which returns data),
prints and returns the exit code. Domain modules never print.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from evalkit.core.config import DEFAULT_SEED
from evalkit.core.errors import EvalkitError
from evalkit.core.outputs import check_output_folder
from evalkit.core.registry import get_region
from evalkit.demo import DEFAULT_HOUSEHOLDS, LABEL, YEARS, write_demo
from evalkit.evaluation.scorecard import scorecard
from evalkit.evaluation.statistics_template import template_tables, write_template
from evalkit.evaluation.watchlist import export_watchlist, watchlist, watchlist_counts
from evalkit.evaluation.watchlist_flows import caseworker_lists
from evalkit.io.accounting import format_accounting, format_skipped, write_rejections
from evalkit.io.dataset_ingest import ingest_dataset
from evalkit.io.headers import read_column_map, use_column_map
from evalkit.io.ingest import ROWS_PER_KIND, format_column_mapping, ingest, problem_lines
from evalkit.io.load import load_report_panel
from evalkit.io.plan import DEFAULT_MIN_YEAR
from evalkit.io.pseudonymise import DemoKeyWarning
from evalkit.reporting.batch import report_year_groups, resolve_regions, run_batch
from evalkit.reporting.batch_index import COMPARISON, index_name
from evalkit.reporting.parameters import FORMATS, LOGS, disclosure_parameters
from evalkit.reporting.report import ensure_data, panel_years
from evalkit.reporting.runner import run_report
from evalkit.reporting.scorecard_view import scorecard_display, status_counts


def scorecard_command(
    region: str,
    year: int,
    data: str | None = None,
    lang: str = "zh",
    out: str | None = None,
    programme: str | None = None,
    cost: bool = False,
    series: str | None = None,
) -> int:
    """``evalkit scorecard``: print the scorecard as the report shows it (formatted values, no
    ``NaN``); write it to ``out`` if given: ``.xlsx`` as an Excel workbook (the display table and
    the full table with raw values), anything else as CSV (UTF-8 with BOM).
    ``data``: a panel folder, a dataset (only ``region``'s partitions are read) or the demo.
    ``cost``: estimate every measure's effect as the report does and add the cost checks (slow).
    ``programme`` / ``series``: the region's own programme indicators and comparison series.
    Written atomically and formula-safe (:mod:`evalkit.io.spreadsheet`); the output is checked
    before the work (a read-only folder is a message, not an OSError at the end)."""
    from evalkit.core.comparison import load_series, series_in_use, user_series
    from evalkit.core.outputs import check_output_file
    from evalkit.evaluation.target_values import load_programme
    from evalkit.io.spreadsheet import write_csv, write_workbook

    if out:
        check_output_file(out)
    own = load_programme(programme) if programme else None
    with series_in_use(load_series(series) if series else user_series()):
        panel = load_report_panel(data, region)
        support_cost = region_cost(panel, region, year, lang) if cost else None
        table = scorecard(panel, region, year, programme=own, lang=lang, cost=support_cost)
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
            write_workbook({"scorecard": shown, "values": table}, path)
        else:
            write_csv(table, path)
        print(f"已写出 / written: {path}")
    return 0


def region_cost(panel, region: str, year: int, lang: str = "zh") -> pd.DataFrame:
    """The cost table of ``region`` in ``year`` as the report computes it: every measure with
    enough treated households estimated on the report's effects sample, divided by the amounts."""
    from evalkit.evaluation.cost import cost_per_yuan
    from evalkit.reporting import report
    from evalkit.reporting.effects_section import overview_estimates

    households = report.region_households(panel, get_region(region), year)
    data = report.region_panel(panel, households)
    estimates = overview_estimates(report.effects_sample(data)[0])
    return cost_per_yuan(households, data.measures, year, estimates.results, lang, reasons=estimates.reasons(lang))


def watchlist_command(region: str, year: int, data: str | None = None, out: str | None = None) -> int:
    """``evalkit watchlist``: print the counts by county (small cells suppressed); export the list to ``out``
    (checked before the work)."""
    from evalkit.core.outputs import check_output_file

    if out:
        check_output_file(out, (".csv", ".xlsx"))
    panel = load_report_panel(data, region)
    watch = watchlist(panel, region, year)
    if panel.synthetic:
        print("合成数据 / SYNTHETIC DATA")
    from evalkit.reporting import disclosure
    from evalkit.reporting.present import watch_table

    wide = watch_table(watchlist_counts(watch), "county")  # the published counts: same protection as a report
    with pd.option_context("display.max_rows", None, "display.width", 200):
        print(wide.to_string(index=False))
    key = disclosure.legend(wide.iloc[:, 1:].to_numpy().ravel())
    if key:
        print(key)
    for flag, reasons in watch.attrs.get("not_evaluable", {}).items():
        print(f"无法判断 / not evaluable: {flag}: {reasons['zh']} / {reasons['en']}")
    if out:
        export_watchlist(watch, out)
        print(f"{len(watch)} 户已导出 / households exported: {out}")
    return 0


def lists_command(region: str, year: int, data: str | None = None, out: str = "lists") -> int:
    """``evalkit lists``: write the caseworker lists of ``region`` and ``year`` as CSV (UTF-8 with
    BOM, for Excel) into ``out``: ``<region>_<year>_<list>.csv``; print how many rows each has."""
    from evalkit.core.outputs import check_output_folder
    from evalkit.io.spreadsheet import write_csv

    folder = check_output_folder(out)
    panel = load_report_panel(data, region)
    region_info = get_region(region)
    if panel.synthetic:
        print("合成数据 / SYNTHETIC DATA")
    for name, table in caseworker_lists(panel, region_info, year).items():
        path = folder / f"{region_info.code}_{year}_{name}.csv"
        write_csv(table, path)  # atomic, formula-safe
        print(f"{name}: {len(table)} 行 / rows -> {path}")
    return 0


def report_command(
    region: str,
    year: int,
    data: str | None = None,
    lang: str = "zh",
    out: str = "reports",
    formats=None,
    min_households: int | None = None,
    suppress_zeros: bool = False,
    series: str | None = None,
    programme: str | None = None,
    wait: bool = False,
) -> int:
    """``evalkit report``: one region's report; exit code 0 when written, 1 when the notebook failed
    or the region is too small to be published on its own.

    The parent-sibling rule of a batch holds for one report too: a county with fewer households
    than the threshold is not published by itself (its figures would be its parent's totals minus
    its siblings'): the command refuses and names the sibling whose report includes it; the
    report of that sibling includes the small one. ``series`` / ``programme``: the region's own
    comparison series and programme indicators. ``wait``: wait for another run writing the same
    reports folder instead of refusing."""
    from evalkit.core.config import MIN_HOUSEHOLDS
    from evalkit.reporting import disclosure
    from evalkit.reporting.batch import standalone_merge

    rule = disclosure.Rule(threshold=MIN_HOUSEHOLDS if min_households is None else min_households)
    parameters = disclosure_parameters(min_households, suppress_zeros)
    try:
        chosen = get_region(region)
    except EvalkitError:  # run_report says what is wrong with the region
        host, small = None, list[str]()
    else:
        host, small = standalone_merge(data, chosen.code, year, rule)
    if host is not None:
        other = get_region(host)
        print(
            f"{chosen.name_zh} {year}: 户数少于 {rule.threshold} 户，不单独公布 (否则上级合计减去其他地区即得其数字)；"
            f"其数字包括在 {other.name_zh} 的报告中: evalkit report {other.code} {year}\n"
            f"{chosen.name_en} {year}: fewer than {rule.threshold} households, not published on its own (its "
            f"figures would be its parent's totals minus the other regions'); they are part of the report of "
            f"{other.name_en}: evalkit report {other.code} {year}",
            file=sys.stderr,
        )
        return 1
    if small:
        parameters["merge_regions"] = ",".join(small)
        names = "、".join(get_region(c).name_zh for c in small)
        print(
            f"{chosen.name_zh} {year}: 本报告包括 {names} (户数少于 {rule.threshold} 户) / includes {', '.join(small)}"
        )
    outcome = run_report(
        region,
        year,
        data=data,
        lang=lang,
        out=out,
        formats=formats,
        extra_parameters=parameters,
        series=series,
        programme=programme,
        wait=wait,
    )
    verb = "regenerated / 已重新生成" if outcome.replaced else "written / 已生成"
    if outcome.ok:
        files = [getattr(outcome, f) for f in FORMATS if getattr(outcome, f) is not None]
        print(f"{outcome.region} {outcome.year}: {verb} ({outcome.seconds:.1f} s)")
        for path in [*files, outcome.notebook, outcome.results_file]:
            print(f"  {path}")
        print(f"  log: {outcome.log}")
        return 0
    print(f"{outcome.region} {outcome.year}: 失败 / FAILED: {outcome.error}\n  log: {outcome.log}", file=sys.stderr)
    return 1


__all__ = ["lists_command", "report_command", "scorecard_command", "watchlist_command"]


def batch_command(
    year: int | str | None,
    regions: str = "all",
    jobs: int = 2,
    data: str | None = None,
    lang: str = "zh",
    out: str = "reports",
    formats: str | None = None,
    scheduler: str | None = None,
    min_households: int | None = None,
    suppress_zeros: bool = False,
    series: str | None = None,
    programme: str | None = None,
    wait: bool = False,
) -> int:
    """``evalkit batch``: exit 0 when every report was written, 1 when any failed (summary on
    stderr). Without ``year``, the latest year in the data; ``year="plan"``: each region for the
    latest year its plans and the data cover (:func:`evalkit.reporting.batch.plan_year`), one
    folder and index per year (:func:`evalkit.reporting.batch.report_year_groups`).
    ``series`` / ``programme``: the regions' own comparison series and programme indicators (one
    file each for the batch, validated before any worker starts)."""
    years = panel_years(ensure_data(data))
    groups = report_year_groups(year, resolve_regions(regions), years)
    if year is None:
        print(f"报告年度 / report year: {years[-1]} (数据中最近的年度 / the latest year in the data)")
    elif str(year).strip().lower() == "plan":
        made = ", ".join(f"{y}: {len(g)}" for y, g in sorted(groups.items()))
        print(f"报告年度 / report years (规划期与数据覆盖 / plan period and data) {made}")
    code = 0
    for group_year, group in sorted(groups.items()):
        outcomes = run_batch(
            group_year,
            regions=[r.code for r in group],
            jobs=jobs,
            data=data,
            lang=lang,
            out=out,
            formats=formats,
            scheduler=scheduler,
            min_households=min_households,
            suppress_zeros=suppress_zeros,
            series=series,
            programme=programme,
            wait=wait,
        )
        code = max(code, _batch_summary(outcomes, Path(out) / str(group_year), lang))
    return code


def _batch_summary(outcomes: list, year_dir: Path, lang: str) -> int:
    """Print what one year's batch regenerated, wrote and failed; its exit code."""
    regenerated = [o.region for o in outcomes if o.ok and o.replaced]
    new = [o.region for o in outcomes if o.ok and not o.replaced]
    failed = [o for o in outcomes if o.status == "failed"]
    if regenerated:
        print(f"重新生成 / regenerated (previous files replaced) {len(regenerated)}: {', '.join(regenerated)}")
    if new:
        print(f"新生成 / written for the first time {len(new)}: {', '.join(new)}")
    slowest = max(outcomes, key=lambda o: o.seconds)
    print(
        f"索引 / index: {year_dir / index_name(lang)}; 对比表 / comparison: {year_dir / COMPARISON}; "
        f"slowest report {slowest.region} {slowest.seconds:.1f} s"
    )
    if failed:
        print(f"失败 / FAILED {len(failed)} of {len(outcomes)}:", file=sys.stderr)
        for o in failed:
            print(f"  {o.region}: {o.error} (log: {year_dir / LOGS / (o.stem + '.log')})", file=sys.stderr)
        return 1
    print(f"全部完成 / all {len(outcomes)} reports written")
    return 0


def validate_command(
    paths,
    strict: bool = False,
    measures=(),
    rejections_dir: str | Path | None = None,
    min_year: int | None = None,
    max_year: int | None = None,
    show_all: bool = False,
    column_map: str | Path | None = None,
) -> int:
    """``evalkit validate``: print the header mapping, the accounting and the problems, grouped by
    kind with the first :data:`ROWS_PER_KIND` rows of each (``show_all``: every row); 0 when
    usable, 1 when not.

    ``min_year`` / ``max_year`` bound the accepted years (defaults as in :func:`ingest`);
    ``column_map``: the user's mapping file (export header → evalkit field, :func:`read_column_map`).
    """
    if rejections_dir is not None:
        check_output_folder(rejections_dir)  # before the work: a read-only folder is a message now
    use_column_map(read_column_map(column_map) if column_map else None)
    for path in [*paths, *(measures or ())]:
        print(format_column_mapping(path, "measures" if path in (measures or ()) else "households"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DemoKeyWarning)
        result = ingest(
            paths,
            measures=measures or (),
            strict=strict,
            min_year=DEFAULT_MIN_YEAR if min_year is None else min_year,
            max_year=max_year,
        )
    for w in caught:
        if issubclass(w.category, DemoKeyWarning):
            print(str(w.message), file=sys.stderr)
    print(format_accounting(result))
    skipped = format_skipped(result)
    if skipped:
        print(skipped)
    errors, warns = result.errors, result.problems[result.problems["severity"] == "warning"]
    if len(result.problems):
        print(f"问题 / problems: {len(errors)} 个错误 / errors, {len(warns)} 个警告 / warnings")
        for line in problem_lines(pd.concat([errors, warns]), None if show_all else ROWS_PER_KIND):
            print(line)
    if rejections_dir is not None:
        for path in write_rejections(result, rejections_dir):
            print(f"已写出 / written: {path}")
    if result.ok:
        print("结果: 文件可用 / result: the files are usable")
        return 0
    print("结果: 文件不可用, 请修正上述错误 / result: NOT usable, fix the errors above")
    return 1


def ingest_command(sources: Sequence[str], out: str, measures: Sequence[str] = (), **options) -> int:
    """``evalkit ingest SRC... --out DATASET``: :func:`evalkit.io.dataset_ingest.ingest_dataset`
    (``options``: its keyword arguments — strict, chunk_rows, chunk_threshold_mb, wait,
    force_demo_key, new_key, client, column_map), then print the row accounting, the analyses
    absent optional columns will skip and the files written. Exit code 0 when the files had no
    error, 1 when rows were rejected (the dataset of accepted rows is still written), as
    ``evalkit validate``."""
    done = ingest_dataset(sources, out, measures, **options)
    for note in done.notes:
        print(note, file=sys.stderr)
    print(format_accounting(done.result))
    if done.skipped:
        print(done.skipped)
    for path in done.written:
        print(f"已写出 / written: {path}")
    record = done.record
    print(
        f"已写出数据集 / dataset written: {out} — {record['rows']['households']} 户年 / household-years, "
        f"{len(record['partitions'])} 个分区 / partitions, 指纹 / fingerprint {record['fingerprint']}"
    )
    return 0 if done.result.ok else 1


def demo_data_command(
    out: str | Path | None = None, households: int = DEFAULT_HOUSEHOLDS, seed: int = DEFAULT_SEED
) -> int:
    """``evalkit demo-data``: generate and save the demo panel (:func:`evalkit.demo.write_demo`),
    print what was written with the SYNTHETIC label."""
    folder, rows = write_demo(out, households, seed)
    print(LABEL)
    print(
        f"写出 / wrote {folder}: {households:,} 户 households × {len(YEARS)} 年 years "
        f"= {rows['households']:,} 行 rows; {rows['measures']:,} 条帮扶措施 measure rows; seed {seed}"
    )
    for name in sorted(p.name for p in folder.iterdir()):
        print(f"  {folder / name}")
    return 0


def template_command(region: str, year: int, out: str | None = None) -> int:
    """``evalkit template``: write the fill-in workbook and say what it lists."""
    reg = get_region(region)
    path = Path(out or f"{reg.code}_{year}_统计数据模板.xlsx")
    write_template(reg, year, path)
    series, programme = template_tables(reg, year)
    print(
        f"已写出 / written: {path} — 对比序列 {len(series)} 行 / series rows, 项目指标 {len(programme)} 行 / "
        f"programme rows; 填写 value 与 source 后用 --series {path} --programme {path} 传入 / fill in value and "
        f"source, then pass it as --series {path} --programme {path}"
    )
    return 0
