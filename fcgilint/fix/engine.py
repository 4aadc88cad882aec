"""The fix loop: check, apply compatible fixes, write, re-load, re-check, repeat.

Each pass works on freshly loaded files, so every edit's offsets are those of
the text it is applied to. The loop stops when no fix is left, when a pass
changes nothing, or after :data:`MAX_PASSES` (a remedy that undoes another
cannot loop forever). The first content of every written file is kept in
memory: if a write fails half-way through a pass, or ``--verify`` fails at the
end, every file is put back exactly as it was.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fcgilint.findings import Edit, Finding, Fix
from fcgilint.fix import edits as edit_ops
from fcgilint.fix.diff import unified
from fcgilint.checks.remedies import sources_of
from fcgilint.fix.writer import WriteError, target_of, write_atomic
from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import Result, analyse
from fcgilint.rules import Rule
from fcgilint.source import Location, SourceFile

MAX_PASSES = 5
VERIFY_TIMEOUT = 120  # seconds; apachectl -t takes well under one

#: Turns a raw pipeline result into the one the user sees (overrides, ignores, suppressions, evidence).
Review = Callable[[Result], Result]


class FixError(Exception):
    """The run was stopped and every file is as it was before; the message says why.

    ``output`` is what the ``--verify`` command printed, shown to the user as is.
    """

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


@dataclass(frozen=True)
class Applied:
    """One fix that was written: the finding it answers and where the text changed."""

    finding: Finding
    fix: Fix
    edited: tuple[Location, ...]
    pass_number: int


@dataclass
class Original:
    """A file's content and metadata before this run touched it."""

    path: Path
    data: bytes
    stat: os.stat_result
    backup: Path | None = None
    backup_before: bytes | None = None


@dataclass
class Options:
    """How a fix run behaves (the command-line switches)."""

    unsafe: bool = False
    write: bool = True
    backup_suffix: str | None = None
    verify: str | None = None
    max_passes: int = MAX_PASSES


@dataclass
class Outcome:
    """What a fix run did and what is left."""

    applied: list[Applied] = field(default_factory=list)
    initial: Result | None = None
    final: Result | None = None
    refused: list[str] = field(default_factory=list)
    diff: bytes = b""
    passes: int = 0
    originals: dict[Path, Original] = field(default_factory=dict)
    verify_output: str = ""

    @property
    def remaining(self) -> list[Finding]:
        return self.final.findings if self.final is not None else []


def candidates(result: Result, unsafe: bool) -> list[tuple[Finding, Fix]]:
    """Findings with a fix the run may apply, in report order."""
    return [(f, f.fix) for f in result.findings if f.fix is not None and f.fix.edits and (f.fix.safe or unsafe)]


def allowed_roots(result: Result, options: LoadOptions) -> list[str]:
    """Where a symlinked file may point: --root, else the config tree (entry directory, ServerRoot)."""
    if options.root is not None:
        return [str(options.root)]
    roots = [str(result.target.parent)]
    tree = result.model.tree
    if tree is not None:
        roots.append(tree.paths.to_host(tree.server_root))
    return roots


def _unchanged(result: Result) -> Result:
    return result


def run(target: Path, load: LoadOptions, rules: tuple[Rule, ...], options: Options, review: Review = _unchanged) -> Outcome:
    """Fix ``target`` until clean or stuck; raises FixError after restoring every file.

    Every pass fixes only what ``review`` leaves of the findings, so a finding the
    user suppressed or ignored is never fixed, and the remaining findings are
    the ones ``check`` would report.
    """
    outcome = Outcome()
    result = outcome.initial = review(analyse(target, load, rules))
    for number in range(1, options.max_passes + 1):
        changed = _one_pass(result, load, options, outcome, number)
        if not changed or not options.write:
            break
        outcome.passes = number
        result = review(analyse(target, load, rules))
    outcome.final = result
    if options.write and options.verify and outcome.originals:
        _verify(options.verify, outcome)
    return outcome


def _one_pass(result: Result, load: LoadOptions, options: Options, outcome: Outcome, number: int) -> bool:
    """Apply one round of compatible fixes; True if any file changed."""
    sources = sources_of(result.model)
    roots = allowed_roots(result, load)
    usable, refused = _writable(candidates(result, options.unsafe), sources, roots, options.write)
    for reason in refused:
        if reason not in outcome.refused:
            outcome.refused.append(reason)
    taken, _ = edit_ops.select(usable)
    grouped = edit_ops.by_file(edit_ops.unique_edits(fix for _, fix in taken))
    new_texts = {d: edit_ops.apply_edits(sources[d].text, e) for d, e in grouped.items()}
    changed = {d: t for d, t in new_texts.items() if t != sources[d].text}
    if not changed:
        return False
    if not options.write:
        outcome.diff = b"".join(unified(d, sources[d].text, changed[d]) for d in sorted(changed))
        outcome.applied.extend(_applied(taken, sources, number))
        return True
    _write_all(changed, sources, options, outcome, roots)
    outcome.applied.extend(_applied(taken, sources, number))
    return True


