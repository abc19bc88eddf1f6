"""Errors carry a stable code, documented in the table of evalkit.core.errors and docs/errors.md."""

import re
from pathlib import Path

import pytest

from evalkit.core import errors
from evalkit.core.errors import DataValidationError, DesignError, EvalkitError, OutputError
from evalkit.effects.did import CellsNotEstimable
from evalkit.evaluation.targets import TargetError
from evalkit.indicators.inequality import InequalityInputError, gini

CLASSES = [
    EvalkitError,
    DataValidationError,
    DesignError,
    OutputError,
    CellsNotEstimable,
    TargetError,
    InequalityInputError,
]


def test_every_error_class_has_a_distinct_documented_code():
    codes = [c.code for c in CLASSES]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert errors.CODE_PATTERN.match(code) and f"``{code}``" in errors.__doc__


def test_code_defaults_to_the_class_and_can_be_narrowed():
    assert EvalkitError("x").code == "E-INPUT" and str(EvalkitError("x")) == "x"
    assert EvalkitError("x", code="E-INPUT-LANG").code == "E-INPUT-LANG"
    error = DataValidationError("bad file", problems=[1, 2])
    assert error.code == "E-INGEST-VALIDATION" and error.problems == [1, 2]
    with pytest.raises(ValueError):
        EvalkitError("x", code="not a code")


def test_a_raised_error_is_matched_by_code():
    with pytest.raises(EvalkitError) as excinfo:
        gini([])
    assert excinfo.value.code == "E-DATA-EMPTY" and isinstance(excinfo.value, InequalityInputError)


ROOT = Path(__file__).resolve().parents[1]
CODE_LITERAL = re.compile(r"""["'](E(?:-[A-Z0-9]+)+)["']""")


def test_every_code_in_the_source_is_documented_and_every_documented_code_is_used():
    used = {m for f in (ROOT / "src" / "evalkit").rglob("*.py") for m in CODE_LITERAL.findall(f.read_text("utf-8"))}
    table = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `(E[A-Z0-9-]+)` \|", table, flags=re.M)
    assert len(documented) == len(set(documented)), "a code is listed twice in docs/errors.md"
    assert used - set(documented) == set(), "codes raised but not in docs/errors.md"
    assert set(documented) - used == set(), "codes in docs/errors.md that nothing raises"
    assert all(errors.CODE_PATTERN.match(c) for c in used)
