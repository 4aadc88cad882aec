"""Stage 5a: render findings for people (text) and programs (JSON).

The JSON shape is stable and documented in README.md: one object with a
``findings`` list; each finding has ``rule``, ``severity``, ``file``, ``line``,
``message``, ``related`` (other locations), ``provenance``, ``fix`` and
``evidence``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from fcgilint import __version__
from fcgilint.findings import Finding
from fcgilint.rules import rule_by_id


def render_text(findings: Iterable[Finding], notes: Iterable[str] = (), verbose: bool = True) -> str:
    """file:line: severity RULE name: message, then related places and the provenance chain."""
    out: list[str] = []
    items = list(findings)
    for f in items:
        rule = rule_by_id(f.rule)
        name = f" {rule.name}" if rule else ""
        out.append(f"{f.location}: {f.severity.value} {f.rule}{name}: {f.message}")
        for related in f.related:
            out.append(f"    related: {related.location}: {related.note}")
        if verbose and f.chain:
            out.append("    provenance:")
            out.extend(f"      {step}" for step in f.chain)
        for line in f.evidence:
            out.append(f"    evidence: {line}")
        if f.fix is not None:
            out.append(f"    fix{'' if f.fix.safe else ' (unsafe)'}: {f.fix.description}")
    for note in notes:
        out.append(f"note: {note}")
    out.append(summary(items))
    return "\n".join(out) + "\n"


def summary(findings: list[Finding]) -> str:
    """One closing line with counts per severity."""
    if not findings:
        return "No findings."
    counts = Counter(f.severity.value for f in findings)
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info") if counts[s]]
    return f"{len(findings)} finding{'s' if len(findings) != 1 else ''} ({', '.join(parts)})."


def render_json(findings: Iterable[Finding], notes: Iterable[str] = ()) -> str:
    """The documented JSON object."""
    payload = {"version": __version__, "findings": [f.to_json() for f in findings], "notes": list(notes)}
    return json.dumps(payload, indent=2) + "\n"
