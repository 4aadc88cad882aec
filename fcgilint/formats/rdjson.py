"""reviewdog's Diagnostic Format (``reviewdog -f=rdjson``), fixes as suggestions on the pull request.

One ``DiagnosticResult`` with ``source`` and ``diagnostics``; each diagnostic has
``message``, ``location`` (path and 1-based line and column, the column counted in
UTF-8 bytes as reviewdog wants), ``severity`` (ERROR, WARNING, INFO), ``code``
(the rule id) and, when the finding has a fix whose edits all lie in its own
file, ``suggestions``: each edit as a range (end exclusive) and the text that
replaces it, which reviewdog offers as a suggested change. A fix that spans
several files is left out (reviewdog would apply half of it); the message says
so.
"""

from __future__ import annotations

import json
from typing import Any

from fcgilint.findings import Edit, Finding
from fcgilint.formats import clean
from fcgilint.report import Report
from fcgilint.source import SourceIndex

SEVERITY = {"error": "ERROR", "warning": "WARNING", "info": "INFO"}


def position(text: str, offset: int) -> dict[str, int]:
    """reviewdog's position of a character offset: 1-based line, 1-based column in UTF-8 bytes."""
    line_start = text.rfind("\n", 0, offset) + 1
    column = len(text[line_start:offset].encode("utf-8", "surrogateescape")) + 1
    return {"line": text.count("\n", 0, offset) + 1, "column": column}


def suggestion(edit: Edit, text: str) -> dict[str, Any]:
    return {
        "range": {"start": position(text, edit.start), "end": position(text, edit.end)},
        "text": clean(edit.replacement),
    }


def suggestions(finding: Finding, sources: SourceIndex) -> list[dict[str, Any]] | None:
    """The fix's edits as suggestions, or None when it has none or reaches other files."""
    fix = finding.fix
    text = sources.text(finding.location.file)
    if fix is None or not fix.edits or text is None or any(e.file != finding.location.file for e in fix.edits):
        return None
    return [suggestion(edit, text) for edit in sorted(fix.edits, key=lambda e: e.start)]


def diagnostic(finding: Finding, sources: SourceIndex, name: str) -> dict[str, Any]:
    message = f"{finding.rule}{name}: {finding.message}"
    found = suggestions(finding, sources)
    if finding.fix is not None:
        kind = "fix" if finding.fix.safe else "unsafe fix (changes behaviour)"
        where = "" if found is not None or not finding.fix.edits else "; it edits other files too: run fcgilint fix"
        message += f"\n\n{kind}: {finding.fix.description}{where}"
    start: dict[str, int] = {"line": max(finding.location.line, 1)}
    if finding.location.col > 1:
        start["column"] = finding.location.col
    out: dict[str, Any] = {
        "message": clean(message),
        "location": {"path": clean(finding.location.file), "range": {"start": start}},
        "severity": SEVERITY[finding.severity.value],
        "code": {"value": finding.rule},
    }
    if found:
        out["suggestions"] = found
    return out


def render(report: Report) -> str:
    rules = {r.id: r for r in report.rules}
    diagnostics = [
        diagnostic(f, report.sources, f" {rules[f.rule].name}" if f.rule in rules else "") for f in report.findings
    ]
    payload = {"source": {"name": "fcgilint"}, "diagnostics": diagnostics}
    return json.dumps(payload, indent=2) + "\n"
