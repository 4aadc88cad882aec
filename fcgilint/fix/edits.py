"""Choose edits that do not overlap and apply them to text.

Like ruff, a pass applies every fix whose edits are compatible with the fixes
already taken, in finding order; the rest wait for the next pass, after the
files are re-loaded and re-checked, because their offsets may no longer mean
what they did. A fix is all or nothing: either every edit of it is taken or none.
"""

from __future__ import annotations

from collections.abc import Iterable

from fcgilint.findings import Edit, Finding, Fix


def conflicts(a: Edit, b: Edit) -> bool:
    """True if applying both would be ambiguous (overlapping spans, or an insert inside a replaced span)."""
    if a.file != b.file or a == b:
        return False
    if a.start < b.end and b.start < a.end:
        return True
    return _inside(a, b) or _inside(b, a)


def _inside(insert: Edit, other: Edit) -> bool:
    return insert.start == insert.end and other.start < insert.start < other.end


def select(candidates: Iterable[tuple[Finding, Fix]]) -> tuple[list[tuple[Finding, Fix]], list[tuple[Finding, Fix]]]:
    """Split fixes into those applied this pass and those deferred (they overlap a taken one)."""
    taken: list[tuple[Finding, Fix]] = []
    deferred: list[tuple[Finding, Fix]] = []
    edits: list[Edit] = []
    for finding, fix in candidates:
        if fix.edits and not any(conflicts(e, t) for e in fix.edits for t in edits):
            taken.append((finding, fix))
            edits.extend(e for e in fix.edits if e not in edits)
        else:
            deferred.append((finding, fix))
    return taken, deferred


def unique_edits(fixes: Iterable[Fix]) -> list[Edit]:
    """Every edit once: several findings (one per class) may carry the same remedy."""
    seen: list[Edit] = []
    for fix in fixes:
        seen.extend(e for e in fix.edits if e not in seen)
    return seen


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits of one file; inserts at one offset keep their order."""
    ordered = sorted(enumerate(edits), key=lambda pair: (pair[1].start, pair[1].end, pair[0]), reverse=True)
    for _, edit in ordered:
        text = text[: edit.start] + edit.replacement + text[edit.end :]
    return text


def by_file(edits: Iterable[Edit]) -> dict[str, list[Edit]]:
    """Group edits by display path, keeping their order."""
    grouped: dict[str, list[Edit]] = {}
    for edit in edits:
        grouped.setdefault(edit.file, []).append(edit)
    return grouped
