"""What a run shows: the findings, the notes, the rules and the texts they point at.

Each command builds one report document and hands it to :func:`fcgilint.formats.render`:
``check`` a :class:`Report`, ``fix`` a :class:`FixReport` (what was changed and declined, and a
:class:`Report` of what remains), ``trace`` a :class:`TraceReport`, ``rules`` a
:class:`Catalogue`, ``rules --test`` :class:`ExampleRuns`, ``show`` an :class:`Overview`. The documents hold plain data,
computed by the command, so the formats need nothing of the layers above this one, and no
command prints a report its own way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from fcgilint.source import SourceIndex

if TYPE_CHECKING:  # kept out of start-up: the rules module loads the YAML parser
    from fcgilint.evidence import Detection, EvidenceReport
    from fcgilint.findings import Finding, Fix
    from fcgilint.overview import ScopeView
    from fcgilint.rules import Rule
    from fcgilint.source import Location


@dataclass
class Report:
    """What ``check`` shows (and ``fix`` of what remains): everything a renderer may show of findings."""

    kind: ClassVar[str] = "check"
    findings: list[Finding]
    notes: list[str] = field(default_factory=list)
    rules: tuple[Rule, ...] = ()
    sources: SourceIndex = field(default_factory=SourceIndex)
    #: (finding, detection) pairs behind each finding's ``evidence`` lines, for formats that show samples as places
    attached: list[tuple[Finding, Detection]] = field(default_factory=list)

    def detections_of(self, finding: Finding) -> list[Detection]:
        """The detections attached to this very finding object."""
        return [d for f, d in self.attached if f is finding]


@dataclass(frozen=True)
class Change:
    """One fix a ``fix`` run applied (or, with ``--diff``, showed)."""

    finding: Finding
    fix: Fix
    #: where the text changed, each place once
    edited: tuple[Location, ...]
    #: one line per failure of the evidence the fix removes (:func:`fcgilint.evidence_link.summary`)
    removes: tuple[str, ...] = ()


@dataclass
class FixRun:
    """What ``fix`` did to one target: the changes, what it declined, and what is left."""

    target: str
    changes: list[Change]
    #: why a fix was not applied (a file outside the tree, a hard link, ...)
    refused: list[str]
    #: temporary files of a killed run that this run removed
    cleaned: list[str]
    files: int
    passes: int
    backups: list[str]
    #: the findings left after the last pass; None when the run stopped before re-checking
    remaining: Report | None
    #: False for ``--diff``: nothing was written and ``diff`` holds the preview
    written: bool = True
    diff: str = ""


@dataclass
class FixReport:
    """What ``fix`` shows: one :class:`FixRun` per target, and the notes of the whole run."""

    kind: ClassVar[str] = "fix"
    runs: list[FixRun]
    notes: list[str] = field(default_factory=list)
    #: the rules that ran, for formats that describe them (SARIF)
    rules: tuple[Rule, ...] = ()

    @property
    def remaining(self) -> list[Finding]:
        """The findings left by every run, in target order."""
        return [f for run in self.runs if run.remaining is not None for f in run.remaining.findings]


@dataclass(frozen=True)
class Entry:
    """One rule of the catalogue with what ``rules`` says about it beyond its file."""

    rule: Rule
    #: something produces findings for it (a check function, its condition or the suppression engine)
    checked: bool
    #: "built-in" or "site (FILE)"
    origin: str


@dataclass
class Catalogue:
    """What ``rules`` shows: every rule, built-in and from the site's rule directories."""

    kind: ClassVar[str] = "rules"
    entries: list[Entry]


@dataclass(frozen=True)
class ExampleRun:
    """One bad or good example of a rule, checked: whether it did what its side promises."""

    rule: str
    #: the rule file the example is in
    source: str
    #: "bad" (must fire the rule) or "good" (must not)
    side: str
    #: 1-based position among the rule's examples of that side
    index: int
    passed: bool
    #: the messages of the rule's findings on the example
    fired: tuple[str, ...]
    #: why it failed, one line
    problem: str = ""


@dataclass
class ExampleRuns:
    """What ``rules --test`` shows: every example of the site's rules, run."""

    kind: ClassVar[str] = "examples"
    runs: list[ExampleRun]
    rules: int
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[ExampleRun]:
        return [r for r in self.runs if not r.passed]


@dataclass
class TraceReport:
    """What ``trace`` shows: what the strace captures and logs prove (:mod:`fcgilint.evidence`)."""

    kind: ClassVar[str] = "trace"
    evidence: EvidenceReport


@dataclass
class Overview:
    """What ``show`` shows: per scope (the main server, then each vhost) what the model believes, and the notes."""

    kind: ClassVar[str] = "show"
    scopes: list[ScopeView]
    notes: list[str] = field(default_factory=list)
