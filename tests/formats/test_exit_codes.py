"""0 clean, 1 findings at or above --fail-on, 2 usage/config/input errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.formats.helpers import ENTRY, invoke

CHECK = ["check", "--root", ".", ENTRY]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ([], 1),
        (["--fail-on", "error"], 1),
        (["--fail-on", "error", "--ignore", "FCG001"], 0),
        (["--fail-on", "info", "--select", "FCG013"], 1),
        (["--fail-on", "warning", "--select", "FCG013"], 0),
        (["--exit-zero"], 0),
    ],
)
def test_fail_on_threshold(repo: Path, args: list[str], code: int) -> None:
    assert invoke([*CHECK, *args]).code == code


@pytest.mark.parametrize(
    "args",
    [
        [*CHECK, "--format", "yaml"],
        [*CHECK, "--fail-on", "fatal"],
        [*CHECK, "--select", "FCG999"],
        ["check", "no/such/dir"],
        ["check", "--root", "missing", ENTRY],
        [*CHECK, "--baseline", "missing.json"],
    ],
)
def test_usage_and_input_errors_exit_2_with_one_line(repo: Path, args: list[str]) -> None:
    out = invoke(args)
    assert out.code == 2
    assert out.stdout == ""
    assert out.stderr.startswith("fcgilint: ") and out.stderr.count("\n") == 1


def test_nothing_to_check_is_a_usage_error(tmp_path: Path) -> None:
    from tests.formats.helpers import chdir

    with chdir(tmp_path):
        out = invoke(["check"])
    assert out.code == 2 and "nothing to check" in out.stderr


def test_help_documents_exit_codes() -> None:
    out = invoke(["check", "--help"])
    assert "Exit codes" in out.stdout and "--fail-on" in out.stdout and "--exit-zero" in out.stdout


def test_help_names_argument_types_as_the_pinned_typer_does() -> None:
    """pyproject.toml pins typer below 0.26: its help says PATH and TEXT, never `<list[Path]>`."""
    from importlib.metadata import version

    installed = tuple(int(part) for part in version("typer").split(".")[:2])
    if not (0, 24) <= installed < (0, 26):
        pytest.skip(f"typer {version('typer')} is outside the range pyproject.toml pins")
    out = invoke(["check", "--help"])
    assert "PATH" in out.stdout and "TEXT" in out.stdout
    assert "<list[" not in out.stdout and "<path>" not in out.stdout


def test_help_describes_the_arguments() -> None:
    """An argument's help reaches --help (typer 0.24/0.25 lose it under click 8.5, which pyproject.toml excludes)."""
    assert "Config directory" in invoke(["check", "--help"]).stdout
    assert "Rule id or name" in invoke(["explain", "--help"]).stdout
