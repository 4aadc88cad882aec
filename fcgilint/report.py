"""What a run shows: the findings, the notes, the rules and the texts they point at.

Every command that reports findings builds one :class:`Report`, and every output
format (:mod:`fcgilint.formats`) renders it, so no command prints findings its own way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fcgilint.source import SourceIndex

if TYPE_CHECKING:  # kept out of start-up: the rules module loads the YAML parser
    from fcgilint.evidence import Detection
    from fcgilint.findings import Finding
    from fcgilint.rules import Rule


@dataclass
class Report:
    """Everything a renderer may show."""

    findings: list[Finding]
    notes: list[str] = field(default_factory=list)
    rules: tuple[Rule, ...] = ()
    sources: SourceIndex = field(default_factory=SourceIndex)
    #: (finding, detection) pairs behind each finding's ``evidence`` lines, for formats that show samples as places
    attached: list[tuple[Finding, Detection]] = field(default_factory=list)

    def detections_of(self, finding: Finding) -> list[Detection]:
        """The detections attached to this very finding object."""
        return [d for f, d in self.attached if f is finding]
