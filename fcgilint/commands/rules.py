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
    from fcgilint.report import Catalogue
    from fcgilint.rules import Rule


def _rules(config: Path | None) -> tuple[Rule, ...]:
    from fcgilint.settings import UsageError, all_rules, project_config

    try:
        return all_rules(project_config(config).rule_dirs)
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
    output_format: str = typer.Option("table", "--format", "-f", help="table, json or markdown (docs/rules.md)."),
    config: Path | None = typer.Option(None, "--config", help="Read rule_dirs from this .fcgilint.yaml."),
) -> None:
    """List every rule, built-in and from the project's rule_dirs."""
    from fcgilint.formats import render, unavailable

    problem = unavailable("rules", output_format)
    if problem is not None:
        typer.echo(f"fcgilint: {problem}", err=True)
        raise typer.Exit(exitcodes.ERROR)
    sys.stdout.write(render(output_format, catalogue(_rules(config))))


def explain(
    rule_id: str = typer.Argument(..., help="Rule id or name, e.g. FCG001 or request-limit-race."),
    config: Path | None = typer.Option(None, "--config", help="Read rule_dirs from this .fcgilint.yaml."),
) -> None:
    """Explain one rule: what goes wrong, the reference, a bad and a good example, the fix."""
    wanted = rule_id.lower()
    rule = next((r for r in _rules(config) if wanted in (r.id.lower(), r.name.lower())), None)
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
