"""Monitoring-system-like exports of a demo panel (Chinese headers, SYNTHETIC identifiers), to exercise ingest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.core.panel import MEASURE_COLUMNS, Panel
from evalkit.core.registry import regions
from evalkit.core.schema import household_columns, measure_columns, measures_catalogue

SURNAMES = np.array(
    list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢")
)
GIVEN = np.array(list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华兰玉梅红建国文斌志海"))
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
#: 顺序码 (digits 15–17 of an ID number) used for every synthetic ID: 990–999 marks them as fake.
SYNTHETIC_ID_SEQUENCE = 990


def _fake_identifiers(household_ids: pd.Series, adcodes: np.ndarray, seed: int) -> pd.DataFrame:
    """Synthetic 户主姓名, 身份证号码 and 联系电话 per household (same in every year).

    ID numbers have the GB 11643-1999 form (area code of the county, birth date 1940–1995,
    sequence 990–999 — a range reserved here to mark them as synthetic — and a valid check
    character, sometimes X). Phone numbers use the 170 (virtual operator) prefix.
    """
    unique, inverse = np.unique(household_ids.to_numpy(dtype=str), return_inverse=True)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 11643]))
    n = len(unique)
    first_row = np.zeros(n, dtype=np.int64)
    first_row[inverse[::-1]] = np.arange(len(inverse))[::-1]
    names = np.char.add(
        np.char.add(SURNAMES[rng.integers(0, len(SURNAMES), n)], GIVEN[rng.integers(0, len(GIVEN), n)]),
        np.where(rng.random(n) < 0.6, GIVEN[rng.integers(0, len(GIVEN), n)], ""),
    )
    birth = np.datetime64("1940-01-01") + rng.integers(0, 365 * 55, n).astype("timedelta64[D]")
    body = np.char.add(
        np.char.add(adcodes[first_row].astype(str), np.datetime_as_string(birth).astype(str)),
        (SYNTHETIC_ID_SEQUENCE + rng.integers(0, 10, n)).astype(str),
    )
    body = np.char.replace(body, "-", "")
    digits = np.frombuffer("".join(body.tolist()).encode(), dtype=np.uint8).reshape(n, 17) - ord("0")
    check = np.array(list("10X98765432"))[(digits * ID_WEIGHTS).sum(axis=1) % 11]
    phones = np.char.add("170", np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8))
    return pd.DataFrame(
        {"head_name": names[inverse], "id_card": np.char.add(body, check)[inverse], "phone": phones[inverse]}
    )


def write_export(panel: Panel, path: str | Path, encoding: str = "gbk") -> list[Path]:
    """Write the panel as a monitoring-system-like export (to exercise ingest); returns the files written.

    ``path`` (``.csv`` in ``encoding``, or ``.xlsx``): the household-year table with Chinese
    headers (the first alias of each column in ``data/columns.csv``), yes/no columns as 是/否,
    the reported total 家庭纯收入 and SYNTHETIC identifiers 户主姓名, 身份证号码, 联系电话
    (:func:`_fake_identifiers`). Beside it ``<stem>_measures<suffix>``: the long measures table
    (户编号, 年度, 帮扶措施 as the measure's first alias in ``data/measures.csv``, 金额). Derived
    columns are not exported (ingest recomputes them).
    """
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise EvalkitError(
            f"导出文件须为 .csv 或 .xlsx: {path} / export file must be .csv or .xlsx: {path}",
            code="E-DEMO-EXPORT-FORMAT",
        )
    columns = household_columns()
    hh = panel.households.copy()
    hh["reported_net_income"] = hh["net_income"]
    adcodes = _county_adcodes(hh)
    ids = _fake_identifiers(hh["household_id"], adcodes, int(panel.meta.get("seed", 0)))
    for col in ids.columns:
        hh[col] = ids[col].to_numpy()
    keep = [c for c in columns if c in hh.columns]
    out = hh[keep].copy()
    for col in keep:
        if columns[col].dtype == "bool":
            out[col] = np.where(out[col].astype(bool), "是", "否")
    out.columns = [columns[c].aliases[0] for c in keep]
    catalogue = measures_catalogue().set_index("code")
    first_alias = catalogue["aliases"].str.split("|").str[0]
    m = panel.measures.copy()
    m["measure"] = m["measure"].map(first_alias)
    mcols = {name: c.aliases[0] for name, c in measure_columns().items()}
    m = m[MEASURE_COLUMNS].rename(columns=mcols)
    measures_path = path.with_name(f"{path.stem}_measures{path.suffix}")
    path.parent.mkdir(parents=True, exist_ok=True)
    for frame, target in ((out, path), (m, measures_path)):
        if path.suffix.lower() == ".csv":
            frame.to_csv(target, index=False, encoding=encoding)
        else:
            frame.to_excel(target, index=False)
    return [path, measures_path]


def _county_adcodes(households: pd.DataFrame) -> np.ndarray:
    """6-digit area code for each row: the county's code, else its prefecture's (羊山新区 has none)."""
    reg = regions()
    county = reg[reg["level"] == "county"].set_index(["province", "prefecture", "county"])["adcode"]
    prefecture = reg[reg["level"] == "prefecture"].set_index(["province", "prefecture"])["adcode"]
    keys = pd.MultiIndex.from_frame(households[["province", "prefecture", "county"]])
    code = county.reindex(keys).to_numpy(dtype=object)
    fallback = prefecture.reindex(keys.droplevel("county")).to_numpy(dtype=object)
    return np.where(pd.isna(code) | (code == ""), fallback, code).astype(str)
