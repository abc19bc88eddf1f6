"""The ``evalkit`` command: a thin layer over the library functions.

Every subcommand's ``--help`` is bilingual (Chinese / English). Bad data never produces a
Python traceback: :class:`evalkit.errors.EvalkitError` is printed and the exit code is non-zero.
"""

from __future__ import annotations

import argparse
import sys

from evalkit import __version__
from evalkit.core.config import DEFAULT_SEED
from evalkit.core.errors import EvalkitError

DESCRIPTION = (
    "evalkit: 脱贫人口收入政策评估工具 / evaluation toolkit for income policies for people lifted out of poverty"
)
DATA_HELP = (
    "面板目录或数据集 / panel folder or dataset "
    "(默认: 演示面板 / default: the synthetic demo panel, data/demo of the installation, whatever the folder)"
)


def _cmd_validate(args: argparse.Namespace) -> int:
    from evalkit.cli.commands import validate_command

    return validate_command(
        args.paths,
        strict=args.strict,
        measures=args.measures,
        rejections_dir=args.rejections,
        min_year=args.min_year,
        max_year=args.max_year,
        show_all=args.all,
        column_map=args.columns,
    )


def _cmd_demo_data(args: argparse.Namespace) -> int:
    from evalkit.cli.commands import demo_data_command

    return demo_data_command(out=args.out, households=args.households, seed=args.seed)


def _cmd_ingest(args: argparse.Namespace) -> int:
    from evalkit.cli.commands import ingest_command

    def run(client=None) -> int:
        return ingest_command(
            args.sources,
            out=args.out,
            measures=args.measures,
            strict=args.strict,
            chunk_rows=args.chunk_rows,
            chunk_threshold_mb=args.chunk_threshold_mb,
            client=client,
            column_map=args.columns,
            wait=args.wait,
            force_demo_key=args.force_demo_key,
            new_key=args.new_key,
        )

    if not args.scheduler:
        return run()
    from evalkit.reporting.cluster import dask_client

    client = dask_client(args.scheduler, args.jobs)
    try:
        return run(client)
    finally:
        cluster = client.cluster
        client.close()
        if cluster is not None:
            cluster.close()


def _cmd_scorecard(args: argparse.Namespace) -> int:
    from evalkit.cli.commands import scorecard_command

    return scorecard_command(
        region=args.region,
        year=args.year,
        data=args.data,
        lang=args.lang,
        out=args.out,
        programme=args.programme,
        cost=args.cost,
        series=args.series,
    )


def _cmd_watchlist(args: argparse.Namespace) -> int:
    from evalkit.cli.commands import watchlist_command

    return watchlist_command(region=args.region, year=args.year, data=args.data, out=args.out)


def _cmd_lists(args: argparse.Namespace) -> int:
    from evalkit.cli.commands import lists_command

    return lists_command(region=args.region, year=args.year, data=args.data, out=args.out)


def _cmd_report(args: argparse.Namespace) -> int:
    from evalkit.cli.commands import report_command

    return report_command(
        region=args.region,
        year=args.year,
        data=args.data,
        lang=args.lang,
        out=args.out,
        formats=args.formats,
        min_households=args.min_households,
        suppress_zeros=args.suppress_zeros,
        series=args.series,
        programme=args.programme,
        wait=args.wait,
    )


def _cmd_batch(args: argparse.Namespace) -> int:
    from evalkit.cli.commands import batch_command

    return batch_command(
        year=args.year,
        regions=args.regions,
        jobs=args.jobs,
        data=args.data,
        lang=args.lang,
        out=args.out,
        formats=args.formats,
        scheduler=args.scheduler,
        min_households=args.min_households,
        suppress_zeros=args.suppress_zeros,
        series=args.series,
        programme=args.programme,
        wait=args.wait,
    )


def _cmd_template(args: argparse.Namespace) -> int:
    from evalkit.cli.commands import template_command

    return template_command(region=args.region, year=args.year, out=args.out)


