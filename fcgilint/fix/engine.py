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
import stat
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fcgilint import exitcodes
from fcgilint.findings import Edit, Finding, Fix
from fcgilint.fix import edits as edit_ops
from fcgilint.fix.diff import unified
from fcgilint.checks.remedies import sources_of
from fcgilint.fix import interrupts
from fcgilint.fix.writer import (
    Tree,
    WriteError,
    backup,
    read_exact,
    remove_own,
    remove_stale_temps,
    replace,
    sync_directory,
    target_of,
)
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

    def __init__(self, message: str, output: str = "", exit_code: int = exitcodes.ERROR) -> None:
        super().__init__(message)
        self.output = output
        self.exit_code = exit_code


@dataclass(frozen=True)
class Applied:
    """One fix that was written: the finding it answers and where the text changed."""

    finding: Finding
    fix: Fix
    edited: tuple[Location, ...]
    pass_number: int
    # Where the finding's line is in the text the pass wrote (lines above it may have been added or removed).
    moved: Location


@dataclass
class Original:
    """A file's content and metadata before this run touched it."""

    path: Path
    data: bytes
    stat: os.stat_result
    backup: Path | None = None
    backup_inode: int | None = None
    ours: list[bytes] = field(default_factory=list)  # every content this run put in the file


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
    cleaned: list[Path] = field(default_factory=list)  # temporary files of killed runs, removed

    @property
    def remaining(self) -> list[Finding]:
        return self.final.findings if self.final is not None else []


def candidates(result: Result, unsafe: bool) -> list[tuple[Finding, Fix]]:
    """Findings with a fix the run may apply, in report order."""
    return [(f, f.fix) for f in result.findings if f.fix is not None and f.fix.edits and (f.fix.safe or unsafe)]


def tree_of(result: Result, options: LoadOptions) -> Tree:
    """The tree a run may write in: ``--root``; else the entry's directory, plus ServerRoot when that is the
    entry's directory or the one above it (``conf/httpd.conf``), never ``/``."""
    if options.root is not None:
        return Tree.of([str(options.root)])
    entry_dir = os.path.realpath(result.target.parent)
    roots = [entry_dir]
    tree = result.model.tree
    if tree is not None:
        server_root = os.path.realpath(tree.paths.to_host(tree.server_root))
        if server_root != "/" and server_root in (entry_dir, os.path.dirname(entry_dir)):
            roots.append(server_root)
    return Tree.of(roots)


def _unchanged(result: Result) -> Result:
    return result


def run(target: Path, load: LoadOptions, rules: tuple[Rule, ...], options: Options,
        review: Review = _unchanged) -> Outcome:
    """Fix ``target`` until clean or stuck; raises FixError after restoring every file.

    Every pass fixes only what ``review`` leaves of the findings, so a finding the
    user suppressed or ignored is never fixed, and the remaining findings are
    the ones ``check`` would report. While files are written, SIGINT and SIGTERM
    roll every file back (exit 130/143) instead of stopping half-way.
    """
    outcome = Outcome()
    if not options.write:
        return _loop(target, load, rules, options, review, outcome)
    with interrupts.guarded():
        try:
            _loop(target, load, rules, options, review, outcome)
            if options.verify and outcome.originals:
                _verify(options.verify, outcome)
        except interrupts.Interrupted as exc:
            raise _abort(outcome, f"{exc} before the run ended", exit_code=exc.exit_code) from None
    return outcome


def _loop(target: Path, load: LoadOptions, rules: tuple[Rule, ...], options: Options, review: Review,
          outcome: Outcome) -> Outcome:
    result = outcome.initial = review(analyse(target, load, rules))
    tree = tree_of(result, load)
    for number in range(1, options.max_passes + 1):
        changed = _one_pass(result, tree, options, outcome, number)
        if not changed or not options.write:
            break
        outcome.passes = number
        result = review(analyse(target, load, rules))
        stuck = _not_removed([a for a in outcome.applied if a.pass_number == number], result)
        if stuck is not None:
            where = f"{stuck.finding.rule} at {stuck.finding.location}"
            raise _abort(outcome, f"the fix of {where} ({stuck.fix.description}) did not remove its finding: the "
                         "re-check reports it unchanged, so fixing again would only repeat the edit at "
                         f"{', '.join(map(str, stuck.edited))}; stopped (--ignore {stuck.finding.rule} or a "
                         "suppression lets the other fixes through)")
    outcome.final = result
    return outcome


