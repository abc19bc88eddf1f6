"""Region aliases (data/region_aliases.csv): every alias names one registry unit unambiguously; look-up by alias."""

import pandas as pd

from evalkit.core.registry import NAME_COLUMNS, get_region, region_aliases, regions


def test_every_alias_names_a_registry_unit_and_has_a_source():
    aliases = region_aliases()
    assert len(aliases) >= 30
    assert aliases["name_zh"].notna().all(), aliases.loc[aliases["name_zh"].isna(), "code"].tolist()
    assert (aliases["source"].str.len() > 10).all()


def test_aliases_are_unambiguous_under_their_parent():
    """An alias is never a registry name of the same level and parent, nor used twice there."""
    aliases = region_aliases()
    table = regions()

    def keys(frame, name):
        levels = frame["level"].map({lvl: i for i, lvl in enumerate(NAME_COLUMNS)})
        parents = [
            "|".join(row[c] for c in NAME_COLUMNS[:depth])
            for depth, (_, row) in zip(levels, frame.iterrows(), strict=False)
        ]
        return pd.Series(parents, index=frame.index) + "|" + frame["level"] + "|" + frame[name]

    alias_keys = keys(aliases, "alias")
    assert not alias_keys.duplicated().any()
    unit_keys = set(keys(table[table["level"] != "country"], "name_zh"))
    assert not alias_keys.isin(unit_keys).any()


def test_get_region_accepts_aliases():
    assert get_region("红河州").code == "honghe"
    assert get_region("广西区").name_zh == "广西壮族自治区"
    assert get_region("弥勒县").code == "mile"
    assert get_region("信阳").filter == {"province": "河南省", "prefecture": "信阳市"}