def _writable(fixes: list[tuple[Finding, Fix]], sources: dict[str, SourceFile], roots: list[str], writing: bool) -> tuple[list[tuple[Finding, Fix]], list[str]]:
    """Drop fixes that touch a file we must not or cannot write, saying why once per file."""
    verdict: dict[str, str | None] = {}
    for _, fix in fixes:
        for edit in fix.edits:
            if edit.file not in verdict:
                source = sources.get(edit.file)
                verdict[edit.file] = f"{edit.file}: not a loaded file; not edited" if source is None else target_of(source.path, roots, writing)[1]
    usable = [(f, fix) for f, fix in fixes if all(verdict[e.file] is None for e in fix.edits)]
    return usable, [r for r in verdict.values() if r is not None]


def _applied(taken: list[tuple[Finding, Fix]], sources: dict[str, SourceFile], number: int) -> list[Applied]:
    return [Applied(f, fix, tuple(_edit_location(e, sources) for e in fix.edits), number) for f, fix in taken]


def _edit_location(edit: Edit, sources: dict[str, SourceFile]) -> Location:
    return Location(edit.file, sources[edit.file].line_of(edit.start))


def _write_all(changed: dict[str, str], sources: dict[str, SourceFile], options: Options, outcome: Outcome, roots: list[str]) -> None:
    """Write every changed file of a pass, or none: a failure restores what was written."""
    plan: list[tuple[Path, bytes]] = []
    for display in sorted(changed):
        real, reason = target_of(sources[display].path, roots)
        if real is None:
            raise _abort(outcome, reason or display)
        if any(real == p for p, _ in plan):
            raise _abort(outcome, f"{display}: reached under two names ({real}); not edited")
        plan.append((real, changed[display].encode("utf-8", "surrogateescape")))
    try:
        for real, data in plan:
            original = _remember(real, outcome)
            if options.backup_suffix and original.backup is None:
                _backup(original, options.backup_suffix)
            write_atomic(real, data, original.stat)
    except (WriteError, OSError) as exc:
        raise _abort(outcome, str(exc)) from None
    except KeyboardInterrupt:
        restore(outcome)  # interrupted between two files: put the first back too
        raise


def _remember(real: Path, outcome: Outcome) -> Original:
    """Keep the first content of a file this run writes."""
    if real not in outcome.originals:
        outcome.originals[real] = Original(real, real.read_bytes(), os.stat(real))
    return outcome.originals[real]


def _backup(original: Original, suffix: str) -> None:
    """``FILE.bak``: the content before this run, with the original's mode and owner."""
    backup = original.path.with_name(original.path.name + suffix)
    original.backup_before = backup.read_bytes() if backup.is_file() else None
    original.backup = backup
    if backup.exists() and not backup.is_file():
        raise WriteError(f"{backup}: exists and is not a regular file; no backup written")
    write_atomic(backup, original.data, original.stat)


def restore(outcome: Outcome) -> list[str]:
    """Put every written file (and backup) back as it was; return what could not be restored."""
    failures: list[str] = []
    for original in outcome.originals.values():
        try:
            if original.path.read_bytes() != original.data or os.stat(original.path).st_mode != original.stat.st_mode:
                write_atomic(original.path, original.data, original.stat)
            if original.backup is not None:
                if original.backup_before is None:
                    original.backup.unlink(missing_ok=True)
                else:
                    write_atomic(original.backup, original.backup_before, original.stat)
        except (WriteError, OSError) as exc:
            failures.append(f"{original.path}: {exc}")
    return failures


def _abort(outcome: Outcome, reason: str, output: str = "") -> FixError:
    """Restore every file, then describe the stop (and any file that could not be restored)."""
    failures = restore(outcome)
    if failures:
        return FixError(reason + "".join(f"\ncould not restore {f}" for f in failures), output)
    restored = "; every file this run wrote was restored" if outcome.originals else "; nothing was written"
    return FixError(reason + restored, output)


def _verify(command: str, outcome: Outcome) -> None:
    """Run the user's check of the written config; on failure restore every file."""
    try:
        done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=VERIFY_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise _abort(outcome, f"--verify {command!r} did not finish within {VERIFY_TIMEOUT}s") from None
    outcome.verify_output = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        raise _abort(outcome, f"--verify {command!r} failed with exit code {done.returncode}", outcome.verify_output)
