"""``fcgilint show``: per virtual host, what the model believes (route, classes, values).

It reads the tree exactly as ``check`` does (same --root, modules, defines, --set and
.fcgilint.yaml) but runs no rule: it is the view to look at before trusting a finding.
Exit codes: 0 shown, 2 usage or input error.
"""

from __future__ import annotations

from pathlib import Path

import typer

from fcgilint import exitcodes
from fcgilint.commands import common


def show(
    paths: list[Path] = typer.Argument(
        None, help="Config directory (with apache2.conf/httpd.conf) or entry config. Default: as for check."
    ),
    root: Path | None = common.RootOpt,
    output_format: str = typer.Option("text", "--format", "-f", help="text or json."),
    module: list[str] = common.ModuleOpt,
    without_module: list[str] = common.WithoutOpt,
    define: list[str] = common.DefineOpt,
    config: Path | None = common.ConfigOpt,
    set_values: list[str] = common.SetOpt,
) -> None:
    """Show, per virtual host, the .php handler route, each process class and its values with file:line."""
    from fcgilint import overview
    from fcgilint.formats import render, unavailable
    from fcgilint.pipeline import InputError, analyse
    from fcgilint.report import Overview
    from fcgilint.settings import Choices, UsageError, resolve

    problem = unavailable("show", output_format)
    if problem is not None:
        raise common.fail(problem)
    choices = Choices(list(paths or []), root, module, without_module, define, config=config, sets=set_values)
    try:
        settings = resolve(choices)
        results = [analyse(target, settings.load, ()) for target in settings.targets]
    except (UsageError, InputError) as exc:
        raise common.fail(str(exc)) from None
    views = [view for result in results for view in overview.build(result.model)]
    notes = [note for result in results for note in result.notes]
    typer.echo(render(output_format, Overview(views, notes)), nl=False)
    raise typer.Exit(exitcodes.OK)


def register(app: typer.Typer) -> None:
    """Add the ``show`` command."""
    app.command("show", epilog="Exit codes: 0 shown; 2 usage error or unreadable input.")(show)
