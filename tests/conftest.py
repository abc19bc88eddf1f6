"""Fixtures of every test in ``tests/`` (the session set-up shared with nbval is ../conftest.py)."""

from __future__ import annotations

import pytest

from evalkit.reporting import disclosure


@pytest.fixture(autouse=True)
def fresh_disclosure_record():
    """Each test starts with nothing forced and no cell recorded (a report run starts so:
    :func:`evalkit.reporting.disclosure.set_forced`), and leaves the same behind."""
    disclosure.set_forced()
    yield
    disclosure.set_forced()
