"""Every region's yearly report in one batch: ``evalkit batch --year Y``.

One process per report (a :class:`concurrent.futures.ProcessPoolExecutor` with the *spawn*
start method — papermill is not thread-safe, and each report starts its own kernel), a tqdm
progress bar, a per-report log, and in ``OUT/Y/``:

* ``<region>.html`` / ``.ipynb`` / ``.json`` for every region (:func:`evalkit.report.run_report`);
* ``index.html``: every region with its key numbers, scorecard status counts and links; failed
  regions marked with their error;
* ``comparison.csv``: the cross-region table of key numbers and status counts.

A failing region does not stop the others; the command exits 1 with a summary naming them.
Batch-level parameters (year, data, region names, language) are validated before any report
starts. Re-running states which reports it regenerated (replaced) and which are new.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pandas as pd

from evalkit.core.comparison import load_series
from evalkit.core.errors import EvalkitError
from evalkit.core.outputs import folder_lock, refuse_symlink
from evalkit.evaluation.target_values import load_programme
from evalkit.reporting import disclosure
from evalkit.reporting.batch_index import COMPARISON, index_name, write_comparison, write_index
from evalkit.reporting.parameters import disclosure_parameters
from evalkit.reporting.pool import run_pool
from evalkit.reporting.report import (
    LANGS,
    ReportOutcome,
    declared_parameters,
    ensure_data,
    panel_years,
    parse_formats,
    prepare_year_dir,
    report_stem,
    run_report,
)


def resolve_regions(regions: str | list[str] = "all") -> list:
    """``all`` (every region with ``report = yes`` in the registry) or a comma-separated list of
    codes or names; unknown names raise before anything runs."""
    from evalkit.core.registry import get_region, report_regions

    if isinstance(regions, str):
        if regions.strip().lower() == "all":
            return report_regions()
        regions = [r for r in regions.split(",") if r.strip()]
    chosen = [get_region(r.strip()) for r in regions]
    if not chosen:
        raise EvalkitError("没有要生成报告的地区 / no region to report on", code="E-REGION-NONE")
    return list(dict.fromkeys(chosen))


def _failed(kwargs: dict, error: str) -> dict:
    """The outcome of a report that could not run."""
    return asdict(
        ReportOutcome(
            region=kwargs["region"], year=kwargs["year"], status="failed", error=error, lang=kwargs.get("lang", "zh")
        )
    )


def plan_year(region, years: list[int], targets: list | None = None) -> int:
    """The year a region's report is made for by ``--year plan``: the latest year of the data
    inside the period of a plan that applies to the region (广西 2022–2024 → 2024, 弥勒 2022–2023
    → 2023), else the latest year of the data (信阳 2023–2025 and 江西 2024– → the latest).
    ``targets``: the plans' targets when already loaded (default :func:`load_targets`)."""
    from evalkit.evaluation.scorecard import applicable_units
    from evalkit.evaluation.targets import load_targets

    targets = load_targets() if targets is None else targets
    covered = {y for t in targets if applicable_units(t, region) for y in years if t.in_force(y)}
    return max(covered) if covered else max(years)


def _run_one(kwargs: dict) -> dict:
    """Worker: one report in its own process; bad parameters become a failed outcome. The batch
    holds the reports folder's lock (the report does not take it again)."""
    try:
        return asdict(run_report(**kwargs, lock=False))
    except Exception as exc:  # validation errors of one region must not stop the batch
        return _failed(kwargs, f"{type(exc).__name__}: {exc}")


