"""Stage 4: findings, the one thing every report format and the fixer consume."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from fcgilint.source import Location


class Severity(Enum):
    """Ordered severities; ``--fail-on`` compares against :attr:`rank`."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Related:
    """Another location involved in a finding (the other half of a mismatch)."""

    location: Location
    note: str


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` of a file with ``replacement`` (character offsets)."""

    file: str
    start: int
    end: int
    replacement: str


@dataclass
class Fix:
    """A mechanical remedy: edits to apply together, and whether it changes behaviour."""

    description: str
    edits: list[Edit]
    safe: bool = True


@dataclass(slots=True)
class Finding:
    """A rule violation at a place, with the values and provenance behind it."""

    rule: str
    severity: Severity
    location: Location
    message: str
    related: list[Related] = field(default_factory=list)
    chain: list[str] = field(default_factory=list)
    fix: Fix | None = None
    evidence: list[str] = field(default_factory=list)
    # The virtual hosts (ServerName; None: the main server) the finding concerns, or None
    # when it concerns no scope (a file that does not load). Several: one shared root cause.
    vhosts: list[str | None] | None = None
    #: httpd would not load the tree (FCG000, or a directive httpd refuses): shown whatever select/ignore say
    refused: bool = False

    def sort_key(self) -> tuple[str, int, str]:
        return (self.location.file, self.location.line, self.rule)

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape documented in README.md."""
        scope: dict[str, Any] = {}
        if self.vhosts is not None:
            scope = {"vhost": self.vhosts[0]} if len(self.vhosts) == 1 else {"vhosts": list(self.vhosts)}
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "file": self.location.file,
            "line": self.location.line,
            "message": self.message,
            **scope,
            "related": [{"file": r.location.file, "line": r.location.line, "note": r.note} for r in self.related],
            "provenance": list(self.chain),
            "fix": None if self.fix is None else {"description": self.fix.description, "safe": self.fix.safe},
            "evidence": list(self.evidence),
        }
