"""GitHub Actions workflow commands: one annotation per finding.

Syntax: ``::error file=F,line=L,col=C,title=T::message``. Property values
escape ``%``, ``\\r``, ``\\n``, ``:`` and ``,``; the message escapes ``%``,
``\\r`` and ``\\n`` (the runner's own ``escapeProperty``/``escapeData``). ``trace`` annotates
each detection as a warning at its first sample line, its reader warnings as notices.
"""

from __future__ import annotations

from fcgilint.findings import Finding
from fcgilint.formats import clean
from fcgilint.report import Report, TraceReport
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


def render_trace(report: TraceReport) -> str:
    lines = []
    for found in report.evidence.detections:
        span = f"{found.first} .. {found.last}" if found.first else "time not recorded"
        props = {"title": f"fcgilint trace {found.kind}"}
        if found.samples:
            props = {"file": found.samples[0][0], "line": str(found.samples[0][1]), **props}
        body = f"{found.kind}: {found.count}x ({span})" + (f", confirms {found.rule}" if found.rule else "")
        body += f"\nvhost: {found.vhost}" if found.vhost else ""
        body += f"\nwrapper: {found.wrapper}" if found.wrapper else ""
        body += "".join(f"\nsample: {source}:{line}: {text[:200]}" for source, line, text in found.samples[:3])
        joined = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
        lines.append(f"::warning {joined}::{escape_data(body)}")
    lines += [f"::notice title=fcgilint trace::{escape_data(w)}" for w in report.evidence.warnings]
    return "".join(f"{line}\n" for line in lines)
