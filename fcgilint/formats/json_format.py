"""The stable JSON shapes documented in README.md; other programs depend on them.

``check``: one object with ``version``, ``findings`` and ``notes``; each finding has ``rule``,
``severity``, ``file``, ``line``, ``message``, ``related``, ``provenance``, ``fix`` and
``evidence`` (:meth:`Finding.to_json`). ``fix``: ``version``, ``runs`` (per target what was
fixed, declined and what remains, the findings in the same shape) and ``notes``. ``trace``: the
document of docs/trace.md. ``rules``: ``rules``, one object per rule. ``rules --test``:
``version``, ``examples`` (one object per example run) and ``notes``. ``show``: ``version``,
``scopes`` (the main server, then each vhost, with its parts and their rows) and ``notes``.
"""

from __future__ import annotations

import json
from typing import Any

from fcgilint import __version__
from fcgilint.formats import clean
from fcgilint.report import Catalogue, Change, ExampleRuns, FixReport, FixRun, Overview, Report, TraceReport


def render(report: Report) -> str:
    payload = {"version": __version__, "findings": [f.to_json() for f in report.findings], "notes": list(report.notes)}
    return json.dumps(payload, indent=2) + "\n"


def _change(change: Change) -> dict[str, Any]:
    """A fix applied: the finding it answers (remedy in ``fix``), the places edited, the failures it removes."""
    return {
        **change.finding.to_json(),
        "edited": [{"file": loc.file, "line": loc.line} for loc in change.edited],
        "removes": list(change.removes),
    }


def _run(run: FixRun) -> dict[str, Any]:
    remaining = run.remaining
    return {
        "target": run.target,
        "written": run.written,
        "fixed": [_change(c) for c in run.changes],
        "not_fixed": list(run.refused),
        "removed_temporaries": list(run.cleaned),
        "files": run.files,
        "passes": run.passes,
        "backups": list(run.backups),
        "remaining": None if remaining is None else [f.to_json() for f in remaining.findings],
        "remaining_notes": [] if remaining is None else list(remaining.notes),
        "diff": clean(run.diff),
    }


def render_fix(report: FixReport) -> str:
    payload = {"version": __version__, "runs": [_run(r) for r in report.runs], "notes": list(report.notes)}
    return json.dumps(payload, indent=2) + "\n"


def render_rules(catalogue: Catalogue) -> str:
    items = [
        {"id": r.id, "name": r.name, "title": r.title, "severity": r.severity.value, "check": e.checked,
         "origin": e.origin, "rationale": r.rationale, "reference": r.reference, "remedy": r.remedy, "fix": r.fix}
        for e in catalogue.entries
        for r in (e.rule,)
    ]
    return json.dumps({"rules": items}, indent=2, default=str) + "\n"


def render_examples(report: ExampleRuns) -> str:
    items = [
        {"rule": r.rule, "file": r.source, "side": r.side, "index": r.index, "passed": r.passed,
         "fired": list(r.fired), "problem": r.problem}
        for r in report.runs
    ]
    return json.dumps({"version": __version__, "examples": items, "notes": list(report.notes)}, indent=2) + "\n"


def render_trace(report: TraceReport) -> str:
    return json.dumps(report.evidence.to_json(), indent=2) + "\n"


def render_show(report: Overview) -> str:
    payload = {"version": __version__, "scopes": [v.to_json() for v in report.scopes], "notes": list(report.notes)}
    return json.dumps(payload, indent=2) + "\n"
