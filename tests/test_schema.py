"""The canonical schema: derived income identity and labour-capacity groups."""

import numpy as np
import pandas as pd
import pytest

from evalkit.core.errors import EvalkitError
from evalkit.core.schema import derive_income, labour_group, labour_groups

HH = pd.DataFrame(
    {
        "labour_full": [0, 0, 1, 2, 0, 1],
        "labour_weak": [0, 1, 0, 1, 2, 2],
    }
)


def test_labour_group_schemes_follow_the_documents():
    assert labour_group(HH, "capacity", "code").tolist() == ["none", "weak", "full", "full", "weak", "full"]
    assert labour_group(HH, "count", "code").tolist() == ["none", "one", "one", "two_plus", "two_plus", "two_plus"]
    assert labour_group(HH, "detail", "code").tolist() == [
        "none",
        "weak_only",
        "one_full",
        "two_plus",
        "weak_only",
        "one_full",
    ]
    assert labour_group(HH).tolist()[:3] == ["无劳动能力", "弱劳动力或半劳动力", "有劳动能力"]
    assert labour_group(HH, "count", "en").tolist()[0] == "no labourer"


def test_every_scheme_has_labels_and_a_source():
    table = labour_groups()
    assert set(table["scheme"]) == {"capacity", "count", "detail"}
    assert (table[["label_zh", "label_en", "source"]] != "").all().all()


def test_labour_group_refuses_missing_counts_and_unknown_schemes():
    with pytest.raises(EvalkitError) as info:
        labour_group(HH.assign(labour_weak=[0, np.nan, 0, 0, 0, 0]))
    assert info.value.code == "E-LABOUR-COUNTS-MISSING"
    with pytest.raises(EvalkitError) as info:
        labour_group(HH, "bogus")
    assert info.value.code == "E-LABOUR-SCHEME"


def test_per_capita_net_income_identity():
    hh = pd.DataFrame(
        {
            "wage": [6000.0, 0.0],
            "operating_income": [3000.0, 500.0],
            "operating_expenses": [1000.0, 900.0],
            "property": [200.0, 0.0],
            "transfer": [800.0, 4000.0],
            "household_size": [3, 1],
            "household_type": ["一般脱贫户", "边缘易致贫户"],
        }
    )
    out = derive_income(hh)
    # (6000 + 3000 − 1000 + 200 + 800) / 3 = 3000; (0 + 500 − 900 + 0 + 4000) / 1 = 3600
    assert out["net_income_pc"].tolist() == [3000.0, 3600.0]
    assert out["net_operating"].tolist() == [2000.0, -400.0]
    assert out["is_tuopin"].tolist() == [True, False]
    assert out["is_monitored"].tolist() == [False, True]