def shared_options() -> dict[str, argparse.ArgumentParser]:
    """The options several subcommands take, each defined once as an argparse parent parser
    (``sub.add_parser(..., parents=[options["region"], ...])``), so that a flag has one spelling,
    one default and one bilingual help everywhere. ``--out`` stays with each command: it is a file
    for some and a folder for others, with different defaults."""
    from evalkit.core.config import MIN_HOUSEHOLDS

    def parent() -> argparse.ArgumentParser:
        return argparse.ArgumentParser(add_help=False)

    options = {name: parent() for name in ("region", "year", "data", "lang", "measures", "strict", "formats")}
    options["region"].add_argument("--region", required=True, help="地区名称或代码 / region name or code")
    options["year"].add_argument("--year", type=int, required=True, help="年度 / year")
    options["data"].add_argument("--data", default=None, help=DATA_HELP)
    options["lang"].add_argument("--lang", choices=["zh", "en"], default="zh", help="语言 / language")
    options["measures"].add_argument(
        "--measures", nargs="*", default=[], help="帮扶措施明细文件(长表) / measure files (long table)"
    )
    options["strict"].add_argument(
        "--strict", action="store_true", help="遇到第一个问题即停止 / stop at the first problem"
    )
    options["formats"].add_argument(
        "--formats",
        default="html,pdf,docx,xlsx",
        help="输出格式, 逗号分隔 (默认全部) / output formats, comma-separated (default html,pdf,docx,xlsx)",
    )
    disclosure = options["disclosure"] = parent()
    disclosure.add_argument(
        "--min-households",
        type=int,
        default=MIN_HOUSEHOLDS,
        help=f"公布阈值: 少于该户数的计数不予公布 / disclosure threshold in households (default {MIN_HOUSEHOLDS})",
    )
    disclosure.add_argument(
        "--suppress-zeros", action="store_true", help="零值也隐去 / hide zero counts too (default: zeros are shown)"
    )
    statistics = options["statistics"] = parent()  # the region's own statistics (evalkit template writes the form)
    statistics.add_argument(
        "--series",
        default=None,
        help="本地区对比序列 (CSV/XLSX: region, year, indicator, value, unit, source; 如农村居民人均可支配收入、"
        "监测线) / the region's own comparison series (rural disposable income, monitoring lines)",
    )
    statistics.add_argument(
        "--programme",
        default=None,
        help="项目指标表 (CSV/XLSX: region, year, indicator, value, source) / programme-indicator table",
    )
    options["columns"] = parent()
    options["columns"].add_argument(
        "--columns",
        default=None,
        metavar="MAP",
        help="列映射文件 (CSV/XLSX: header, field; 导出表头 → evalkit 字段) / "
        "column map (export header → evalkit field)",
    )
    cluster = options["cluster"] = parent()
    cluster.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="在 Dask 集群上运行(ingest: 每个文件一个任务; batch: 每个报告一个任务): local = 本机 LocalCluster, "
        "或调度器地址 tcp://host:8786 (需 evalkit[cluster]) / run on a Dask cluster (ingest: one task per "
        "file; batch: one task per report): local = a LocalCluster on this machine, or a scheduler address "
        "tcp://host:8786 (needs evalkit[cluster])",
    )
    cluster.add_argument(
        "--jobs",
        type=int,
        default=2,
        help="并行工作进程数(batch 的进程池; --scheduler local 的工作进程) / parallel worker processes (the "
        "process pool of batch; the workers of --scheduler local)",
    )
    options["wait"] = parent()
    options["wait"].add_argument(
        "--wait",
        action="store_true",
        help="输出目录或数据集正被另一个 evalkit 进程写入时等待, 而不是退出 / wait while another evalkit run "
        "writes the same reports folder or dataset instead of refusing",
    )
    return options


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="evalkit", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"evalkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令/command")
    o = shared_options()
    one_region_year = [o["region"], o["year"], o["data"]]

    p = sub.add_parser(
        "validate",
        parents=[o["measures"], o["strict"], o["columns"]],
        help="校验导出文件并报告行数核算 / validate export files and print the row accounting",
        description="校验防返贫监测导出文件(CSV/XLSX/Parquet), 列出每个问题的文件、行、列 / "
        "validate monitoring-system exports; every problem names file, row and column",
    )
    p.add_argument("paths", nargs="+", help="导出文件 / export files (CSV, XLSX, Parquet)")
    p.add_argument("--rejections", default=None, help="写出被拒绝行的目录 / folder for the rejected-rows file")
    p.add_argument(
        "--min-year", type=int, default=None, help="最早接受的年度(默认 2013) / earliest accepted year (default 2013)"
    )
    p.add_argument(
        "--max-year",
        type=int,
        default=None,
        help="最晚接受的年度(默认当前年份) / latest accepted year (default: the current year)",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="列出每一处问题 (默认每类前 20 处) / print every problem row (default: the first 20 of each kind)",
    )
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "demo-data",
        help="生成合成演示面板(合成数据) / generate the synthetic demo panel (SYNTHETIC)",
        description="生成带已知真实效应的确定性合成面板 / "
        "generate a deterministic synthetic panel with known true effects",
    )
    p.add_argument("--out", default=None, help="输出目录 / output folder (default: the demo folder, data/demo)")
    p.add_argument("--households", type=int, default=30_000, help="户数 / number of households (default 30000)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"随机种子 / random seed (default {DEFAULT_SEED})")
    p.set_defaults(func=_cmd_demo_data)

    p = sub.add_parser(
        "ingest",
        parents=[o["measures"], o["strict"], o["columns"], o["cluster"], o["wait"]],
        help="把导出文件转换为分区 Parquet 数据集 / convert exports to a partitioned Parquet dataset",
        description="校验、假名化并写出按年度和地市分区的 Parquet 数据集 / "
        "validate, pseudonymise and write a Parquet dataset",
    )
    p.add_argument("sources", nargs="+", help="导出文件 / export files")
    p.add_argument("--out", required=True, help="数据集目录 / dataset folder")
    p.add_argument(
        "--chunk-rows",
        type=int,
        default=None,
        metavar="N",
        help="按每块 N 行分块读取 CSV(内存只需一块; 0 = 整个文件读入内存); 默认: CSV 总大小超过 --chunk-threshold-mb "
        "时分块 / read CSV files in blocks of N lines (memory bounded by one block; 0 = whole files in "
        "memory); default: blocks when the CSV files exceed --chunk-threshold-mb",
    )
    p.add_argument(
        "--chunk-threshold-mb",
        type=float,
        default=None,
        metavar="MB",
        help="自动分块读取的 CSV 总大小阈值(MB, 默认 200) / total CSV size above which blocks are used "
        "automatically (MB, default 200)",
    )
    p.add_argument(
        "--force-demo-key",
        action="store_true",
        help="允许用公开演示密钥假名化非合成数据(仅供测试) / allow the public demo key on data not labelled "
        "synthetic (tests only)",
    )
    p.add_argument(
        "--new-key",
        action="store_true",
        help="用另一个假名化密钥替换现有数据集 / replace an existing dataset built with another pseudonym key",
    )
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser(
        "scorecard",
        parents=[*one_region_year, o["lang"], o["statistics"]],
        help="政策目标达标情况 / policy-target scorecard",
        description="按地区和年度评估政策目标: 达标/未达标/无法评估 / "
        "evaluate policy targets: met / not met / not measurable",
    )
    p.add_argument("--out", default=None, help="输出 CSV 文件 / output CSV file")
    p.add_argument(
        "--cost",
        action="store_true",
        help="同报告一样估计各项措施效果, 加列每元补助增收核查项 (较慢) / estimate every measure's effect as "
        "the report does and add the yuan-per-yuan cost checks (slow)",
    )
    p.set_defaults(func=_cmd_scorecard)

    p = sub.add_parser(
        "template",
        parents=[o["region"], o["year"]],
        help="本地区统计数据填报模板 / fill-in workbook of the region's own statistics",
        description="列出该地区目标和报告所需的对比序列和项目指标(单位、条款), 填写后用 --series/--programme 传入 / "
        "lists the comparison series and programme indicators the region's targets and report need "
        "(units, clauses); fill it in and pass it as --series/--programme",
    )
    p.add_argument("--out", default=None, help="输出 XLSX 文件 / output XLSX file")
    p.set_defaults(func=_cmd_template)

    p = sub.add_parser(
        "watchlist",
        parents=one_region_year,
        help="监测预警名单(假名化) / monitoring watch-list (pseudonymised)",
        description="按广西、江西、弥勒规则标记需关注农户 / flag households by the 广西, 江西 and 弥勒 rules",
    )
    p.add_argument("--out", default=None, help="输出 CSV/XLSX 文件 / output CSV or XLSX file")
    p.set_defaults(func=_cmd_watchlist)

    p = sub.add_parser(
        "lists",
        parents=one_region_year,
        help="核实名单(假名化): 识别核查、帮扶未匹配、排序预警名单 / caseworker lists (pseudonymised)",
        description="写出识别核查、帮扶措施未匹配和按差距排序的预警名单 / write the identification, "
        "unmatched-support and ranked watch-list lists",
    )
    p.add_argument("--out", default="lists", help="输出目录 / output folder (default lists)")
    p.set_defaults(func=_cmd_lists)

    p = sub.add_parser(
        "report",
        parents=[*one_region_year, o["lang"], o["formats"], o["disclosure"], o["statistics"], o["wait"]],
        help="生成一个地区的年度评估报告 / generate one region's yearly report",
        description="用 papermill 执行参数化报告笔记本并导出 HTML / "
        "run the parameterised report notebook and export HTML",
    )
    p.add_argument("--out", default="reports", help="输出目录 / output folder")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "batch",
        parents=[o["data"], o["lang"], o["formats"], o["disclosure"], o["cluster"], o["statistics"], o["wait"]],
        help="批量生成所有地区的年度报告 / generate every region's yearly report",
        description="每个报告一个进程, 失败不影响其他地区 / one process per report; a failure does not stop the others",
    )
    p.add_argument(
        "--year",
        default=None,
        help="报告年度; plan = 各地区规划期与数据覆盖的最近年度 (默认数据中最近的年度) / report year; plan = for "
        "each region the latest year its plans and the data cover (default: the latest year in the data)",
    )
    p.add_argument("--regions", default="all", help="all 或逗号分隔的地区 / all or a comma-separated list")
    p.add_argument("--out", default="reports", help="输出目录 / output folder")
    p.set_defaults(func=_cmd_batch)
    return parser


def mask_text(text: object) -> str:
    """The message with identifiers masked by content (:func:`evalkit.io.masking.mask_text`)."""
    from evalkit.io.masking import mask_text as mask

    return mask(text)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except EvalkitError as exc:
        print(mask_text(exc), file=sys.stderr)  # identifiers masked by content in every message
        return 2
    except FileNotFoundError as exc:
        print(f"错误 / error: {mask_text(exc)}", file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk, a read-only folder: a message, not a traceback
        print(f"错误 / error: {mask_text(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
