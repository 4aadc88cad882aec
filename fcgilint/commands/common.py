"""Options and helpers shared by ``check`` and ``fix``."""

from __future__ import annotations

import typer

from fcgilint import exitcodes

RootOpt = typer.Option(None, "--root", help="Map absolute config paths into this directory (a repository that mirrors /).")
ModuleOpt = typer.Option([], "--module", "-M", help="Treat this module as loaded (e.g. php7, suexec). Repeatable.")
WithoutOpt = typer.Option([], "--without-module", help="Treat this module as not loaded (e.g. fcgid). Repeatable.")
DefineOpt = typer.Option([], "--define", "-D", help="Define NAME or NAME=VALUE for <IfDefine> and ${NAME}. Repeatable.")
SelectOpt = typer.Option([], "--select", help="Only these rule ids. Repeatable.")
IgnoreOpt = typer.Option([], "--ignore", help="Skip these rule ids. Repeatable.")
EvidenceOpt = typer.Option([], "--evidence", help="strace output or Apache error/access log of the server (as 'fcgilint trace' reads them); its failures are attached to the findings they prove. Repeatable.")
ConfigOpt = typer.Option(None, "--config", help="Use this .fcgilint.yaml instead of the nearest one above the working directory.")
SetOpt = typer.Option([], "--set", help="NAME=VALUE for a template placeholder ({NAME}, %name%, {{ name }}). Repeatable.")
NoInlineOpt = typer.Option(False, "--no-inline-ignores", help="Ignore '# fcgilint: disable=...' comments.")
ExitZeroOpt = typer.Option(False, "--exit-zero", help="Exit 0 even when findings remain (errors still exit 2).")


def fail(message: str) -> typer.Exit:
    """Print one clear line on stderr and return the exit for a usage/input error."""
    typer.echo(f"fcgilint: {message}", err=True)
    return typer.Exit(exitcodes.ERROR)

