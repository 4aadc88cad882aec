"""Baselines: adopt fcgilint on an existing tree and fail only on new findings.

A finding's fingerprint is its rule, its file, the whitespace-normalised text of
the offending line and its occurrence index among findings with that same
triple. The line *number* is left out on purpose: adding a directive above
must not make every old finding look new. The file is JSON with sorted keys so
it diffs cleanly in review.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from fcgilint import __version__
from fcgilint.findings import Finding
from fcgilint.source import SourceIndex

FORMAT = 1


class BaselineError(Exception):
    """An unreadable or malformed baseline file."""


def normalised(text: str) -> str:
    return " ".join(text.split())


def fingerprints(findings: list[Finding], sources: SourceIndex) -> list[tuple[str, Finding, str]]:
    """(fingerprint, finding, normalised line text) for each finding, in input order."""
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for finding in sorted(findings, key=Finding.sort_key):
        line = sources.line(finding.location.file, finding.location.line)
        text = normalised(line) if line is not None else normalised(finding.message)
        key = (finding.rule, finding.location.file, text)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        digest = hashlib.sha256("\0".join((*key, str(occurrence))).encode("utf-8", "surrogateescape")).hexdigest()[:20]
        out.append((digest, finding, text))
    return out


def write(path: Path, findings: list[Finding], sources: SourceIndex) -> int:
    """Record today's findings; returns how many."""
    entries = {
        fp: {"rule": f.rule, "file": f.location.file, "text": text} for fp, f, text in fingerprints(findings, sources)
    }
    payload = {"fcgilint_baseline": FORMAT, "version": __version__, "findings": dict(sorted(entries.items()))}
    try:
        path.write_text(
            json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n",
            encoding="utf-8",
            errors="surrogateescape",
        )
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return len(entries)


def read(path: Path) -> set[str]:
    """The fingerprints a baseline file records."""
    try:
        data = json.loads(path.read_text(encoding="utf-8", errors="surrogateescape"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}:{exc.lineno}:{exc.colno}: not a baseline file: {exc.msg}") from None
    if (
        not isinstance(data, dict)
        or data.get("fcgilint_baseline") != FORMAT
        or not isinstance(data.get("findings"), dict)
    ):
        raise BaselineError(f"{path}: not an fcgilint baseline file (written by --write-baseline)")
    return set(data["findings"])


def new_only(findings: list[Finding], sources: SourceIndex, known: set[str]) -> list[Finding]:
    """The findings whose fingerprint the baseline does not record."""
    fresh = {id(f) for fp, f, _ in fingerprints(findings, sources) if fp not in known}
    return [f for f in findings if id(f) in fresh]