def run_batch(
    year: int,
    regions: str | list[str] = "all",
    jobs: int = 2,
    data: str | None = None,
    lang: str = "zh",
    out: str = "reports",
    progress: bool = True,
    notebook: str | None = None,
    formats: str | list[str] | None = None,
    scheduler: str | None = None,
    min_households: int | None = None,
    suppress_zeros: bool = False,
    series: str | None = None,
    programme: str | None = None,
    wait: bool = False,
) -> list[ReportOutcome]:
    """Run every report in ``formats`` (default html, pdf, docx, xlsx) — in a process pool of
    ``jobs`` spawned workers, or as tasks on the Dask cluster at ``scheduler`` (``"local"``
    starts a LocalCluster of ``jobs`` workers, :mod:`evalkit.reporting.cluster`) — then write
    ``index.html`` and ``comparison.csv``; returns the outcomes in registry order.

    One batch at a time per reports folder: the batch holds ``OUT/Y/.evalkit.lock`` (a second
    batch or report refuses, or waits with ``wait``). The output folder is checked (writable, no
    symbolic link where the batch writes) before any report starts. The index and the
    comparison table are rebuilt from the reports on disk after every finished report (local
    pool), so an interrupted batch leaves them describing exactly the files present (reports not
    yet redone are marked as from an earlier run, with their own data fingerprint).

    Parameters
    ----------
    year : int
        Report year (must be in the data).
    regions : str or list of str, default "all"
        Registry codes or names, or ``"all"`` (:func:`resolve_regions`).
    jobs : int, default 2
        Worker processes (or Dask workers of a local cluster).
    data : str, optional
        Panel folder or dataset (default the demo panel, generated once before any worker starts).
    lang : {"zh", "en"}, default "zh"
    out : str, default "reports"
        Output folder; files go to ``out/<year>/``.
    progress : bool, default True
        Show a tqdm progress bar.
    notebook : str, optional
        Report notebook (default the packaged report.ipynb).
    formats : str or list of str, optional
        Among html, pdf, docx, xlsx (default all).
    scheduler : str, optional
        Dask scheduler address, or ``"local"``; without it a local process pool.
    min_households : int, optional
        The small-cell threshold of the disclosure rule (default
        :data:`evalkit.core.config.MIN_HOUSEHOLDS`); small siblings are merged into a neighbour's report.
    suppress_zeros : bool, default False
        Also hide zero counts.
    series, programme : str, optional
        The regions' own comparison series and programme indicators (one file each for the
        batch, validated before any worker starts).
    wait : bool, default False
        Wait for another run holding the folder's lock instead of refusing (``E-OUTPUT-LOCKED``).

    Returns
    -------
    list of ReportOutcome
        One per chosen region in registry order: ok, failed (with its error) or merged into
        its host's report.

    Raises
    ------
    EvalkitError
        Before any report starts: ``E-LANG``, ``E-JOBS``, ``E-REGION-UNKNOWN``, ``E-REGION-NONE``,
        ``E-YEAR-NOT-IN-DATA``, ``E-FORMAT-UNKNOWN``, an output folder that cannot be written or
        holds a symbolic link (``E-OUTPUT-FOLDER``, ``E-OUTPUT-SYMLINK``), another run holding
        it (``E-OUTPUT-LOCKED``).
    """
    report_formats = parse_formats(formats)
    if lang not in LANGS:
        raise EvalkitError(f"参数 lang={lang!r} 无效, 应为 zh 或 en / lang must be zh or en", code="E-LANG")
    if jobs < 1:
        raise EvalkitError(f"--jobs 必须 ≥ 1 / --jobs must be at least 1, got {jobs}", code="E-JOBS")
    chosen = resolve_regions(regions)
    data_path = ensure_data(data)  # generate the demo once, before any worker starts
    years = panel_years(data_path)
    if int(year) not in years:
        raise EvalkitError(
            f"数据中没有 {year} 年 / year {year} is not in the data; 数据年度 / years in the data: {years}",
            code="E-YEAR-NOT-IN-DATA",
        )
    declared_parameters(notebook)  # the notebook is readable and has a parameters cell
    year_dir = prepare_year_dir(out, int(year))
    for name in (index_name(lang), COMPARISON):
        refuse_symlink(year_dir / name)
    rule = disclosure.Rule(
        threshold=disclosure.Rule().threshold if min_households is None else int(min_households),
        suppress_zeros=bool(suppress_zeros),
    )
    extra = disclosure_parameters(min_households, suppress_zeros)
    with disclosure.use_rule(rule):
        hosts = merge_hosts(data_path, chosen, int(year))
    merged_away = {code: host for host, small in hosts.items() for code in small}
    own: dict[str, str | None] = {"series": series, "programme": programme}
    for name, load in (("series", load_series), ("programme", load_programme)):
        given = own[name]
        if given:  # validated once, before any worker starts
            load(given)
            own[name] = str(Path(given).resolve())
    tasks = [
        dict(
            region=r.code,
            year=int(year),
            data=str(data_path.resolve()),
            lang=lang,
            out=str(out),
            notebook=notebook,
            years=years,
            formats=report_formats,
            extra_parameters=extra | ({"merge_regions": ",".join(hosts[r.code])} if r.code in hosts else {}),
            series=own["series"],
            programme=own["programme"],
        )
        for r in chosen
        if r.code not in merged_away
    ]

    def outcomes_of(raw: dict[str, dict]) -> dict[str, ReportOutcome]:
        done = {region: ReportOutcome(**outcome) for region, outcome in raw.items()}
        for code, host in merged_away.items():
            done[code] = merged_outcome(code, host, int(year), lang, rule)
        return done

    def summary(raw: dict[str, dict]) -> None:
        with disclosure.use_rule(rule):
            write_batch_summary(outcomes_of(raw), chosen, year_dir, int(year), lang)

    def run(chosen_tasks: list[dict], desc: str, done: dict[str, dict]) -> dict[str, dict]:
        """Run ``chosen_tasks``; the index describes them with the outcomes ``done`` before."""
        if scheduler:
            from evalkit.reporting.cluster import run_on_cluster

            return run_on_cluster(chosen_tasks, _run_one, _failed, scheduler, jobs, progress, desc=desc)
        return run_pool(chosen_tasks, _run_one, jobs, progress, desc=desc, on_done=lambda new: summary(done | new))

    with folder_lock(year_dir, wait=wait):
        raw = run(tasks, f"reports {year}", {})
        raw = protect_families(tasks, raw, merged_away, run, year, rule.threshold)
        summary(raw)
    results = outcomes_of(raw)
    return [results[r.code] for r in chosen]


