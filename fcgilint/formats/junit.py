"""JUnit XML for CI systems that show test reports (GitLab, Jenkins).

Each finding is a failed test case named after its place; a clean run has one
passing case, so the report is never empty (some CI systems reject that).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from fcgilint.findings import Finding
from fcgilint.formats import clean
from fcgilint.report import Report


# Characters XML 1.0 forbids even as references: C0 controls but tab, newline and return, and U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text(value: str) -> str:
    """``value`` made valid in an XML document: undecodable bytes and control characters shown as ``\\xNN``."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", clean(value))


def _case(suite: ET.Element, finding: Finding) -> None:
    place = text(str(finding.location))
    case = ET.SubElement(suite, "testcase", classname=f"fcgilint.{finding.rule}", name=f"{finding.rule} {place}",
                         file=text(finding.location.file), line=str(finding.location.line))
    failure = ET.SubElement(case, "failure", type=finding.severity.value, message=text(finding.message))
    details = [f"{finding.location}: {finding.severity.value} {finding.rule}: {finding.message}"]
    details += [f"related: {r.location}: {r.note}" for r in finding.related]
    details += [f"provenance: {step}" for step in finding.chain]
    details += [f"evidence: {line}" for line in finding.evidence]
    failure.text = text("\n".join(details))


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
        ET.SubElement(suite, "system-out").text = text("\n".join(report.notes))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
