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


def _subcommands():
    import argparse

    from evalkit.cli.main import build_parser

    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


def _option(subparser, flag):
    return next((a for a in subparser._actions if flag in a.option_strings), None)


@pytest.mark.parametrize(
    "flag, commands",
    [
        ("--region", ["scorecard", "watchlist", "lists", "report"]),
        ("--year", ["scorecard", "watchlist", "lists", "report"]),
        ("--data", ["scorecard", "watchlist", "lists", "report", "batch"]),
        ("--lang", ["scorecard", "report", "batch"]),
        ("--measures", ["validate", "ingest"]),
        ("--strict", ["validate", "ingest"]),
        ("--formats", ["report", "batch"]),
        ("--min-households", ["report", "batch"]),
        ("--suppress-zeros", ["report", "batch"]),
        ("--scheduler", ["ingest", "batch"]),
        ("--jobs", ["ingest", "batch"]),
    ],
)
def test_a_shared_option_is_defined_once_for_every_command(flag, commands):
    subs = _subcommands()
    actions = [_option(subs[c], flag) for c in commands]
    assert all(a is not None for a in actions), flag
    assert all(a is actions[0] for a in actions), f"{flag} is defined more than once"
    assert " / " in actions[0].help  # bilingual


def test_shared_options_parse_with_their_defaults():
    from evalkit.cli.main import build_parser
    from evalkit.core.config import MIN_HOUSEHOLDS

    args = build_parser().parse_args(["report", "--region", "mile", "--year", "2023"])
    assert (args.region, args.year, args.data, args.lang, args.out) == ("mile", 2023, None, "zh", "reports")
    assert (args.formats, args.min_households, args.suppress_zeros) == ("html,pdf,docx,xlsx", MIN_HOUSEHOLDS, False)
    args = build_parser().parse_args(["validate", "a.csv", "--measures", "m.csv", "--strict"])
    assert (args.paths, args.measures, args.strict) == (["a.csv"], ["m.csv"], True)
    assert not hasattr(args, "scheduler")  # validate runs in-process only
    args = build_parser().parse_args(["ingest", "a.csv", "--out", "ds", "--scheduler", "local", "--jobs", "3"])
    assert (args.scheduler, args.jobs, args.measures, args.strict) == ("local", 3, [], False)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["scorecard", "--region", "mile", "--year", "2023", "--lang", "fr"])
