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
    from fcgilint.report import FixRun
    from fcgilint.rules import Rule
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
FormatOpt = typer.Option(
    "text", "--format", "-f", help="text, json or sarif (README: JSON output). Machine formats go to stdout alone."
)


def fix(
    paths: list[Path] = common.PathsArg,
    root: Path | None = common.RootOpt,
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
    unsafe_fixes: bool = UnsafeOpt,
    backup: bool = BackupOpt,
    backup_suffix: str | None = SuffixOpt,
    verify: str | None = VerifyOpt,
    diff: bool = DiffOpt,
    output_format: str = FormatOpt,
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
    text = common.text_options(verbose, quiet, color, "none")
    raise typer.Exit(run(choices, options, not no_inline_ignores, exit_zero, text, output_format))


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
    choices: Choices,
    options: Options,
    inline_ignores: bool,
    exit_zero: bool,
    text: TextOptions | None = None,
    output_format: str = "text",
) -> int:
    """Resolve the settings like ``check``, then fix (or preview) every target; the exit code of the whole run."""
    from fcgilint.check_run import read_evidence
    from fcgilint.fix import engine
    from fcgilint.formats import unavailable
    from fcgilint.formats.text import TextOptions
    from fcgilint.pipeline import InputError
    from fcgilint.settings import UsageError, resolve

    problem = unavailable("fix", output_format)
    if problem is not None:
        raise common.fail(problem)
    try:
        settings = resolve(choices)
        reviewer = Reviewer(settings, inline_ignores, read_evidence(settings.evidence))
    except UsageError as exc:
        raise common.fail(str(exc)) from None
    # Every rule a finding may name, site rules included, so each line shows the rule's name as check's do.
    shown = _Shown(output_format, text or TextOptions(), settings.rules, settings.selection.rules)
    if options.write and options.verify:
        try:
            engine.verify_before(options.verify)
        except engine.FixError as exc:
            return _stopped(exc, shown)
    for path in settings.targets:
        try:
            outcome = engine.run(path, settings.load, settings.selection.rules, options, reviewer.review)
        except InputError as exc:
            if shown.runs:
                shown.emit([])
            raise common.fail(str(exc)) from None
        except engine.FixError as exc:
            return _stopped(exc, shown)
        shown.runs.append(fix_run(path, outcome, reviewer, shown.rules, options.write))
    shown.emit(reviewer.notes())
    return shown.exit_code(settings, exit_zero)


@dataclass
class _Shown:
    """The fix report of the run so far, and how it is printed: once, when the run ends or stops."""

    output_format: str
    text: TextOptions
    rules: tuple[Rule, ...]
    #: the rules ``--select``/``--ignore`` and .fcgilint.yaml chose to run
    selected: tuple[Rule, ...]
    runs: list[FixRun] = field(default_factory=list)

    def emit(self, notes: list[str]) -> None:
        """The report on stdout; for ``text`` without writing, the preview lines and the notes on stderr.

        A diff is the files' own bytes (any encoding), so it goes out as bytes.
        """
        import sys

        from fcgilint.formats import render
        from fcgilint.formats.text import fix_preview
        from fcgilint.report import FixReport

        preview = self.output_format == "text" and any(not r.written for r in self.runs)
        document = FixReport(self.runs, [] if preview else notes, self.used())
        output = render(self.output_format, document, self.text, sys.stdout)
        typer.echo(output.encode("utf-8", "surrogateescape") if preview else output, nl=False)
        if preview:
            for run in self.runs:
                typer.echo(fix_preview(run), err=True)
            for note in notes:
                typer.echo(f"note: {note}", err=True)

    def used(self) -> tuple[Rule, ...]:
        """The rules the run used, as ``check`` lists them: the selected ones, and any other a finding names.

        A tree httpd would refuse is reported whatever the selection (FCG000), so its rule is described too.
        """
        chosen = {r.id for r in self.selected}
        named = {c.finding.rule for run in self.runs for c in run.changes}
        named |= {f.rule for run in self.runs if run.remaining is not None for f in run.remaining.findings}
        return self.selected + tuple(r for r in self.rules if r.id in named - chosen)

    def exit_code(self, settings: Settings, exit_zero: bool) -> int:
        from fcgilint.policy import exit_code
        from fcgilint.report import FixReport

        return exit_code(FixReport(self.runs).remaining, settings.selection, exit_zero)


def _stopped(exc: FixError, shown: _Shown) -> int:
    """The targets fixed before, what the --verify command printed, then why the run stopped; exit 2."""
    if shown.runs:
        shown.emit([])
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
    output_format: str | None = None,
) -> int:
    """``check --diff`` / ``check --fix``: the same run as ``fix --diff`` / ``fix`` (text unless --format says)."""
    from fcgilint.fix.engine import Options

    return run(choices, Options(unsafe=unsafe, write=write), inline_ignores, exit_zero, text, output_format or "text")


def fix_run(path: Path, outcome: Outcome, reviewer: Reviewer, rules: tuple[Rule, ...], written: bool) -> FixRun:
    """The report document of one target's fix run, from what the engine did."""
    from fcgilint.evidence_link import summary
    from fcgilint.report import Change, FixRun, Report

    changes = [
        Change(a.finding, a.fix, tuple(dict.fromkeys(a.edited)), tuple(map(summary, reviewer.removed_by(a.finding))))
        for a in outcome.applied
    ]
    final = outcome.final
    return FixRun(
        target=str(path),
        changes=changes,
        refused=list(outcome.refused),
        cleaned=[str(p) for p in outcome.cleaned],
        files=len(outcome.originals),
        passes=outcome.passes,
        backups=[str(o.backup) for o in outcome.originals.values() if o.backup is not None],
        remaining=None if final is None else Report(list(final.findings), list(final.notes), rules),
        written=written,
        diff=outcome.diff.decode("utf-8", "surrogateescape"),
    )


def register(app: typer.Typer) -> None:
    """Add the ``fix`` command."""
    app.command("fix")(fix)
