"""``fcgilint fix``: apply the mechanical remedies, never leaving a broken or half-written file.

Targets, loader options, rule selection, severity overrides, per-path ignores
and inline suppressions come from :mod:`fcgilint.settings`, exactly as for
``check``: what ``check`` does not report, ``fix`` does not touch. The fix
engine and the pipeline are imported inside the command, so ``fcgilint
--version`` and the other commands do not load them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from fcgilint.commands import common

if TYPE_CHECKING:
    from fcgilint.evidence import Detection, EvidenceReport
    from fcgilint.findings import Finding
    from fcgilint.fix.engine import FixError, Options, Outcome
    from fcgilint.formats.text import TextOptions
    from fcgilint.pipeline import Result
    from fcgilint.settings import Choices, Settings

UnsafeOpt = typer.Option(
    False, "--unsafe-fixes", help="Also apply fixes that change behaviour (raised timeouts, body sizes, PHP limits)."
)
BackupOpt = typer.Option(
    False, "--backup", help="Keep the original of every written file as FILE.bak (FILE.bak.1, ... if taken)."
)
SuffixOpt = typer.Option(None, "--backup-suffix", help="Suffix of backup files (implies --backup); default .bak.")
VerifyOpt = typer.Option(
    None,
    "--verify",
    help="Shell command that checks the server config (Debian: 'apache2ctl -t', which reads envvars; elsewhere "
         "'apachectl -t'). Run once before writing (a command that already fails stops the run) and after; on "
         "failure every file is restored.",
)
DiffOpt = typer.Option(False, "--diff", help="Print a unified diff of the fixes and write nothing.")
PathsArg = typer.Argument(
    None,
    help="Config directory (with apache2.conf/httpd.conf), entry config, wrapper script or php.ini. Default: entry "
         "from .fcgilint.yaml, else every apache2.conf/httpd.conf under the root or working directory.",
)
FailOnOpt = typer.Option(
    None, "--fail-on", help="Lowest severity that makes the exit code 1: error, warning or info (default warning)."
)


def fix(
    paths: list[Path] = PathsArg,
    root: Path | None = common.RootOpt,
    module: list[str] = common.ModuleOpt,
    without_module: list[str] = common.WithoutOpt,
    define: list[str] = common.DefineOpt,
    select: list[str] = common.SelectOpt,
    ignore: list[str] = common.IgnoreOpt,
    fail_on: str | None = FailOnOpt,
    exit_zero: bool = common.ExitZeroOpt,
    config: Path | None = common.ConfigOpt,
    set_values: list[str] = common.SetOpt,
    no_inline_ignores: bool = common.NoInlineOpt,
    evidence: list[Path] = common.EvidenceOpt,
    unsafe_fixes: bool = UnsafeOpt,
    backup: bool = BackupOpt,
    backup_suffix: str | None = SuffixOpt,
    verify: str | None = VerifyOpt,
    diff: bool = DiffOpt,
    verbose: bool = common.VerboseOpt,
    quiet: bool = common.QuietOpt,
    color: str = common.ColorOpt,
) -> None:
    """Apply the fixes of the findings, re-load and re-check until nothing is left to fix.

    Safe fixes only, unless --unsafe-fixes. Every file is replaced atomically
    (anonymous temporary file, fsync, rename) with its mode, owner and group, and
    only if it still holds the bytes that were read; bytes outside the edited spans
    are kept exactly. Only files inside --root (else the entry's directory and its
    ServerRoot) are written, after following every symlink; hard links are refused.
    Findings suppressed by .fcgilint.yaml or '# fcgilint: disable=...' are not fixed.

    Exit codes: 0 nothing left at or above --fail-on, 1 findings remain,
    2 usage or input error, a failed write, a failed --verify or a file changed meanwhile,
    130/143 interrupted by SIGINT/SIGTERM (every file restored in each of these cases).
    A file that must not be written (a symlink out of the tree) is reported and left as is.
    """
    from fcgilint.fix.engine import Options
    from fcgilint.settings import Choices

    if backup_suffix is not None and (not backup_suffix or "/" in backup_suffix):
        raise common.fail(f"--backup-suffix {backup_suffix!r}: give a non-empty suffix without '/'")
    suffix = backup_suffix or (".bak" if backup else None)
    if diff and (verify or suffix):
        raise common.fail("--diff writes nothing: --verify and --backup do not apply")
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
    options = Options(unsafe=unsafe_fixes, write=not diff, backup_suffix=suffix, verify=verify)
    raise typer.Exit(
        run(choices, options, not no_inline_ignores, exit_zero, common.text_options(verbose, quiet, color, "none"))
    )


@dataclass
class Reviewer:
    """Applies ``check``'s settings and the evidence to every pass of the fix loop.

    It remembers each target's first raw result, so evidence that no finding
    explains is judged on the config as it was (suppressed findings included),
    not on the fixed one.
    """

    settings: Settings
    inline_ignores: bool
    evidence: EvidenceReport | None
    first: dict[Path, Result] = field(default_factory=dict)
    attached: list[tuple[Finding, Detection]] = field(default_factory=list)

    def review(self, result: Result) -> Result:
        """The findings ``check`` would report for this result, with their evidence."""
        from fcgilint.settings import build_report

        self.first.setdefault(result.target, result)
        shown = build_report([result], self.settings, self.inline_ignores)
        findings = shown.findings
        if self.evidence is not None:
            from fcgilint.evidence_link import link

            linked = link(findings, [result.model], self.evidence)
            findings = linked.findings
            self.attached.extend(linked.attached)
        return replace(result, findings=findings, notes=shown.notes)

    def removed_by(self, finding: Finding) -> list[Detection]:
        """The detections attached to this very finding: the failures its fix removes."""
        return [d for f, d in self.attached if f is finding]

    def notes(self) -> list[str]:
        """Reader warnings, and evidence no finding of the unfixed config explains."""
        if self.evidence is None:
            return []
        from fcgilint.evidence_link import unexplained

        initial = list(self.first.values())
        checked = {r.id for r in self.settings.selection.rules}
        notes = unexplained(
            [f for r in initial for f in r.findings], checked, [r.model for r in initial], self.evidence
        )
        return [*(f"evidence: {w}" for w in self.evidence.warnings), *notes]


def run(
    choices: Choices, options: Options, inline_ignores: bool, exit_zero: bool, text: TextOptions | None = None
) -> int:
    """Resolve the settings like ``check``, then fix (or preview) every target; the exit code of the whole run."""
    from fcgilint.check_run import read_evidence
    from fcgilint.fix import engine
    from fcgilint.pipeline import InputError
    from fcgilint.policy import exit_code
    from fcgilint.settings import UsageError, resolve

    try:
        settings = resolve(choices)
        reviewer = Reviewer(settings, inline_ignores, read_evidence(settings.evidence))
    except UsageError as exc:
        raise common.fail(str(exc)) from None
    if options.write and options.verify:
        try:
            engine.verify_before(options.verify)
        except engine.FixError as exc:
            return _stopped(exc)
    remaining: list[Finding] = []
    for path in settings.targets:
        try:
            outcome = engine.run(path, settings.load, settings.selection.rules, options, reviewer.review)
        except InputError as exc:
            raise common.fail(str(exc)) from None
        except engine.FixError as exc:
            return _stopped(exc)
        if options.write:
            typer.echo(report(outcome, reviewer, text), nl=False)
        else:
            typer.echo(outcome.diff, nl=False)
            typer.echo(preview_summary(outcome, reviewer), err=True)
        remaining.extend(outcome.remaining)
    for note in reviewer.notes():
        typer.echo(f"note: {note}", err=not options.write)
    return exit_code(remaining, settings.selection, exit_zero)


def _stopped(exc: FixError) -> int:
    """What the --verify command printed, then why the run stopped; exit 2."""
    if exc.output:
        typer.echo(exc.output, err=True)
    typer.echo(f"fcgilint: {exc}", err=True)
    return exc.exit_code


def from_check(
    choices: Choices,
    inline_ignores: bool,
    exit_zero: bool,
    write: bool,
    unsafe: bool = False,
    text: TextOptions | None = None,
) -> int:
    """``check --diff`` / ``check --fix``: the same run as ``fix --diff`` / ``fix``."""
    from fcgilint.fix.engine import Options

    return run(choices, Options(unsafe=unsafe, write=write), inline_ignores, exit_zero, text)


def _removes(applied_finding: Finding, reviewer: Reviewer) -> list[str]:
    from fcgilint.evidence_link import summary

    return [f"    removes: {summary(d)}" for d in reviewer.removed_by(applied_finding)]


def report(outcome: Outcome, reviewer: Reviewer, text: TextOptions | None = None) -> str:
    """What was fixed (rule, place, remedy, the failures it removes), what was refused, what remains.

    The remaining findings are one line each, as ``check`` prints them; ``-v`` adds
    the values behind each fix and each remaining finding's details.
    """
    import sys

    from fcgilint.formats.text import TextOptions
    from fcgilint.formats.text import render as render_text
    from fcgilint.report import Report
    from fcgilint.rules import load_rules

    text = text or TextOptions()
    lines: list[str] = []
    for applied in outcome.applied:
        edited = ", ".join(str(loc) for loc in dict.fromkeys(applied.edited))
        lines.append(f"fixed {applied.finding.rule} {applied.finding.location}: {applied.fix.description}")
        lines.append(f"    edited: {edited}")
        if text.verbose:
            lines.extend(f"    because: {r.location}: {r.note}" for r in applied.finding.related)
        lines.extend(_removes(applied.finding, reviewer))
    lines.extend(f"not fixed: {reason}" for reason in outcome.refused)
    lines.extend(f"removed {path}: a temporary file left by a killed run" for path in outcome.cleaned)
    files = len(outcome.originals)
    lines.append(f"{len(outcome.applied)} fix(es) applied to {files} file(s) in {outcome.passes} pass(es).")
    backups = [str(o.backup) for o in outcome.originals.values() if o.backup is not None]
    if backups:
        lines.append(f"backups: {', '.join(backups)}")
    if outcome.final is not None:
        lines.append("remaining:" if outcome.remaining else "nothing remains.")
        if outcome.remaining:
            remaining = Report(list(outcome.remaining), list(outcome.final.notes), load_rules())
            lines.append(render_text(remaining, text, sys.stdout).rstrip("\n"))
            unsafe = sum(1 for f in outcome.remaining if f.fix is not None and not f.fix.safe)
            if unsafe:
                lines.append(f"{unsafe} unsafe fix(es) not applied: review them, then run with --unsafe-fixes.")
    return "\n".join(lines) + "\n"


def preview_summary(outcome: Outcome, reviewer: Reviewer) -> str:
    """Lines on stderr after a diff, so the diff itself stays machine-readable."""
    unsafe = sum(
        1
        for f in outcome.remaining
        if f.fix is not None and not f.fix.safe and not any(a.finding is f for a in outcome.applied)
    )
    text = f"{len(outcome.applied)} fix(es) shown, nothing written."
    if unsafe:
        text += f" {unsafe} unsafe fix(es) not shown: add --unsafe-fixes to see them."
    for applied in outcome.applied:
        removes = _removes(applied.finding, reviewer)
        if removes:
            text += f"\n{applied.finding.rule} {applied.finding.location}:\n" + "\n".join(removes)
    text += "".join(f"\nnot fixed: {r}" for r in outcome.refused)
    return text


def register(app: typer.Typer) -> None:
    """Add the ``fix`` command."""
    app.command("fix")(fix)
