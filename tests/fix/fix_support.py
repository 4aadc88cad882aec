"""Helpers for the fix tests: run one pass, and say which lines a pass was allowed to change."""

from __future__ import annotations

import difflib
import hashlib
import os
from pathlib import Path

from fcgilint.fix import engine
from fcgilint.fix.diff import physical_lines
from fcgilint.load.apache_syntax import parse
from fcgilint.load.apache_tree import LoadOptions
from fcgilint.rules import Rule, load_rules
from fcgilint.source import SourceFile, decode

RULES = load_rules()


def fix(target: Path, root: Path | None = None, rules: tuple[Rule, ...] = RULES, **options: object) -> engine.Outcome:
    """Run the fix engine (all rules unless told)."""
    return engine.run(target, LoadOptions(root=root), rules, engine.Options(**options))  # type: ignore[arg-type]


def snapshot(base: Path) -> dict[str, tuple[str, int]]:
    """sha256 and mode of every file under base (symlinks by their own name)."""
    found: dict[str, tuple[str, int]] = {}
    for path in sorted(base.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found[str(path.relative_to(base))] = (hashlib.sha256(path.read_bytes()).hexdigest(), os.stat(path).st_mode)
    return found


def touched_lines(text: str, spans: list[tuple[int, int]]) -> set[int]:
    """1-based physical lines of every logical line an edit span touches."""
    parsed = parse(SourceFile(Path("x"), "x", text))
    lines: set[int] = set()
    for start, end in spans:
        for line in parsed.lines:
            if (
                line.start <= start < line.end
                or (start == end == line.end)
                or (line.start < end <= line.end)
                or (start <= line.start and line.end <= end)
            ):
                lines.update(range(line.lineno, line.last_lineno + 1))
    return lines


def changed_original_lines(before: bytes, after: bytes) -> set[int]:
    """1-based lines of ``before`` that do not survive unchanged in ``after``."""
    old, new = physical_lines(decode(before)), physical_lines(decode(after))
    changed: set[int] = set()
    for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            changed.update(range(i1 + 1, i2 + 1))
    return changed


def single_pass_changes_only_edited_lines(
    target: Path, files: list[Path], root: Path | None = None, unsafe: bool = False
) -> engine.Outcome:
    """Run one pass and assert that every changed line of every file held an edit."""
    before = {p: p.read_bytes() for p in files}
    outcome = fix(target, root=root, unsafe=unsafe, max_passes=1)
    for path in files:
        after = path.read_bytes()
        if after == before[path]:
            continue
        display = _display_of(outcome, path)
        spans = [(e.start, e.end) for a in outcome.applied for e in a.fix.edits if e.file == display]
        allowed = touched_lines(decode(before[path]), spans)
        assert changed_original_lines(before[path], after) <= allowed, (path, allowed)
    return outcome


def _display_of(outcome: engine.Outcome, path: Path) -> str:
    real = os.path.realpath(path)
    for applied in outcome.applied:
        for edit in applied.fix.edits:
            if edit.file == str(path) or os.path.realpath(edit.file) == real or edit.file.endswith(path.name):
                return edit.file
    raise AssertionError(f"{path} changed but no edit names it")
