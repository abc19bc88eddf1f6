"""Errors carry a stable code, documented in the table of evalkit.core.errors."""

import pytest

from evalkit.core import errors
from evalkit.core.errors import DataValidationError, DesignError, EvalkitError
from evalkit.effects.did import CellsNotEstimable
from evalkit.evaluation.targets import TargetError
from evalkit.indicators.inequality import InequalityInputError, gini

CLASSES = [EvalkitError, DataValidationError, DesignError, CellsNotEstimable, TargetError, InequalityInputError]


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
    assert excinfo.value.code == "E-INEQUALITY-INPUT"
