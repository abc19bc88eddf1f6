"""The CLI layer: commands print and return exit codes; the library they call returns data."""

from pathlib import Path

import pytest

from evalkit.cli import commands
from evalkit.cli.main import main
from evalkit.reporting.runner import ReportOutcome


@pytest.fixture
def fake_run_report(monkeypatch):
    calls = []

    def run(region, year, **kwargs):
        calls.append((region, year, kwargs))
        if region == "broken":
            return ReportOutcome(region=region, year=year, status="failed", error="boom", log=Path("x.log"))
        return ReportOutcome(region=region, year=year, status="ok", html=Path("r/2025/shangyou.html"), log=Path("l"))

    monkeypatch.setattr(commands, "run_report", run)
    return calls


def test_report_command_prints_the_files_and_returns_0(fake_run_report, capsys):
    code = main(["report", "--region", "shangyou", "--year", "2025", "--formats", "html", "--min-households", "12"])
    assert code == 0
    out = capsys.readouterr().out
    assert "shangyou 2025" in out and "shangyou.html" in out
    [(region, year, kwargs)] = fake_run_report
    assert (region, year, kwargs["formats"]) == ("shangyou", 2025, "html")
    assert kwargs["extra_parameters"]["min_households"] == 12


def test_report_command_returns_1_and_says_why_on_stderr(fake_run_report, capsys):
    assert commands.report_command("broken", 2025) == 1
    err = capsys.readouterr().err
    assert "失败 / FAILED: boom" in err and "x.log" in err


def test_domain_modules_hold_no_report_command():
    from evalkit.reporting import report, runner

    assert not hasattr(runner, "report_command") and not hasattr(report, "report_command")