def protect_families(
    tasks: list[dict], raw: dict[str, dict], merged_away: dict[str, str], run, year, width: float | None = None
) -> dict:
    """The batch's disclosure rounds (:mod:`evalkit.reporting.disclosure_batch`): while a count a
    parent publishes as the sum of its children's gives a hidden member away (hidden in exactly
    one report of the family, or the hidden children's sum narrower than ``width``, the
    threshold), re-run the reports that must hide it as well (``forced_hidden``), at most
    :data:`~evalkit.reporting.disclosure_batch.ROUNDS` times. Returns the outcomes of the last
    runs. A parent still exposed after the last round (or where no member is left to hide) is
    withheld: its files are removed and its outcome fails with ``E-DISCLOSURE-BATCH``, naming the
    counts (keys, never values)."""
    import json
    import logging

    from evalkit.reporting import disclosure_batch

    by_code = {task["region"]: task for task in tasks}
    family = disclosure_batch.families(list(by_code), merged_away)
    if not family:
        return raw
    forced: dict[str, set[str]] = {code: set() for code in by_code}

    def cells(part: str = "cells") -> dict:
        return {
            code: (raw.get(code) or {}).get("results", {}).get(part, {} if part == "cells" else []) for code in by_code
        }

    for round_ in range(1, disclosure_batch.ROUNDS + 1):
        after = disclosure_batch.grow(family, cells(), forced, width, cells("relations"))
        redo = disclosure_batch.grown(forced, after)
        if not redo:
            break
        forced = after
        again = []
        for code in redo:
            extra = dict(by_code[code]["extra_parameters"])
            extra["forced_hidden"] = json.dumps(sorted(forced[code]), ensure_ascii=False)
            again.append(by_code[code] | {"extra_parameters": extra})
        raw = raw | run(again, f"reports {year} (disclosure round {round_})", raw)
    left = disclosure_batch.exposed(family, cells(), width, cells("relations"))
    for parent in sorted({p for p, _, _ in left}):
        keys = [key for p, key, _ in left if p == parent]
        logging.getLogger("evalkit").warning("disclosure: %s still exposed after the batch's rounds: %s", parent, keys)
        for name in ("html", "pdf", "docx", "xlsx", "notebook", "results_file"):  # withheld: not published
            if (raw.get(parent) or {}).get(name):
                Path(raw[parent][name]).unlink(missing_ok=True)
        raw[parent] = _failed(
            by_code[parent],
            f"{disclosure_batch.EXPOSED}: 与下级报告合并后仍可推算被隐藏的数, 报告不予发布 / withheld: counts "
            f"still recoverable from the children's reports after {disclosure_batch.ROUNDS} rounds: "
            f"{', '.join(keys[:5])}",
        )
    return raw