def _not_removed(applied: list[Applied], result: Result) -> Applied | None:
    """A fix of the last pass whose finding the re-check reports again, with the same message, on the same line.

    The line matters: a fix can bring to life an identical finding elsewhere (renaming a legacy directive
    makes an ``<IfModule mod_fcgid>`` below it match, and the same legacy name inside it is now read), which
    is progress, not a fix that failed.
    """
    again = {(f.rule, f.message, f.location.file, f.location.line) for f in result.findings}
    return next((a for a in applied
                 if (a.finding.rule, a.finding.message, a.moved.file, a.moved.line) in again), None)


def _one_pass(result: Result, tree: Tree, options: Options, outcome: Outcome, number: int) -> bool:
    """Apply one round of compatible fixes; True if any file changed."""
    sources = sources_of(result.model)
    usable, refused = _writable(candidates(result, options.unsafe), sources, tree, options.write)
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
        outcome.applied.extend(_applied(taken, sources, grouped, number))
        return True
    _write_all(changed, sources, options, outcome, tree)
    outcome.applied.extend(_applied(taken, sources, grouped, number))
    return True


def _writable(fixes: list[tuple[Finding, Fix]], sources: dict[str, SourceFile], tree: Tree,
              writing: bool) -> tuple[list[tuple[Finding, Fix]], list[str]]:
    """Drop fixes that touch a file we must not or cannot write, saying why once per file."""
    verdict: dict[str, str | None] = {}
    for _, fix in fixes:
        for edit in fix.edits:
            if edit.file not in verdict:
                source = sources.get(edit.file)
                unloaded = f"{edit.file}: not a loaded file; not edited"
                verdict[edit.file] = unloaded if source is None else target_of(source.path, tree, writing)[1]
    usable = [(f, fix) for f, fix in fixes if all(verdict[e.file] is None for e in fix.edits)]
    return usable, [r for r in verdict.values() if r is not None]


def _applied(taken: list[tuple[Finding, Fix]], sources: dict[str, SourceFile], grouped: dict[str, list[Edit]],
             number: int) -> list[Applied]:
    return [Applied(f, fix, tuple(_edit_location(e, sources) for e in fix.edits), number,
                    _moved(f.location, sources, grouped)) for f, fix in taken]


