"""Checkstyle XML, the report format Jenkins (warnings-ng), reviewdog and many CI plugins import.

``<checkstyle><file name=...><error line= column= severity= message= source=/></file></checkstyle>``;
``severity`` is error, warning or info, ``source`` is ``fcgilint.FCGnnn``. Files
appear in report order, each once.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fcgilint.formats import clean
from fcgilint.report import Report

CHECKSTYLE_VERSION = "4.3"


def render(report: Report) -> str:
    rules = {r.id: r for r in report.rules}
    root = ET.Element("checkstyle", version=CHECKSTYLE_VERSION)
    files: dict[str, ET.Element] = {}
    for finding in report.findings:
        name = clean(finding.location.file)
        if name not in files:
            files[name] = ET.SubElement(root, "file", name=name)
        rule = rules.get(finding.rule)
        label = f" {rule.name}" if rule else ""
        ET.SubElement(files[name], "error", {
            "line": str(max(finding.location.line, 1)),
            "column": str(max(finding.location.col, 1)),
            "severity": finding.severity.value,
            "message": clean(f"{finding.rule}{label}: {finding.message}"),
            "source": f"fcgilint.{finding.rule}",
        })
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
