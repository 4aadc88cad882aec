"""``fcgilint check``: report every mod_fcgid / php-cgi inconsistency."""

from __future__ import annotations

from pathlib import Path

import typer

from fcgilint.commands import common
from fcgilint.report import render_json, render_text


def check(
    paths: list[Path] = common.PathsArg,
    root: Path | None = common.RootOpt,
    output_format: str = typer.Option("text", "--format", "-f", help="text or json."),
    module: list[str] = common.ModuleOpt,
    without_module: list[str] = common.WithoutOpt,
    define: list[str] = common.DefineOpt,
    select: list[str] = common.SelectOpt,
    ignore: list[str] = common.IgnoreOpt,
    fail_on: str = common.FailOnOpt,
    exit_zero: bool = common.ExitZeroOpt,
) -> None:
    """Check a server's config tree, a config repository, a wrapper or a php.ini.

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error.
    """
    if output_format not in ("text", "json"):
        raise common.fail(f"--format {output_format}: use text or json")
    options = common.load_options(root, module, without_module, define)
    selection = common.select_rules(select, ignore, fail_on)
    results = common.run_all(paths, options, selection)
    findings = [f for r in results for f in r.findings]
    notes = [n for r in results for n in r.notes]
    render = render_json if output_format == "json" else render_text
    typer.echo(render(findings, notes), nl=False)
    raise typer.Exit(common.exit_code(findings, selection, exit_zero))


def register(app: typer.Typer) -> None:
    """Add the ``check`` command."""
    app.command("check")(check)
