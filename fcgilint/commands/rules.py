"""``fcgilint rules`` and ``fcgilint explain``: the rule catalogue, from the YAML files.

Both render a :class:`fcgilint.report.Catalogue` through :mod:`fcgilint.formats`
(``table``, ``json``, ``markdown``; the markdown is docs/rules.md). Site rules
(``rule_dirs`` in .fcgilint.yaml) are listed too, and a site rule without a check
function says so instead of silently never firing.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from fcgilint import exitcodes

# The rule loader pulls in the YAML parser; only the commands that list rules pay for it.
if TYPE_CHECKING:
    from fcgilint.report import Catalogue, ExampleRuns
    from fcgilint.rules import Rule


def _rules(config: Path | None, more: list[Path]) -> tuple[Rule, ...]:
    """Built-in rules, the ones of ``rule_dirs`` and those of ``more`` (a directory named twice counts once)."""
    from fcgilint.settings import UsageError, all_rules, project_config

    try:
        dirs = [*project_config(config).rule_dirs, *more]
        for folder in more:
            if not folder.is_dir():
                raise UsageError(f"{folder}: not a directory of rule files")
        return all_rules(list(dict.fromkeys(d.resolve() for d in dirs)))
    except UsageError as exc:
        typer.echo(f"fcgilint: {exc}", err=True)
        raise typer.Exit(exitcodes.ERROR) from None


def _origin(rule: Rule) -> str:
    from fcgilint.rules import rules_dir

    return "built-in" if Path(rule.source).parent.resolve() == rules_dir().resolve() else f"site ({rule.source})"


def catalogue(rules: tuple[Rule, ...]) -> Catalogue:
    """The report document of ``rules``: each rule with whether it can fire and where it comes from."""
    from fcgilint.report import Catalogue, Entry
    from fcgilint.settings import has_check

    return Catalogue([Entry(r, has_check(r), _origin(r)) for r in rules])


def rules_command(
    dirs: list[Path] = typer.Argument(None, help="Site rule directories, beside rule_dirs of .fcgilint.yaml."),
    output_format: str | None = typer.Option(
        None, "--format", "-f", help="table, json or markdown (docs/rules.md); with --test: text or json."
    ),
    config: Path | None = typer.Option(None, "--config", help="Read rule_dirs from this .fcgilint.yaml."),
    test: bool = typer.Option(
        False, "--test", help="Run the bad and good examples of every site rule: a bad one must fire, a good one not."
    ),
) -> None:
    """List every rule, built-in and from the project's rule_dirs (and DIRS).

    With --test, run the site rules' own examples instead. Exit codes: 0 every example
    did what it promises, 1 one did not, 2 usage error (no site rule, a broken rule file).
    """
    from fcgilint.formats import AVAILABLE, render, unavailable

    kind = "examples" if test else "rules"
    chosen = output_format or AVAILABLE[kind][0]
    problem = unavailable(kind, chosen)
    if problem is not None:
        typer.echo(f"fcgilint: {problem}{' (with --test)' if test else ''}", err=True)
        raise typer.Exit(exitcodes.ERROR)
    rules = _rules(config, list(dirs or []))
    if not test:
        sys.stdout.write(render(chosen, catalogue(rules)))
        return
    report = _tested(rules)
    sys.stdout.write(render(chosen, report, stream=sys.stdout))
    raise typer.Exit(exitcodes.FINDINGS if report.failed else exitcodes.OK)


def _tested(rules: tuple[Rule, ...]) -> ExampleRuns:
    """The examples of the site rules, run; having no site rule to test is a usage error."""
    from fcgilint.rule_examples import run_examples

    site = tuple(r for r in rules if _origin(r) != "built-in")
    if not site:
        typer.echo("fcgilint: rules --test: no site rule; give a DIR of rule files or rule_dirs in .fcgilint.yaml",
                   err=True)
        raise typer.Exit(exitcodes.ERROR)
    return run_examples(site)


def explain(
    rule_id: str = typer.Argument(..., help="Rule id or name, e.g. FCG001 or request-limit-race."),
    config: Path | None = typer.Option(None, "--config", help="Read rule_dirs from this .fcgilint.yaml."),
) -> None:
    """Explain one rule: what goes wrong, the reference, a bad and a good example, the fix."""
    wanted = rule_id.lower()
    rule = next((r for r in _rules(config, []) if wanted in (r.id.lower(), r.name.lower())), None)
    if rule is None:
        typer.echo(f"fcgilint: unknown rule {rule_id!r}; `fcgilint rules` lists them", err=True)
        raise typer.Exit(exitcodes.ERROR)
    from fcgilint.formats import render

    document = catalogue((rule,))
    body = render("markdown", document).split(f"## {rule.id}\n\n", 1)[1]
    extra = (
        ""
        if document.entries[0].checked
        else f"\nNote: {rule.id} has no check function; it is documented but cannot fire.\n"
    )
    sys.stdout.write(f"{rule.id} {body}{extra}")


def register(app: typer.Typer) -> None:
    """Add ``rules`` and ``explain``."""
    app.command("rules")(rules_command)
    app.command("explain")(explain)
