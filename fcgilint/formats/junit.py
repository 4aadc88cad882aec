"""JUnit XML for CI systems that show test reports (GitLab, Jenkins).

Each finding is a failed test case named after its place; a clean run has one
passing case, so the report is never empty (some CI systems reject that).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fcgilint.findings import Finding
from fcgilint.formats import clean
from fcgilint.report import Report


def _case(suite: ET.Element, finding: Finding) -> None:
    case = ET.SubElement(suite, "testcase", classname=f"fcgilint.{finding.rule}", name=f"{finding.rule} {finding.location}", file=finding.location.file, line=str(finding.location.line))
    failure = ET.SubElement(case, "failure", type=finding.severity.value, message=clean(finding.message))
    details = [f"{finding.location}: {finding.severity.value} {finding.rule}: {finding.message}"]
    details += [f"related: {r.location}: {r.note}" for r in finding.related]
    details += [f"provenance: {step}" for step in finding.chain]
    details += [f"evidence: {line}" for line in finding.evidence]
    failure.text = clean("\n".join(details))


def render(report: Report) -> str:
    count = str(max(len(report.findings), 1))
    failures = str(len(report.findings))
    root = ET.Element("testsuites", name="fcgilint", tests=count, failures=failures, errors="0")
    suite = ET.SubElement(root, "testsuite", name="fcgilint", tests=count, failures=failures, errors="0", skipped="0")
    for finding in report.findings:
        _case(suite, finding)
    if not report.findings:
        ET.SubElement(suite, "testcase", classname="fcgilint", name="no findings")
    if report.notes:
        ET.SubElement(suite, "system-out").text = clean("\n".join(report.notes))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
