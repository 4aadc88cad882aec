"""SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab, IDE viewers).

Rule metadata comes from the rule YAML files, so the dashboard shows the same
title, rationale and remedy as ``fcgilint explain``. A finding with a
mechanical fix carries it as SARIF ``fixes`` (character offsets, counted in
code points, hence ``columnKind: unicodeCodePoints``). Evidence from
``--evidence`` is in ``properties.evidence`` (the same lines as the text
format), and each sample line of it is a ``relatedLocations`` entry pointing
into the strace capture or log it came from.

``fix`` reports the findings that remain as ``check`` does; each fix it applied is a
result of ``kind: pass`` (level ``none``) at the finding's place, with what it edited in
``properties.fixed``; a fix it declined is a warning notification of the invocation.

``trace`` reports each detection as a warning whose rule is its kind (described from
:data:`fcgilint.evidence.kinds.KINDS`), located at its first sample line, the other samples
as related places, and the config rule it confirms in ``properties.confirms``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fcgilint import __version__
from fcgilint.findings import Finding, Fix
from fcgilint.formats import clean
from fcgilint.report import Change, FixReport, Report, TraceReport
from fcgilint.rules import Rule
from fcgilint.source import Location

if TYPE_CHECKING:
    from fcgilint.evidence import Detection

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def artifact(file: str) -> dict[str, Any]:
    """Relative paths stay relative to the checkout (``%SRCROOT%``); absolute ones become file URIs."""
    path = file.replace("\\", "/")
    if path.startswith("/"):
        return {"uri": "file://" + quote(path)}
    return {"uri": quote(path), "uriBaseId": "%SRCROOT%"}


def physical(location: Location) -> dict[str, Any]:
    return {
        "artifactLocation": artifact(location.file),
        "region": {"startLine": max(location.line, 1), "startColumn": max(location.col, 1)},
    }


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
            {
                "deletedRegion": {"charOffset": edit.start, "charLength": edit.end - edit.start},
                "insertedContent": {"text": clean(edit.replacement)},
            }
        )
    changes = [{"artifactLocation": artifact(f), "replacements": r} for f, r in by_file.items()]
    return [{"description": {"text": clean(fix.description)}, "artifactChanges": changes}]


def evidence_locations(detections: list[Detection], first_id: int) -> list[dict[str, Any]]:
    """The sample lines of the evidence as places, numbered after the finding's own related places."""
    samples = [(d, s) for d in detections for s in d.samples[:3]]
    return [
        {
            "id": first_id + i,
            "physicalLocation": physical(Location(source, line)),
            "message": {"text": clean(f"evidence ({d.kind}): {text[:200]}")},
        }
        for i, (d, (source, line, text)) in enumerate(samples)
    ]


def result(finding: Finding, index: dict[str, int], detections: list[Detection]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": LEVEL[finding.severity.value],
        "message": {"text": clean(finding.message)},
        "locations": [{"physicalLocation": physical(finding.location)}],
    }
    if finding.rule in index:
        out["ruleIndex"] = index[finding.rule]
    related = [
        {"id": i, "physicalLocation": physical(r.location), "message": {"text": clean(r.note)}}
        for i, r in enumerate(finding.related)
    ]
    related += evidence_locations(detections, len(related))
    if related:
        out["relatedLocations"] = related
    properties: dict[str, Any] = {}
    if finding.chain:
        properties["provenance"] = [clean(step) for step in finding.chain]
    if finding.evidence:
        properties["evidence"] = [clean(line) for line in finding.evidence]
    if properties:
        out["properties"] = properties
    if finding.fix is not None and fixes(finding.fix):
        out["fixes"] = fixes(finding.fix)
    return out


def _driver(rules: list[Rule]) -> dict[str, Any]:
    return {"driver": {"name": "fcgilint", "version": __version__, "rules": [rule_descriptor(r) for r in rules]}}


def _invocation(notes: list[str], warnings: list[str]) -> list[dict[str, Any]]:
    """The notes (and warnings) of the run as notifications; none when there is nothing to say."""
    told = [("warning", w) for w in warnings] + [("note", n) for n in notes]
    if not told:
        return []
    notifications = [{"level": level, "message": {"text": clean(text)}} for level, text in told]
    return [{"executionSuccessful": True, "toolExecutionNotifications": notifications}]


def _document(run: dict[str, Any]) -> str:
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def render(report: Report) -> str:
    rules = list(report.rules)
    index = {r.id: i for i, r in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": _driver(rules),
        "columnKind": "unicodeCodePoints",
        "results": [result(f, index, report.detections_of(f)) for f in report.findings],
    }
    invocations = _invocation(list(report.notes), [])
    if invocations:
        run["invocations"] = invocations
    return _document(run)


