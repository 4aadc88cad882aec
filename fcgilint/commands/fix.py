"""``fcgilint fix``: apply the mechanical remedies, never leaving a broken or half-written file."""

from __future__ import annotations

from pathlib import Path

import typer

from fcgilint import exitcodes
from fcgilint.commands import common
from fcgilint.findings import Finding
from fcgilint.fix import engine
from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import InputError
from fcgilint.report import render_text

UnsafeOpt = typer.Option(False, "--unsafe-fixes", help="Also apply fixes that change behaviour (raised timeouts, body sizes, PHP limits).")
BackupOpt = typer.Option(False, "--backup", help="Keep the original of every written file as FILE.bak.")
SuffixOpt = typer.Option(None, "--backup-suffix", help="Suffix of backup files (implies --backup); default .bak.")
VerifyOpt = typer.Option(None, "--verify", help="Shell command run after writing (e.g. 'apachectl -t'); on failure every file is restored.")
DiffOpt = typer.Option(False, "--diff", help="Print a unified diff of the fixes and write nothing.")


def fix(
    paths: list[Path] = common.PathsArg,
    root: Path | None = common.RootOpt,
    module: list[str] = common.ModuleOpt,
    without_module: list[str] = common.WithoutOpt,
    define: list[str] = common.DefineOpt,
    select: list[str] = common.SelectOpt,
    ignore: list[str] = common.IgnoreOpt,
    fail_on: str = common.FailOnOpt,
    exit_zero: bool = common.ExitZeroOpt,
    unsafe_fixes: bool = UnsafeOpt,
    backup: bool = BackupOpt,
    backup_suffix: str | None = SuffixOpt,
    verify: str | None = VerifyOpt,
    diff: bool = DiffOpt,
) -> None:
    """Apply the fixes of the findings, re-load and re-check until nothing is left to fix.

    Safe fixes only, unless --unsafe-fixes. Every file is replaced atomically
    (temporary file in the same directory, fsync, rename) with its mode, owner and
    group; bytes outside the edited spans are kept exactly. A symlinked file is
    edited at its target only when that lies inside --root or the config tree.

    Exit codes: 0 nothing left at or above --fail-on, 1 findings remain,
    2 usage or input error, a failed write or a failed --verify (every file restored).
    A file that must not be written (a symlink out of the tree) is reported and left as is.
    """
    options = common.load_options(root, module, without_module, define)
    selection = common.select_rules(select, ignore, fail_on)
    if backup_suffix is not None and (not backup_suffix or "/" in backup_suffix):
        raise common.fail(f"--backup-suffix {backup_suffix!r}: give a non-empty suffix without '/'")
    suffix = backup_suffix or (".bak" if backup else None)
    settings = engine.Options(unsafe=unsafe_fixes, write=not diff, backup_suffix=suffix, verify=verify)
    if diff and (verify or suffix):
        raise common.fail("--diff writes nothing: --verify and --backup do not apply")
    raise typer.Exit(run(paths, options, selection, settings, exit_zero))



def from_check(paths: list[Path] | None, root: Path | None, module: list[str], without_module: list[str], define: list[str], select: list[str], ignore: list[str], fail_on: str | None, exit_zero: bool, write: bool) -> int:
    """``check --diff`` / ``check --fix``: the same run as ``fix --diff`` / ``fix`` with safe fixes."""
    if not paths:
        raise common.fail("--diff and --fix need the PATH to fix")
    options = common.load_options(root, module, without_module, define)
    selection = common.select_rules(select, ignore, fail_on or "warning")
    return run(paths, options, selection, engine.Options(write=write), exit_zero)


def run(paths: list[Path], options: LoadOptions, selection: common.Selection, settings: engine.Options, exit_zero: bool) -> int:
    """Fix (or preview) every path; the exit code of the whole run."""
    remaining: list[Finding] = []
    for path in paths:
        try:
            outcome = engine.run(path, options, selection.rules, settings)
        except InputError as exc:
            raise common.fail(str(exc)) from None
        except engine.FixError as exc:
            if exc.output:
                typer.echo(exc.output, err=True)
            typer.echo(f"fcgilint: {exc}", err=True)
            return exitcodes.ERROR
        if settings.write:
            typer.echo(report(outcome), nl=False)
        else:
            typer.echo(outcome.diff, nl=False)
            typer.echo(preview_summary(outcome), err=True)
        remaining.extend(outcome.remaining)
    return common.exit_code(remaining, selection, exit_zero)


def report(outcome: engine.Outcome) -> str:
    """What was fixed (rule, place, remedy, the values behind it), what was refused, what remains."""
    lines: list[str] = []
    for applied in outcome.applied:
        edited = ", ".join(str(loc) for loc in dict.fromkeys(applied.edited))
        lines.append(f"fixed {applied.finding.rule} {applied.finding.location}: {applied.fix.description}")
        lines.append(f"    edited: {edited}")
        lines.extend(f"    because: {r.location}: {r.note}" for r in applied.finding.related)
    lines.extend(f"not fixed: {reason}" for reason in outcome.refused)
    files = len(outcome.originals)
    lines.append(f"{len(outcome.applied)} fix(es) applied to {files} file(s) in {outcome.passes} pass(es).")
    backups = [str(o.backup) for o in outcome.originals.values() if o.backup is not None]
    if backups:
        lines.append(f"backups: {', '.join(backups)}")
    if outcome.final is not None:
        lines.append("remaining:" if outcome.remaining else "nothing remains.")
        if outcome.remaining:
            lines.append(render_text(outcome.remaining, outcome.final.notes).rstrip("\n"))
            unsafe = sum(1 for f in outcome.remaining if f.fix is not None and not f.fix.safe)
            if unsafe:
                lines.append(f"{unsafe} unsafe fix(es) not applied: review them, then run with --unsafe-fixes.")
    return "\n".join(lines) + "\n"


def preview_summary(outcome: engine.Outcome) -> str:
    """One line on stderr after a diff, so the diff itself stays machine-readable."""
    unsafe = sum(1 for f in outcome.remaining if f.fix is not None and not f.fix.safe and not any(a.finding is f for a in outcome.applied))
    text = f"{len(outcome.applied)} fix(es) shown, nothing written."
    if unsafe:
        text += f" {unsafe} unsafe fix(es) hidden (--unsafe-fixes)."
    text += "".join(f"\nnot fixed: {r}" for r in outcome.refused)
    return text


def register(app: typer.Typer) -> None:
    """Add the ``fix`` command."""
    app.command("fix")(fix)
