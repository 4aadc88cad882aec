"""Options and helpers shared by ``check`` and ``fix`` (and ``show``): one definition, so their help cannot drift."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from fcgilint import exitcodes

if TYPE_CHECKING:
    from fcgilint.formats.text import TextOptions

PathsArg = typer.Argument(
    None,
    help="Config directory (with apache2.conf/httpd.conf), entry config, wrapper script or php.ini. Default: entry "
         "from .fcgilint.yaml, else every apache2.conf/httpd.conf under the root or working directory.",
)
RootOpt = typer.Option(
    None, "--root", help="Map absolute config paths into this directory (a repository that mirrors /)."
)
ModuleOpt = typer.Option(
    [], "--module", "-M",
    help="Treat this module as loaded (e.g. php7, suexec), or state a distribution's default set in full: debian. "
         "Without LoadModule lines or this, common modules are assumed (README: modules). Repeatable.")
WithoutOpt = typer.Option([], "--without-module", help="Treat this module as not loaded (e.g. fcgid). Repeatable.")
DefineOpt = typer.Option([], "--define", "-D", help="Define NAME or NAME=VALUE for <IfDefine> and ${NAME}. Repeatable.")
FailOnOpt = typer.Option(
    None, "--fail-on", help="Lowest severity that makes the exit code 1: error, warning or info (default warning)."
)
SelectOpt = typer.Option([], "--select", help="Only these rule ids (comma-separated or repeated).")
IgnoreOpt = typer.Option([], "--ignore", help="Skip these rule ids (comma-separated or repeated).")
EvidenceOpt = typer.Option(
    [],
    "--evidence",
    help="strace output or Apache error/access log of the server (as 'fcgilint trace' reads them); its failures are "
         "attached to the findings they prove. Repeatable.",
)
ConfigOpt = typer.Option(
    None, "--config", help="Use this .fcgilint.yaml instead of the nearest one above the working directory."
)
SetOpt = typer.Option(
    [], "--set", help="NAME=VALUE for a template placeholder ({NAME}, %name%, {{ name }}). Repeatable."
)
NoInlineOpt = typer.Option(False, "--no-inline-ignores", help="Ignore '# fcgilint: disable=...' comments.")
ExitZeroOpt = typer.Option(False, "--exit-zero", help="Exit 0 even when findings remain (errors still exit 2).")
VerboseOpt = typer.Option(
    False,
    "--verbose",
    "-v",
    "--show-provenance",
    help="Text: under each finding, the related places, the provenance chain, the fix and the offending line.",
)
QuietOpt = typer.Option(False, "--quiet", "-q", help="Text: the findings only, without notes and the closing summary.")
ColorOpt = typer.Option("auto", "--color", help="Text: auto (on a terminal, unless NO_COLOR is set), always or never.")
GroupOpt = typer.Option(
    "none", "--group-by", help="Text: none, file or vhost: a header per file or virtual host, the findings below it."
)
StatisticsOpt = typer.Option(False, "--statistics", help="Text: counts per rule instead of the findings.")
OutputFileOpt = typer.Option(
    None, "--output-file", "-o", help="Write the report to this file instead of standard output."
)


def text_options(verbose: bool, quiet: bool, color: str, group_by: str, statistics: bool = False) -> TextOptions:
    """The text switches, checked: a wrong value is a usage error."""
    from fcgilint.formats.text import COLOR_CHOICES, GROUP_CHOICES, TextOptions

    if color not in COLOR_CHOICES:
        raise fail(f"--color {color}: use {', '.join(COLOR_CHOICES)}")
    if group_by not in GROUP_CHOICES:
        raise fail(f"--group-by {group_by}: use {', '.join(GROUP_CHOICES)}")
    return TextOptions(verbose=verbose, quiet=quiet, statistics=statistics, color=color, group_by=group_by)


def fail(message: str) -> typer.Exit:
    """Print one clear line on stderr and return the exit for a usage/input error."""
    typer.echo(f"fcgilint: {message}", err=True)
    return typer.Exit(exitcodes.ERROR)