def _disk_results(year_dir: Path, stem: str) -> dict:
    """The results of the report ``stem`` on disk (``{}`` when there is none or it is unreadable)."""
    import json

    try:
        return json.loads((year_dir / f"{stem}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def batch_entries(
    results: dict[str, ReportOutcome], chosen: list, year_dir: Path, year: int, lang: str = "zh"
) -> list[ReportOutcome]:
    """One entry per chosen region describing what is on disk: this run's outcome when the
    region is done or merged into a neighbour (a failed one keeps the results of the previous
    report still on disk), else ``previous`` (a report of an earlier run, with its own data
    fingerprint) or ``pending``."""
    entries = []
    for region in chosen:
        outcome = results.get(region.code)
        if outcome is not None and (outcome.ok or outcome.status == "merged"):
            entries.append(outcome)
            continue
        stem = report_stem(region.code, lang)
        disk = _disk_results(year_dir, stem) if (year_dir / f"{stem}.json").exists() else {}
        if outcome is not None:
            entries.append(ReportOutcome(**{**asdict(outcome), "results": disk}))
        else:
            status = "previous" if disk else "pending"
            entries.append(ReportOutcome(region=region.code, year=year, status=status, results=disk, lang=lang))
    return entries


def write_batch_summary(results: dict[str, ReportOutcome], chosen: list, year_dir: Path, year: int, lang: str) -> None:
    """Rewrite ``comparison.csv`` and ``index.html`` from the reports on disk (:func:`batch_entries`)."""
    entries = batch_entries(results, chosen, year_dir, year, lang)
    write_comparison(entries, chosen, year_dir / COMPARISON)
    write_index(entries, chosen, year_dir / index_name(lang), year, lang)


def merge_hosts(data: Path, chosen: list, year: int) -> dict[str, list[str]]:
    """Host code → small siblings published inside the host's report, for the regions of this
    batch (:func:`evalkit.reporting.report.merge_plan` per parent; both host and small region
    must be in the batch). Reads the region columns of ``year`` only."""
    from evalkit.core.panel import HOUSEHOLDS_FILE
    from evalkit.core.registry import get_region
    from evalkit.io.dataset import is_dataset, read_households
    from evalkit.reporting.report import merge_plan

    codes = {r.code for r in chosen}
    parents = {r.parent_code for r in chosen if r.parent_code}
    if not parents:
        return {}
    wanted = ["province", "prefecture", "county", "township", "year"]
    if is_dataset(data):
        households = read_households(data, columns=wanted, filters=[("year", "==", int(year))])
    else:
        import pyarrow.parquet as pq

        names = set(pq.read_schema(Path(data) / HOUSEHOLDS_FILE).names)
        households = pd.read_parquet(Path(data) / HOUSEHOLDS_FILE, columns=[c for c in wanted if c in names])
        households = households[households["year"] == int(year)]
    hosts: dict[str, list[str]] = {}
    for parent in sorted(parents):
        for host, small in merge_plan(households, get_region(parent), year).items():
            small = [c for c in small if c in codes]
            if host in codes and small:
                hosts[host] = small
    return hosts


def standalone_merge(data: str | Path | None, region: str, year: int, rule=None) -> tuple[str | None, list[str]]:
    """The parent-sibling rule for one report on its own (``evalkit report``), as a batch of all
    the siblings applies it (:func:`merge_hosts`): ``(host, [])`` when ``region`` is too small to
    publish and belongs inside its host's report; ``(None, small)`` when ``region`` is the host
    of small siblings (its report includes them, so its parent's totals minus the published
    siblings give nothing away); ``(None, [])`` otherwise."""
    from evalkit.core.registry import children, get_region

    chosen = get_region(region)
    if not chosen.parent_code or not chosen.report:
        return None, []
    siblings = [c for c in children(get_region(chosen.parent_code)) if c.report]
    if len(siblings) < 2:
        return None, []
    with disclosure.use_rule(rule or disclosure.current_rule()):
        hosts = merge_hosts(ensure_data(data), siblings, year)
    for host, small in hosts.items():
        if chosen.code in small:
            return host, []
        if host == chosen.code:
            return None, list(small)
    return None, []


def merged_outcome(code: str, host: str, year: int, lang: str, rule) -> ReportOutcome:
    """The batch's record of a region published inside its host's report (no report of its own)."""
    from evalkit.core.registry import get_region

    region, into = get_region(code), get_region(host)
    error = (
        f"少于 {rule.threshold} 户, 并入 {into.name_zh} 报告公布 / fewer than {rule.threshold} households: "
        f"published within the report of {into.name_en}"
    )
    return ReportOutcome(
        region=region.code, year=year, status="merged", error=error, lang=lang, results={"merged_into": host}
    )


def report_year_groups(year: int | str | None, chosen: list, years: list[int]) -> dict[int, list]:
    """Report year → the chosen regions reported for it: ``None`` the latest year in the data;
    ``"plan"`` each region for the latest year its plans and the data cover (:func:`plan_year`);
    else that year (``E-YEAR-INVALID`` when it is not a year)."""
    if year is None:
        return {years[-1]: chosen}
    if str(year).strip().lower() == "plan":
        from evalkit.evaluation.targets import load_targets

        targets = load_targets()  # once for all regions (parsing the plans takes seconds)
        groups: dict[int, list] = {}
        for region in chosen:
            groups.setdefault(plan_year(region, years, targets), []).append(region)
        return groups
    try:
        return {int(year): chosen}
    except ValueError:
        raise EvalkitError(
            f"--year 应为年份或 plan / --year must be a year or plan, got {year!r}", code="E-YEAR-INVALID"
        ) from None
