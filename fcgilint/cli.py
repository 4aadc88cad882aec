"""Command-line entry point.

Each sub-command lives in its own module under ``fcgilint.commands`` and
registers itself on the Typer app; this module only wires them together and
handles the admin-friendly spelling ``fcgilint --fix PATH``.
"""

from __future__ import annotations

import errno
import functools
import gc
import os
import sys
import traceback
from typing import TYPE_CHECKING

from fcgilint import __version__, exitcodes

if TYPE_CHECKING:
    import typer

    from fcgilint.formats import Document

HELP = (
    "Find, fix and prove mod_fcgid + php-cgi configuration mistakes.\n\n"
    "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error, 70 internal error."
)


@functools.cache
def _make_app() -> typer.Typer:
    """The Typer app with every sub-command, built on first use: importing typer, click and the
    commands is half of start-up, and ``fcgilint --version`` needs none of it."""
    import typer

    from fcgilint.commands import REGISTRY

    app = typer.Typer(
        name="fcgilint", help=HELP, no_args_is_help=True, add_completion=True, pretty_exceptions_enable=False
    )

    def _version(value: bool) -> None:
        if value:
            typer.echo(f"fcgilint {__version__}")
            raise typer.Exit(0)

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ) -> None:
        """Find, fix and prove mod_fcgid + php-cgi configuration mistakes."""

    for register in REGISTRY:
        register(app)
    return app


def __getattr__(name: str) -> object:
    """``from fcgilint.cli import app`` (tests, the man page script) builds the app then."""
    if name == "app":
        return _make_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _normalise_argv(argv: list[str]) -> list[str]:
    """Map ``fcgilint --fix PATH ...`` (as admins type it) onto ``fcgilint fix PATH ...``."""
    if argv and argv[0] == "--fix":
        return ["fix", *argv[1:]]
    return argv


def main() -> None:
    """Console-script entry point."""
    # A loaded tree is millions of small objects that live until the run ends; with the
    # default thresholds the collector re-scans them thousands of times (40 % of a
    # 5,000-vhost check). Collect young objects less often; cycles are still freed.
    gc.set_threshold(50_000, 20, 20)
    args = _normalise_argv(sys.argv[1:])
    if args == ["--version"]:  # the one answer that needs no command-line machinery
        print(f"fcgilint {__version__}")
        return
    import typer

    try:
        _make_app()(args=args, prog_name="fcgilint")
    except KeyboardInterrupt:
        typer.echo("fcgilint: interrupted", err=True)
        sys.exit(130)
    except OSError as exc:
        if exc.errno not in OUTPUT_ERRORS:
            _internal_error(exc)
        _silence_stdout()
        typer.echo(f"fcgilint: cannot write the output: {exc.strerror or exc}", err=True)
        sys.exit(exitcodes.ERROR)
    except Exception as exc:  # noqa: BLE001 -- the one place a bug becomes a message and exit 70
        _internal_error(exc)


#: errno values of a stdout that cannot take the report (a full disk, a closed pipe, a quota)
OUTPUT_ERRORS = frozenset({errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EDQUOT, errno.EFBIG})


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null, so the interpreter's final flush does not fail a second time."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _internal_error(exc: BaseException) -> None:
    """One line that says it is fcgilint's fault and where, then exit 70 (FCGILINT_TRACEBACK=1: the traceback)."""
    import typer

    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f"{os.sep}fcgilint{os.sep}" in f.filename] or frames
    top = os.path.dirname(os.path.dirname(__file__))
    where = f" at {os.path.relpath(ours[-1].filename, top)}:{ours[-1].lineno}" if ours else ""
    if os.environ.get("FCGILINT_TRACEBACK"):
        traceback.print_exception(exc)
    message = f"internal error: {type(exc).__name__}: {exc}{where}; a bug in fcgilint, not in the configuration"
    _empty_document(message)
    typer.echo(f"fcgilint: {message} (FCGILINT_TRACEBACK=1 shows the traceback)", err=True)
    sys.exit(exitcodes.INTERNAL)


#: formats for a reader, not a program: after a crash they print nothing but the line on stderr
HUMAN_FORMATS = ("text", "table", "markdown")


def _empty_document(message: str) -> None:
    """For ``--format json|sarif|junit|...``: a well-formed document with no findings and the error as a note."""
    args = sys.argv[1:]
    chosen = _chosen_format(args)
    if chosen is None or chosen in HUMAN_FORMATS:
        return
    try:
        import typer

        from fcgilint.formats import render

        typer.echo(render(chosen, _nothing_found(args, message)), nl=False)
    except Exception:  # noqa: BLE001 -- the error itself is still reported on stderr
        return


def _chosen_format(args: list[str]) -> str | None:
    """The format the command line asks for, in any spelling (``--format X``, ``--format=X``, ``-f X``, ``-fX``).

    The last one counts, as it does for the option parser.
    """
    chosen = None
    for i, arg in enumerate(args):
        if arg in ("--format", "-f") and i + 1 < len(args):
            chosen = args[i + 1]
        elif arg.startswith("--format="):
            chosen = arg.split("=", 1)[1]
        elif arg.startswith("-f") and len(arg) > 2 and not arg.startswith("--"):
            chosen = arg[2:]
    return chosen


def _nothing_found(args: list[str], message: str) -> Document:
    """The report document of the command that failed, empty, with the error as its note: the shape a reader expects.

    ``rules`` lists no note in its document (``{"rules": [...]}``), so its empty catalogue carries none.
    """
    from fcgilint.report import Catalogue, ExampleRuns, FixReport, Overview, Report, TraceReport

    command = next((a for a in args if not a.startswith("-")), "check")
    if command == "fix" or "--fix" in args or "--diff" in args:
        return FixReport([], [message])
    if command == "trace":
        from fcgilint.evidence import EvidenceReport

        return TraceReport(EvidenceReport(warnings=[message]))
    if command == "rules":
        return ExampleRuns([], 0, [message]) if "--test" in args else Catalogue([])
    if command == "show":
        return Overview([], [message])
    return Report(findings=[], notes=[message])
