"""What the fixture scripts (``tests/data/*/make_fixtures.py``) share: fake ID-card numbers and
the identity and place columns of a monitoring-system export.

Every fixture person is fictitious. A fake ID-card number is 6 digits of area code, 8 of birth
date, the sequence code 999 (positions 15–17, as the demo generator's fake numbers) and a check
character; :func:`fake_id_number` builds one and refuses anything else, so no fixture can carry
a number shaped like a real one. The scripts load this file by path (they are run as scripts
and loaded by tests with ``importlib``, never imported as a package).
"""

from __future__ import annotations

import re

#: the sequence code of every fake ID-card number (positions 15–17)
SEQUENCE_CODE = "999"
FAKE_ID = re.compile(rf"\d{{14}}{SEQUENCE_CODE}[\dxX]")

#: household id, head of household, ID-card number: the columns that identify a person
IDENTITY_HEADER = ["户编号", "户主姓名", "身份证号码"]
#: year, the region levels down to the township, household size and type
PLACE_HEADER = ["年度", "省", "市（州）", "县(市、区)", "乡镇", "家庭人口数", "户类型"]


def fake_id_number(area: str, birth: str, check: str) -> str:
    """The fake ID-card number ``area`` (6 digits) + ``birth`` (YYYYMMDD) + 999 + ``check``."""
    number = f"{area}{birth}{SEQUENCE_CODE}{check}"
    if not FAKE_ID.fullmatch(number):
        raise ValueError(f"not a fake ID-card number (6 + 8 digits, 999, a check character): {number!r}")
    return number