def fixed(change: Change, index: dict[str, int]) -> dict[str, Any]:
    """A fix the run applied: a passing result where the finding was, with what changed."""
    out: dict[str, Any] = {
        "ruleId": change.finding.rule,
        "kind": "pass",
        "level": "none",
        "message": {"text": clean(f"fixed: {change.fix.description}")},
        "locations": [{"physicalLocation": physical(change.finding.location)}],
        "properties": {
            "fixed": {
                "finding": clean(change.finding.message),
                "edited": [{"file": loc.file, "line": loc.line} for loc in change.edited],
                "removes": [clean(line) for line in change.removes],
            }
        },
    }
    if change.finding.rule in index:
        out["ruleIndex"] = index[change.finding.rule]
    return out


def render_fix(report: FixReport) -> str:
    rules = list(report.rules)
    index = {r.id: i for i, r in enumerate(rules)}
    results = [fixed(c, index) for run in report.runs for c in run.changes]
    for run in report.runs:
        if run.remaining is not None:
            results += [result(f, index, run.remaining.detections_of(f)) for f in run.remaining.findings]
    out: dict[str, Any] = {"tool": _driver(rules), "columnKind": "unicodeCodePoints", "results": results}
    refused = [f"not fixed: {reason}" for run in report.runs for reason in run.refused]
    left = [n for run in report.runs if run.remaining is not None for n in run.remaining.notes]
    invocations = _invocation([*left, *report.notes], refused)
    if invocations:
        out["invocations"] = invocations
    return _document(out)


def kind_descriptor(name: str) -> dict[str, Any]:
    """A detection kind as a SARIF rule: its meaning from the table of kinds (a family for ``http-503``)."""
    from fcgilint.evidence.kinds import KINDS

    kind = next((k for k in KINDS if k.name == name), None) or next(
        (k for k in KINDS if "<" in k.name and name.startswith(k.name.split("<", 1)[0])), None
    )
    meaning = kind.meaning if kind is not None else name
    confirms = f" It confirms {kind.rule}: `fcgilint explain {kind.rule}`." if kind and kind.rule else ""
    return {
        "id": name,
        "shortDescription": {"text": clean(f"{name}: a FastCGI failure fcgilint trace found")},
        "fullDescription": {"text": clean(meaning)},
        "help": {"text": clean(f"See the kinds of docs/trace.md.{confirms}")},
        "defaultConfiguration": {"level": "warning"},
    }


def detection(found: Detection, index: int) -> dict[str, Any]:
    """One detection: where its first sample is, the other samples as related places."""
    span = f"{found.first} .. {found.last}" if found.first else "time not recorded"
    message = f"{found.kind}: {found.count}x ({span})"
    message += f", confirms {found.rule}" if found.rule else ""
    message += f", vhost {found.vhost}" if found.vhost else ""
    message += f", wrapper {found.wrapper}" if found.wrapper else ""
    out: dict[str, Any] = {
        "ruleId": found.kind, "ruleIndex": index, "level": "warning", "message": {"text": clean(message)},
    }
    places = [
        {"physicalLocation": physical(Location(source, line)), "message": {"text": clean(text[:200])}}
        for source, line, text in found.samples
    ]
    if places:
        out["locations"] = [{"physicalLocation": places[0]["physicalLocation"]}]
        out["relatedLocations"] = [{"id": i, **place} for i, place in enumerate(places)]
    out["properties"] = found.to_json()
    return out


def render_trace(report: TraceReport) -> str:
    evidence = report.evidence
    kinds = list(dict.fromkeys(d.kind for d in evidence.detections))
    index = {k: i for i, k in enumerate(kinds)}
    driver = {"name": "fcgilint", "version": __version__, "rules": [kind_descriptor(k) for k in kinds]}
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": [detection(d, index[d.kind]) for d in evidence.detections],
    }
    notes = [
        f"inferred PHP_FCGI_MAX_REQUESTS={i.php_fcgi_max_requests} for {i.wrapper or i.socket or 'unknown class'}"
        for i in evidence.inferred
    ]
    notes += [f"load of {load.vhost or 'the log'}: {load.requests} requests; {load.summary()}" 
              for load in evidence.loads]
    invocations = _invocation(notes, list(evidence.warnings))
    if invocations:
        run["invocations"] = invocations
    return _document(run)
