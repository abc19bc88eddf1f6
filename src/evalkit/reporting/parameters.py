"""The report notebook, its parameters and data: find the notebook, validate parameters before a kernel starts,
load the panel of a region (the settings of a report run: languages, formats, seed, file layout).
"""

from __future__ import annotations

from pathlib import Path

from evalkit.core.config import DEFAULT_SEED as DEFAULT_SEED
from evalkit.core.errors import EvalkitError

# the loading functions live in evalkit.io.load; re-exported here (and by evalkit.reporting.report)
from evalkit.io.load import data_fingerprint as data_fingerprint
from evalkit.io.load import ensure_data as ensure_data
from evalkit.io.load import is_demo_path as is_demo_path
from evalkit.io.load import load_report_panel as load_report_panel
from evalkit.io.load import panel_years as panel_years

NOTEBOOK_NAME = "report.ipynb"
RESULTS_VERSION = 1
LANGS = ("zh", "en")
KERNEL_NAME = "python3"
#: The kernel app keeps its own log quiet (it warns on every start that local TCP is unencrypted and
#: logs a KeyboardInterrupt at shutdown); errors in cells are recorded in the notebook itself.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]
STAGING = ".staging"
LOGS = "logs"
#: Deliverable formats of a report, in the order they are written (pdf is printed from the html).
FORMATS = ("html", "pdf", "docx", "xlsx")


def report_stem(code: str, lang: str = "zh") -> str:
    """File name stem of a report: the registry code (zh), ``<code>.en`` (en)."""
    return code if lang == "zh" else f"{code}.{lang}"


def parse_formats(formats: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``"html,pdf"`` or a list → a tuple in :data:`FORMATS` order; ``None``/``"all"`` → all.
    An unknown format raises :class:`EvalkitError`."""
    if formats is None or (isinstance(formats, str) and formats.strip().lower() in ("", "all")):
        return FORMATS
    names = [f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats) if f.strip()]
    unknown = sorted(set(names) - set(FORMATS))
    if unknown or not names:
        raise EvalkitError(
            f"未知输出格式 / unknown output format {unknown or formats!r}; 可用 / use: {','.join(FORMATS)}",
            code="E-FORMAT-UNKNOWN",
        )
    return tuple(f for f in FORMATS if f in names)


def notebook_path() -> Path:
    """The report notebook: ``notebooks/report.ipynb`` of the repository, else the installed copy."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[3] / "notebooks" / NOTEBOOK_NAME, here.parent / "notebooks" / NOTEBOOK_NAME):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"report notebook {NOTEBOOK_NAME} not found / 找不到报告笔记本")


def declared_parameters(notebook: str | Path | None = None) -> dict:
    """Parameter names (and defaults) the notebook's ``parameters`` cell declares."""
    import papermill

    return papermill.inspect_notebook(str(notebook or notebook_path()))


def validate_parameters(parameters: dict, notebook: str | Path | None = None, years: list[int] | None = None) -> dict:
    """Check every parameter before a kernel starts; return them completed and normalised.

    * names: each must be declared in the notebook's ``parameters`` cell;
    * ``region``: known to :mod:`evalkit.registry` (normalised to its code);
    * ``year`` (and ``base_year`` when given): present in the data, ``base_year < year``;
    * ``lang``: zh or en; ``seed``: an integer.

    Raises :class:`EvalkitError` with a bilingual message naming the parameter.
    """
    from evalkit.core.registry import get_region

    declared = declared_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise EvalkitError(
            f"报告笔记本没有声明参数 / the report notebook declares no parameter {unknown}; "
            f"可用参数 / declared: {sorted(declared)}",
            code="E-NOTEBOOK-PARAMETER",
        )
    params = dict(parameters)
    if "region" not in params or not params["region"]:
        raise EvalkitError("缺少参数 region / parameter region is required")
    region = get_region(str(params["region"]))
    if region.level == "country":
        raise EvalkitError(
            f"{region.name_zh}: 不生成全国报告, 请为省、地市或县生成报告 (evalkit batch 生成所有报告地区) / "
            f"{region.name_en}: there is no national report; report on a province, prefecture or county "
            "(evalkit batch writes every report region)"
        )
    params["region"] = region.code
    lang = params.get("lang", "zh")
    if lang not in LANGS:
        raise EvalkitError(f"参数 lang={lang!r} 无效, 应为 zh 或 en / lang must be zh or en", code="E-LANG")
    for name in ("year", "base_year", "seed", "min_households"):
        value = params.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            try:
                value = int(str(value))
            except ValueError:
                raise EvalkitError(f"参数 {name}={value!r} 应为整数 / {name} must be an integer") from None
        params[name] = value
    if "year" not in params or params["year"] is None:
        raise EvalkitError("缺少参数 year / parameter year is required")
    if params.get("min_households") is not None and params["min_households"] < 1:
        raise EvalkitError(
            f"参数 min_households={params['min_households']} 应为正整数 / min_households must be a positive integer"
        )
    if "suppress_zeros" in params and not isinstance(params["suppress_zeros"], bool):
        raise EvalkitError("参数 suppress_zeros 应为 True 或 False / suppress_zeros must be True or False")
    if params.get("series") or params.get("programme"):
        from evalkit.core.comparison import load_series
        from evalkit.evaluation.target_values import load_programme

        for name, load in (("series", load_series), ("programme", load_programme)):
            if params.get(name):  # the region's own statistics: validated here, before any kernel starts
                load(params[name])
                params[name] = str(Path(params[name]).resolve())
    if "data" in params:
        data = ensure_data(params["data"])
        params["data"] = str(data.resolve())
        years = years if years is not None else panel_years(data)
    if years is not None:
        if params["year"] not in years:
            raise EvalkitError(
                f"数据中没有 {params['year']} 年 / year {params['year']} is not in the data; "
                f"数据年度 / years in the data: {years}",
                code="E-YEAR-NOT-IN-DATA",
            )
        base = params.get("base_year")
        if base is not None and (base not in years or base >= params["year"]):
            raise EvalkitError(
                f"基期 base_year={base} 须为数据中早于 {params['year']} 的年度 / base_year must be a year of the "
                f"data before {params['year']}; 数据年度 / years: {years}",
                code="E-YEAR-BASE",
            )
    return params


def disclosure_parameters(min_households: int | None = None, suppress_zeros: bool = False) -> dict:
    """The notebook parameters of the disclosure rule (only those that differ from the default)."""
    from evalkit.core.config import MIN_HOUSEHOLDS

    params: dict = {}
    if min_households is not None and min_households != MIN_HOUSEHOLDS:
        params["min_households"] = int(min_households)
    if suppress_zeros:
        params["suppress_zeros"] = True
    return params
