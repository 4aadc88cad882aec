"""Options and helpers shared by ``check`` and ``fix``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from fcgilint import exitcodes
from fcgilint.findings import Finding, Severity

# The pipeline, loader and rules are imported where used: every command module
# imports this one, and `fcgilint --version` should not pay for the whole pipeline.
if TYPE_CHECKING:
    from fcgilint.load.apache_tree import LoadOptions
    from fcgilint.pipeline import Result
    from fcgilint.rules import Rule

PathsArg = typer.Argument(..., help="Config directory (with apache2.conf/httpd.conf), entry config, wrapper script or php.ini.")
RootOpt = typer.Option(None, "--root", help="Map absolute config paths into this directory (a repository that mirrors /).")
ModuleOpt = typer.Option([], "--module", "-M", help="Treat this module as loaded (e.g. php7, suexec). Repeatable.")
WithoutOpt = typer.Option([], "--without-module", help="Treat this module as not loaded (e.g. fcgid). Repeatable.")
DefineOpt = typer.Option([], "--define", "-D", help="Define NAME or NAME=VALUE for <IfDefine> and ${NAME}. Repeatable.")
SelectOpt = typer.Option([], "--select", help="Only these rule ids. Repeatable.")
IgnoreOpt = typer.Option([], "--ignore", help="Skip these rule ids. Repeatable.")
FailOnOpt = typer.Option("warning", "--fail-on", help="Lowest severity that makes the exit code 1: error, warning or info.")
ExitZeroOpt = typer.Option(False, "--exit-zero", help="Exit 0 even when findings remain (errors still exit 2).")


@dataclass(frozen=True)
class Selection:
    """Which rules run and what fails the run."""

    rules: tuple[Rule, ...]
    fail_on: Severity


def fail(message: str) -> typer.Exit:
    """Print one clear line on stderr and return the exit for a usage/input error."""
    typer.echo(f"fcgilint: {message}", err=True)
    return typer.Exit(exitcodes.ERROR)


def load_options(root: Path | None, modules: list[str], without: list[str], defines: list[str]) -> LoadOptions:
    """Build loader options from the command line."""
    from fcgilint.load.apache_tree import LoadOptions

    if root is not None and not root.is_dir():
        raise fail(f"--root {root}: not a directory")
    pairs = tuple((d.partition("=")[0], d.partition("=")[2]) for d in defines)
    return LoadOptions(root=root, modules=frozenset(modules), without_modules=frozenset(without), defines=pairs)


def select_rules(select: list[str], ignore: list[str], fail_on: str) -> Selection:
    """Apply --select/--ignore and parse --fail-on."""
    from fcgilint.rules import RuleError, load_rules

    try:
        rules = load_rules()
        severity = Severity(fail_on.lower())
    except RuleError as exc:
        raise fail(str(exc)) from None
    except ValueError:
        raise fail(f"--fail-on {fail_on}: use error, warning or info") from None
    known = {r.id for r in rules}
    unknown = [r for r in [*select, *ignore] if r.upper() not in known]
    if unknown:
        raise fail(f"unknown rule id(s): {', '.join(unknown)}")
    chosen = tuple(r for r in rules if (not select or r.id in {s.upper() for s in select}) and r.id not in {i.upper() for i in ignore})
    return Selection(chosen, severity)


def run_all(paths: list[Path], options: LoadOptions, selection: Selection) -> list[Result]:
    """Analyse every path; an unusable input ends the run with exit code 2."""
    from fcgilint.pipeline import InputError, analyse

    results = []
    for path in paths:
        try:
            results.append(analyse(path, options, selection.rules))
        except InputError as exc:
            raise fail(str(exc)) from None
    return results


def exit_code(findings: list[Finding], selection: Selection, exit_zero: bool) -> int:
    """0 clean, 1 findings at or above --fail-on."""
    failing = any(f.severity.rank >= selection.fail_on.rank for f in findings)
    return exitcodes.FINDINGS if failing and not exit_zero else exitcodes.OK
