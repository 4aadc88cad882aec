"""``fcgilint check``: report every mod_fcgid / php-cgi inconsistency."""

from __future__ import annotations

from pathlib import Path

import typer

from fcgilint.commands import common
from fcgilint.formats import FORMATS

EXIT_HELP = (
    "Exit codes: 0 clean (or --exit-zero); 1 findings at or above --fail-on (default warning);"
    " 2 usage error, invalid .fcgilint.yaml or unreadable input."
)


def check(
    paths: list[Path] = common.PathsArg,
    root: Path | None = common.RootOpt,
    output_format: str | None = typer.Option(
        None, "--format", "-f", help=f"{', '.join(FORMATS)}. Default: github when GITHUB_ACTIONS=true, else text."
    ),
    module: list[str] = common.ModuleOpt,
    without_module: list[str] = common.WithoutOpt,
    define: list[str] = common.DefineOpt,
    select: list[str] = common.SelectOpt,
    ignore: list[str] = common.IgnoreOpt,
    fail_on: str | None = common.FailOnOpt,
    exit_zero: bool = common.ExitZeroOpt,
    config: Path | None = common.ConfigOpt,
    set_values: list[str] = common.SetOpt,
    no_inline_ignores: bool = common.NoInlineOpt,
    evidence: list[Path] = common.EvidenceOpt,
    baseline: Path | None = typer.Option(
        None, "--baseline", help="Report only findings not recorded in this baseline file."
    ),
    write_baseline: Path | None = typer.Option(
        None, "--write-baseline", help="Record today's findings in this file and exit 0."
    ),
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff of the safe fixes; write nothing."),
    fix: bool = typer.Option(False, "--fix", help="Apply the safe fixes, as 'fcgilint fix' does."),
    no_cache: bool = typer.Option(
        False,
        "--no-cache",
        help="Check from scratch: neither reuse nor store the output of an earlier run on unchanged files.",
    ),
    unsafe_fixes: bool = typer.Option(
        False,
        "--unsafe-fixes",
        help="With --diff or --fix: the unsafe fixes too (raised timeouts, body sizes, PHP limits).",
    ),
    verbose: bool = common.VerboseOpt,
    quiet: bool = common.QuietOpt,
    color: str = common.ColorOpt,
    group_by: str = common.GroupOpt,
    statistics: bool = common.StatisticsOpt,
    output_file: Path | None = common.OutputFileOpt,
    html_file: Path | None = typer.Option(
        None,
        "--html",
        help="With --evidence: also write a self-contained HTML page (the evidence timeline per process class and the "
             "per-vhost tables of 'fcgilint show').",
    ),
) -> None:
    """Check a server's config tree, a config repository, a wrapper or a php.ini.

    Exit codes: 0 clean (or --exit-zero); 1 findings at or above --fail-on
    (default warning); 2 usage error, invalid .fcgilint.yaml or unreadable input.
    """
    from fcgilint.policy import Choices

    text = common.text_options(verbose, quiet, color, group_by, statistics)
    choices = Choices(
        list(paths or []),
        root,
        module,
        without_module,
        define,
        select,
        ignore,
        fail_on,
        config,
        set_values,
        list(evidence),
    )
    if diff or fix:
        if diff and fix:
            raise common.fail("--diff previews and --fix writes: give one of them")
        from fcgilint.commands.fix import from_check

        raise typer.Exit(
            from_check(choices, not no_inline_ignores, exit_zero, fix, unsafe_fixes, text, output_format)
        )
    if unsafe_fixes:
        raise common.fail("--unsafe-fixes applies with --diff or --fix")
    from fcgilint.check_run import run

    code = run(
        choices,
        output_format,
        inline_ignores=not no_inline_ignores,
        baseline=baseline,
        write_baseline=write_baseline,
        exit_zero=exit_zero,
        no_cache=no_cache,
        text=text,
        output_file=output_file,
        html_file=html_file,
    )
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add the ``check`` command."""
    app.command("check", epilog=EXIT_HELP)(check)
