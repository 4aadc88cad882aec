"""Inline suppressions and the rule that reports the ones that no longer apply.

httpd does not allow a comment on a directive's own line (the words become
arguments), so a suppression sits on its own comment line *above* the
directive and applies to the next line that is not a comment or blank::

    # fcgilint: disable=FCG001 -- php-cgi is patched to never exit
    FcgidWrapper /usr/local/bin/php-wrapper .php

``# fcgilint: disable-file=FCG006`` anywhere in a file covers the whole file.
php.ini comments (``;``) work the same way. A suppression that matches no
finding is reported as FCG900, so stale ones do not pile up and hide the next
real problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fcgilint.findings import Finding, Severity
from fcgilint.source import Location, SourceIndex

UNUSED_RULE = "FCG900"
#: Rules produced here rather than by a check function in fcgilint.checks.
ENGINE_RULES = frozenset({UNUSED_RULE})

DIRECTIVE = re.compile(
    r"^\s*[#;]\s*fcgilint:\s*(disable-file|disable)\s*=\s*([A-Za-z0-9_,\s-]*?)\s*(?:--\s*(.*?))?\s*$"
)
COMMENT = re.compile(r"^\s*(?:[#;]|$)")


@dataclass
class Suppression:
    """One comment: where it is, what it covers, and which of its rules were used."""

    location: Location
    rules: tuple[str, ...]
    target: int | None  # line it applies to; None for the whole file
    reason: str = ""
    used: set[str] = field(default_factory=set)

    def covers(self, finding: Finding) -> bool:
        if finding.location.file != self.location.file or finding.rule not in self.rules:
            return False
        return self.target is None or finding.location.line == self.target


def scan(display: str, text: str) -> list[Suppression]:
    """Every suppression comment of a file."""
    lines = text.splitlines()
    found = []
    for index, line in enumerate(lines):
        match = DIRECTIVE.match(line)
        if not match:
            continue
        rules = tuple(r.strip().upper() for r in match.group(2).split(",") if r.strip())
        target = None if match.group(1) == "disable-file" else _next_code_line(lines, index + 1)
        found.append(Suppression(Location(display, index + 1), rules, target, match.group(3) or ""))
    return found


def _next_code_line(lines: list[str], start: int) -> int:
    """1-based number of the first line from ``start`` that is not a comment or blank."""
    for index in range(start, len(lines)):
        if not COMMENT.match(lines[index]):
            return index + 1
    return len(lines) + 1


@dataclass
class Outcome:
    """Findings left after suppression, and FCG900 findings for unused suppressions."""

    kept: list[Finding]
    unused: list[Finding]


def apply(findings: list[Finding], sources: SourceIndex, active_rules: set[str], unused_severity: Severity) -> Outcome:
    """Drop suppressed findings; report a suppressed rule that ran and matched nothing."""
    files = dict.fromkeys([*sources.displays(), *(f.location.file for f in findings)])
    suppressions = [s for display in files for s in scan(display, sources.text(display) or "")]
    kept = []
    for finding in findings:
        hits = [s for s in suppressions if s.covers(finding)]
        for s in hits:
            s.used.add(finding.rule)
        if not hits:
            kept.append(finding)
    unused = [
        _unused(s, rule, unused_severity)
        for s in suppressions
        for rule in s.rules
        if rule in active_rules and rule not in s.used
    ]
    return Outcome(kept, unused)


def _unused(s: Suppression, rule: str, severity: Severity) -> Finding:
    scope = "in this file" if s.target is None else f"on line {s.target}"
    return Finding(
        UNUSED_RULE, severity, s.location, f"suppression of {rule} is unused: no {rule} finding {scope}; remove it"
    )
