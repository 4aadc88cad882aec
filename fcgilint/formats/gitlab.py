"""GitLab Code Quality: the JSON array the merge request widget reads (``artifacts: reports: codequality``).

Each finding is one issue with ``description``, ``check_name`` (the rule id),
``fingerprint``, ``severity`` (GitLab's scale) and ``location.path`` /
``location.lines.begin``. The fingerprint is the baseline's (rule, file, the
offending line's text, occurrence), so an issue keeps its identity when lines
above it move and GitLab reports it as unchanged rather than fixed and new.
"""

from __future__ import annotations

import json

from fcgilint.baseline import fingerprints
from fcgilint.formats import clean
from fcgilint.report import Report

#: fcgilint's severities on GitLab's scale (info, minor, major, critical, blocker).
SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def render(report: Report) -> str:
    rules = {r.id: r for r in report.rules}
    issues = []
    for fingerprint, finding, _ in fingerprints(report.findings, report.sources):
        rule = rules.get(finding.rule)
        name = f" {rule.name}" if rule else ""
        issues.append({
            "type": "issue",
            "description": clean(f"{finding.rule}{name}: {finding.message}"),
            "check_name": finding.rule,
            "fingerprint": fingerprint,
            "severity": SEVERITY[finding.severity.value],
            "location": {"path": clean(finding.location.file), "lines": {"begin": max(finding.location.line, 1)}},
        })
    return json.dumps(issues, indent=2) + "\n"
