"""Region registry (data/regions.csv): completeness against the seeds, slugs, look-up errors, masks."""

import re

import pandas as pd
import pytest

from evalkit.core.errors import EvalkitError
from evalkit.core.registry import children, get_region, region_mask, regions, report_regions

XINYANG_UNITS = {
    "浉河区",
    "平桥区",
    "罗山县",
    "光山县",
    "新县",
    "商城县",
    "固始县",
    "潢川县",
    "淮滨县",
    "息县",
    "羊山新区",
}
GUANGXI_CITIES = {
    "南宁市",
    "柳州市",
    "桂林市",
    "梧州市",
    "北海市",
    "防城港市",
    "钦州市",
    "贵港市",
    "玉林市",
    "百色市",
    "贺州市",
    "河池市",
    "来宾市",
    "崇左市",
}
# county-level divisions per Guangxi city (民政部 2023): 111 in all
GUANGXI_COUNTY_COUNTS = {
    "南宁市": 12,
    "柳州市": 10,
    "桂林市": 17,
    "梧州市": 7,
    "北海市": 4,
    "防城港市": 4,
    "钦州市": 4,
    "贵港市": 5,
    "玉林市": 7,
    "百色市": 12,
    "贺州市": 5,
    "河池市": 11,
    "来宾市": 6,
    "崇左市": 7,
}


def names(regions_list):
    return {r.name_zh for r in regions_list}


def test_xinyang_has_its_ten_counties_and_yangshan():
    assert names(children("xinyang")) == XINYANG_UNITS
    yangshan = regions().set_index("code").loc["xinyang-yangshan"]
    assert yangshan["adcode"] == "" and "功能区" in yangshan["source"]


def test_mile_has_twelve_townships_and_shangyou_its_townships():
    mile = children("mile")
    assert len(mile) == 12 and all(r.level == "township" for r in mile)
    assert {"弥阳街道", "新哨镇", "虹溪镇", "五山乡", "江边乡"} <= names(mile)
    shangyou = children("shangyou")
    assert len(shangyou) == 14 and {"东山镇", "营前镇", "五指峰乡", "紫阳乡"} <= names(shangyou)


def test_guangxi_has_fourteen_cities_each_with_its_counties():
    cities = children("guangxi")
    assert names(cities) == GUANGXI_CITIES
    counts = {c.name_zh: len(children(c)) for c in cities}
    assert counts == GUANGXI_COUNTY_COUNTS
    assert sum(counts.values()) == 111


def test_country_and_provinces_present():
    table = regions()
    assert set(table.loc[table["level"] == "province", "name_zh"]) == {"河南省", "云南省", "江西省", "广西壮族自治区"}
    assert table.loc[table["level"] == "country", "name_zh"].tolist() == ["全国"]


def test_report_regions_are_the_29_units():
    codes = [r.code for r in report_regions()]
    assert len(codes) == 29
    assert {"xinyang", "mile", "guangxi", "shangyou"} <= set(codes)
    assert sum(c.startswith("xinyang-") for c in codes) == 11
    assert sum(c.startswith("guangxi-") for c in codes) == 14


def test_slugs_are_unique_ascii_lowercase_and_every_row_has_a_source():
    table = regions()
    assert table["code"].is_unique
    assert table["code"].map(lambda c: bool(re.fullmatch(r"[a-z][a-z0-9-]*", c))).all()
    assert table["source"].ne("").all()
    # parents exist and the name columns repeat the parent's names
    by_code = table.set_index("code")
    for row in table[table["parent_code"] != ""].itertuples():
        parent = by_code.loc[row.parent_code]
        for col in ("province", "prefecture", "county"):
            if parent[col]:
                assert getattr(row, col) == parent[col], (row.code, col)


def test_adcodes_are_six_digits_and_nest_in_their_province():
    table = regions()
    coded = table[table["adcode"] != ""]
    assert coded["adcode"].str.fullmatch(r"\d{6}").all()
    province_code = table.loc[table["level"] == "province"].set_index("name_zh")["adcode"]
    assert (coded["adcode"].str[:2] == coded["province"].map(province_code).str[:2]).all()


def test_get_region_by_code_name_and_english_name():
    assert get_region("光山县").code == "xinyang-guangshan"
    assert get_region("xinyang-guangshan").name_zh == "光山县"
    assert get_region("Mile City").code == "mile"
    assert get_region("光山县").filter == {"province": "河南省", "prefecture": "信阳市", "county": "光山县"}


def test_get_region_unknown_suggests_close_matches():
    with pytest.raises(EvalkitError, match="光山县") as info:
        get_region("光州县")
    assert info.value.code == "E-REGION-UNKNOWN"
    assert "unknown region" in str(info.value) and "未知地区" in str(info.value)


def test_get_region_ambiguous_name_lists_codes():
    with pytest.raises(EvalkitError, match="mile-dongshan.*shangyou-dongshan") as info:
        get_region("东山镇")
    assert info.value.code == "E-REGION-AMBIGUOUS"


def test_region_mask_uses_the_whole_hierarchy():
    hh = pd.DataFrame(
        {
            "province": ["云南省", "江西省", "河南省", "河南省"],
            "prefecture": ["红河哈尼族彝族自治州", "赣州市", "信阳市", "信阳市"],
            "county": ["弥勒市", "上犹县", "光山县", "新县"],
            "township": ["东山镇", "东山镇", "", ""],
        }
    )
    assert region_mask(hh, get_region("mile-dongshan")).tolist() == [True, False, False, False]
    assert region_mask(hh, "shangyou-dongshan").tolist() == [False, True, False, False]
    assert region_mask(hh, "信阳市").tolist() == [False, False, True, True]
    assert region_mask(hh, "全国").all()
    with pytest.raises(EvalkitError, match="township") as info:
        region_mask(hh.drop(columns="township"), "mile-dongshan")
    assert info.value.code == "E-REGION-COLUMN"