def _moved(location: Location, sources: dict[str, SourceFile], grouped: dict[str, list[Edit]]) -> Location:
    """``location`` after the pass's edits: shifted by the lines they added or removed before its line."""
    source = sources.get(location.file)
    if source is None or location.file not in grouped:
        return location
    text = source.text
    start = 0
    for _ in range(location.line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return location
    shift = sum(e.replacement.count("\n") - text.count("\n", e.start, e.end)
                for e in grouped[location.file] if e.end <= start)
    return Location(location.file, location.line + shift, location.col)


def _edit_location(edit: Edit, sources: dict[str, SourceFile]) -> Location:
    return Location(edit.file, sources[edit.file].line_of(edit.start))


def _write_all(changed: dict[str, str], sources: dict[str, SourceFile], options: Options, outcome: Outcome,
               tree: Tree) -> None:
    """Write every changed file of a pass, or none: a failure restores what was written."""
    plan: list[tuple[Path, bytes, bytes]] = []
    for display in sorted(changed):
        real, reason = target_of(sources[display].path, tree)
        if real is None:
            raise _abort(outcome, reason or display)
        if any(real == p for p, _, _ in plan):
            raise _abort(outcome, f"{display}: reached under two names ({real}); not edited")
        plan.append((real, sources[display].raw, changed[display].encode("utf-8", "surrogateescape")))
    try:
        for directory in dict.fromkeys(real.parent for real, _, _ in plan):
            outcome.cleaned.extend(remove_stale_temps(directory))
        for real, expected, data in plan:
            original = _remember(real, expected, outcome)
            if options.backup_suffix and original.backup is None:
                original.backup, original.backup_inode = backup(real, original.data, original.stat,
                                                                options.backup_suffix, tree)
            original.ours.append(data)
            replace(real, expected, data, original.stat, tree, sync=False)
        for directory in dict.fromkeys(real.parent for real, _, _ in plan):
            sync_directory(directory)
    except (WriteError, OSError) as exc:
        raise _abort(outcome, str(exc)) from None


def _remember(real: Path, expected: bytes, outcome: Outcome) -> Original:
    """Keep the first content of a file this run writes: the bytes the analysis read."""
    if real not in outcome.originals:
        outcome.originals[real] = Original(real, expected, os.stat(real))
    return outcome.originals[real]


def restore(outcome: Outcome, tree: Tree | None = None) -> list[str]:
    """Put every written file back as it was and remove the backups this run made.

    Returns one line per file that could not be restored, saying which bytes it kept.
    A file someone else changed after this run wrote it is left with their bytes.
    """
    failures: list[str] = []
    with interrupts.held():
        for original in reversed(outcome.originals.values()):
            failure = _restore_one(original, tree or Tree.of([str(original.path.parent)]))
            if failure:
                failures.append(failure)
    return failures


def _restore_one(original: Original, tree: Tree) -> str | None:
    path = original.path
    try:
        current = read_exact(path)
        if current != original.data:
            if current not in original.ours:
                return f"{path}: changed by another writer after fcgilint wrote it; it keeps those bytes"
            replace(path, current, original.data, original.stat, tree)
        elif stat.S_IMODE(os.stat(path).st_mode) != stat.S_IMODE(original.stat.st_mode):
            os.chmod(path, stat.S_IMODE(original.stat.st_mode))
    except (WriteError, OSError) as exc:
        kept = "the fixed text" if original.ours else "its original text"
        saved = f"; the original is in {original.backup}" if original.backup is not None else ""
        return f"{path}: not restored ({_reason(exc)}); it keeps {kept}{saved}"
    if original.backup is not None and original.backup_inode is not None:
        remove_own(original.backup, original.backup_inode)
    return None


def _reason(exc: Exception) -> str:
    return exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc)


def _abort(outcome: Outcome, reason: str, output: str = "", exit_code: int = exitcodes.ERROR) -> FixError:
    """Restore every file, then describe the stop (and any file that could not be restored)."""
    failures = restore(outcome)
    if failures:
        return FixError(reason + "".join(f"\ncould not restore {f}" for f in failures), output, exit_code)
    restored = "; every file this run wrote was restored" if outcome.originals else "; nothing was written"
    return FixError(reason + restored, output, exit_code)


def verify_before(command: str) -> None:
    """Run the ``--verify`` command once before anything is written.

    A command that already fails (httpd refusing the tree as it is, or
    ``apache2 -t -f`` without Debian's envvars) would otherwise look like a
    failure the fixes caused, and every fix would be rolled back for nothing.
    """
    try:
        with interrupts.guarded():  # Ctrl-C or SIGTERM here: nothing to roll back, say so
            done = subprocess.run(
                command, shell=True, capture_output=True, text=True, timeout=VERIFY_TIMEOUT, check=False
            )
    except subprocess.TimeoutExpired:
        raise FixError(
            f"--verify {command!r} did not finish within {VERIFY_TIMEOUT}s before any change; nothing was written"
        ) from None
    except interrupts.Interrupted as exc:
        raise FixError(
            f"{exc} while --verify ran before any change; nothing was written", exit_code=exc.exit_code
        ) from None
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        hint = "; Debian's envvars was not read: use 'apache2ctl -t'" if "Config variable ${APACHE_" in output else ""
        message = (f"--verify {command!r} already fails before any change (exit code {done.returncode}){hint}; nothing "
                   "was written")
        raise FixError(message, output)


def _verify(command: str, outcome: Outcome) -> None:
    """Run the user's check of the written config; on failure restore every file."""
    try:
        done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=VERIFY_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise _abort(outcome, f"--verify {command!r} did not finish within {VERIFY_TIMEOUT}s") from None
    outcome.verify_output = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        raise _abort(outcome, f"--verify {command!r} failed with exit code {done.returncode}", outcome.verify_output)
