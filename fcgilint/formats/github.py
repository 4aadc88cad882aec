"""GitHub Actions workflow commands: one annotation per finding.

Syntax: ``::error file=F,line=L,col=C,title=T::message``. Property values
escape ``%``, ``\\r``, ``\\n``, ``:`` and ``,``; the message escapes ``%``,
``\\r`` and ``\\n`` (the runner's own ``escapeProperty``/``escapeData``).
"""

from __future__ import annotations

from fcgilint.findings import Finding
from fcgilint.formats import clean
from fcgilint.report import Report
from fcgilint.rules import Rule

LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return clean(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, rules: dict[str, Rule]) -> str:
    rule = rules.get(finding.rule)
    title = f"{finding.rule} {rule.name}" if rule else finding.rule
    props = {
        "file": finding.location.file,
        "line": str(finding.location.line),
        "col": str(finding.location.col),
        "title": title,
    }
    body = finding.message + "".join(f"\nrelated: {r.location}: {r.note}" for r in finding.related)
    body += "".join(f"\nevidence: {line}" for line in finding.evidence)
    joined = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    return f"::{LEVEL[finding.severity.value]} {joined}::{escape_data(body)}"


def render(report: Report) -> str:
    rules = {r.id: r for r in report.rules}
    lines = [annotation(f, rules) for f in report.findings]
    lines += [f"::notice title=fcgilint::{escape_data(note)}" for note in report.notes]
    return "".join(f"{line}\n" for line in lines)
