"""``fcgilint init``: write a commented starter ``.fcgilint.yaml``.

It never overwrites: a project's existing settings are decisions someone made.
"""

from __future__ import annotations

from pathlib import Path

import typer

from fcgilint import exitcodes


def init(
    directory: Path = typer.Argument(Path("."), help="Where to write .fcgilint.yaml (default: the working directory)."),
) -> None:
    """Write a commented starter .fcgilint.yaml (refuses to overwrite an existing one)."""
    from fcgilint.project_config import FILE_NAME, STARTER

    target = directory / FILE_NAME
    if target.exists():
        typer.echo(f"fcgilint: {target} already exists; not overwriting it", err=True)
        raise typer.Exit(exitcodes.ERROR)
    try:
        with target.open("x", encoding="utf-8") as handle:
            handle.write(STARTER)
    except OSError as exc:
        typer.echo(f"fcgilint: {target}: {exc.strerror or exc}", err=True)
        raise typer.Exit(exitcodes.ERROR) from None
    typer.echo(f"wrote {target}", err=True)


def register(app: typer.Typer) -> None:
    """Add the ``init`` command."""
    app.command("init")(init)
