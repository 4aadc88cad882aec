"""SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab, IDE viewers).

Rule metadata comes from the rule YAML files, so the dashboard shows the same
title, rationale and remedy as ``fcgilint explain``. A finding with a
mechanical fix carries it as SARIF ``fixes`` (character offsets, counted in
code points, hence ``columnKind: unicodeCodePoints``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fcgilint import __version__
from fcgilint.findings import Finding, Fix
from fcgilint.formats import Report, clean
from fcgilint.rules import Rule
from fcgilint.source import Location

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def artifact(file: str) -> dict[str, Any]:
    """Relative paths stay relative to the checkout (``%SRCROOT%``); absolute ones become file URIs."""
    path = file.replace("\\", "/")
    if path.startswith("/"):
        return {"uri": "file://" + quote(path)}
    return {"uri": quote(path), "uriBaseId": "%SRCROOT%"}


def physical(location: Location) -> dict[str, Any]:
    return {"artifactLocation": artifact(location.file), "region": {"startLine": max(location.line, 1), "startColumn": max(location.col, 1)}}


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": clean(rule.title)},
        "fullDescription": {"text": clean(rule.rationale)},
        "help": {"text": clean(f"{rule.remedy}\n\nReference: {rule.reference}")},
        "defaultConfiguration": {"level": LEVEL[rule.severity.value]},
    }


def fixes(fix: Fix) -> list[dict[str, Any]]:
    if not fix.edits:
        return []
    by_file: dict[str, list[dict[str, Any]]] = {}
    for edit in fix.edits:
        by_file.setdefault(edit.file, []).append(
            {"deletedRegion": {"charOffset": edit.start, "charLength": edit.end - edit.start}, "insertedContent": {"text": clean(edit.replacement)}}
        )
    changes = [{"artifactLocation": artifact(f), "replacements": r} for f, r in by_file.items()]
    return [{"description": {"text": clean(fix.description)}, "artifactChanges": changes}]


def result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": LEVEL[finding.severity.value],
        "message": {"text": clean(finding.message)},
        "locations": [{"physicalLocation": physical(finding.location)}],
    }
    if finding.rule in index:
        out["ruleIndex"] = index[finding.rule]
    if finding.related:
        out["relatedLocations"] = [
            {"id": i, "physicalLocation": physical(r.location), "message": {"text": clean(r.note)}} for i, r in enumerate(finding.related)
        ]
    if finding.chain:
        out["properties"] = {"provenance": [clean(step) for step in finding.chain]}
    if finding.fix is not None and fixes(finding.fix):
        out["fixes"] = fixes(finding.fix)
    return out


def render(report: Report) -> str:
    rules = list(report.rules)
    index = {r.id: i for i, r in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "fcgilint", "version": __version__, "rules": [rule_descriptor(r) for r in rules]}},
        "columnKind": "unicodeCodePoints",
        "results": [result(f, index) for f in report.findings],
    }
    if report.notes:
        run["invocations"] = [
            {"executionSuccessful": True, "toolExecutionNotifications": [{"level": "note", "message": {"text": clean(n)}} for n in report.notes]}
        ]
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"
