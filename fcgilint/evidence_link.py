"""Tie what a server did (strace, logs) to what its configuration says will happen.

A finding says "this config will fail like so"; a detection says "this server
failed like so, N times". Linking them is the proof: each finding gets the
detections of its rule, matched to its process class when the detection names
the wrapper mod_fcgid started. A detection whose rule produced no finding, and
a PHP limit the processes applied that differs from the modelled one, become
notes, because both mean the config checked may not be the one that ran.

mod_fcgid's socket directory is shared by every class, so it is shown but
never used to pick a class.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from fcgilint import capacity_link
from fcgilint.evidence import Detection, EvidenceError, EvidenceReport, Inferred, analyse, sniff
from fcgilint.findings import Finding
from fcgilint.report import Report
from fcgilint.model import Model, ProcessClass
from fcgilint.source import Location

#: Sample lines shown per detection (the reader keeps up to five).
SHOWN_SAMPLES = 3
#: Longest sample text shown; strace lines can carry whole request buffers.
SAMPLE_CHARS = 200
#: The rule whose class an inferred PHP limit speaks about.
LIMIT_RULE = "FCG001"
#: Kinds whose plural is not "kind + s" in a sentence.
_NOUNS = {
    "request-limit-race": ("request-limit race", "request-limit races"),
    "fcgi-read-error": ("'error reading data from FastCGI server'", "'error reading data from FastCGI server' errors"),
    "io-timeout": ("IO timeout", "IO timeouts"),
    "busy-timeout": ("busy timeout", "busy timeouts"),
    "request-too-long": ("request over FcgidMaxRequestLen", "requests over FcgidMaxRequestLen"),
    "php-directive-without-mod-php": ("'Invalid command' for a mod_php directive",
                                      "'Invalid command' errors for mod_php directives"),
    "invalid-command": ("'Invalid command' error", "'Invalid command' errors"),
    "open-basedir-restriction": ("open_basedir refusal", "open_basedir refusals"),
    "suexec-policy-violation": ("suexec refusal", "suexec refusals"),
}


def read(paths: list[Path]) -> EvidenceReport:
    """Read every evidence file once; :class:`fcgilint.evidence.EvidenceError` for unusable input.

    Unlike ``fcgilint trace``, a non-empty file of no known kind is refused: it
    was named as proof, and a report that silently proves nothing would mislead.
    """
    for path in paths:
        if sniff(path) == "unknown" and path.stat().st_size > 0:
            raise EvidenceError(f"{path}: not strace output nor an Apache error/access log")
    return analyse(paths)


@dataclass
class Linked:
    """Findings with their evidence, and the (finding, detection) pairs behind it."""

    findings: list[Finding]
    attached: list[tuple[Finding, Detection]] = field(default_factory=list)


def program(pc: ProcessClass) -> str:
    """The program mod_fcgid starts for a class: the first word of its FcgidWrapper command."""
    words = pc.command.split()
    return words[0] if words else pc.command


def anchors(pc: ProcessClass) -> set[Location]:
    """Places a finding about this class points at (its FcgidWrapper line, or the wrapper file alone)."""
    if pc.directive is not None:
        return {pc.directive.location}
    if pc.script is not None:
        return {Location(pc.script.display, 1)}
    return set()


def belongs(finding: Finding, pc: ProcessClass) -> bool:
    """A finding is about a class when it, or one of its related places, is the class's anchor."""
    places = anchors(pc)
    return finding.location in places or any(r.location in places for r in finding.related)


def noun(kind: str, count: int) -> str:
    """``4 request-limit races``: the count with the kind in words."""
    one, many = _NOUNS.get(kind, (kind, f"{kind} events"))
    return f"{count} {one if count == 1 else many}"


def summary(found: Detection) -> str:
    """One line: how many, when, which processes and socket, which wrapper."""
    span = f"{found.first} .. {found.last}" if found.first else "time not recorded"
    parts = [span]
    if found.pids:
        parts.append("pids " + " ".join(str(p) for p in found.pids))
    if found.socket:
        parts.append(f"socket {found.socket}")
    if found.wrapper:
        parts.append(f"wrapper {found.wrapper}")
    if found.logged:
        parts.append("the same requests in the error log: " + ", ".join(noun(k, n) for k, n in found.logged.items()))
    return f"{noun(found.kind, found.count)} ({'; '.join(parts)})"


def describe(found: Detection, caveat: str = "") -> list[str]:
    """The evidence lines of one detection: the summary, then up to three ``file:line: text`` samples."""
    samples = [f"  {source}:{line}: {text[:SAMPLE_CHARS]}" for source, line, text in found.samples[:SHOWN_SAMPLES]]
    return [summary(found) + caveat, *samples]


def _classes(models: Iterable[Model]) -> list[ProcessClass]:
    return [pc for model in models for pc in model.classes]


def _targets(found: Detection, findings: list[Finding], classes: list[ProcessClass]) -> tuple[list[Finding], str]:
    """The findings a detection proves, and what to add when it could not be tied to one class."""
    if found.wrapper:
        matched = [pc for pc in classes if program(pc) == found.wrapper]
        tied = [f for f in findings if any(belongs(f, pc) for pc in matched)]
        if tied:
            return tied, ""
        return (
            findings,
            f" [wrapper {found.wrapper} is no FcgidWrapper of the config checked: shown on every {found.rule} finding]",
        )
    if len(findings) > 1:
        return findings, f" [the evidence names no wrapper: shown on every {found.rule} finding]"
    return findings, ""


def _limit_lines(limit: Inferred, classes: list[ProcessClass]) -> list[tuple[ProcessClass, str]]:
    """Classes whose modelled PHP_FCGI_MAX_REQUESTS differs from what the processes did."""
    php = [pc for pc in classes if pc.is_php]
    matched = [pc for pc in php if limit.wrapper and program(pc) == limit.wrapper] or php
    out = []
    for pc in matched:
        modelled = pc.values.get("PHP_FCGI_MAX_REQUESTS")
        if modelled is None or modelled.number is None or modelled.number == limit.php_fcgi_max_requests:
            continue
        out.append((pc, (
            f"trace shows php-cgi exiting after {limit.php_fcgi_max_requests} requests ({limit.processes} processes"
            f"{f' of {limit.wrapper}' if limit.wrapper else ''}); the config says {modelled.number} "
            f"({modelled.decided_by}) for {pc.label}"
        )))
    return out


def link(findings: list[Finding], models: Iterable[Model], evidence: EvidenceReport) -> Linked:
    """Attach to each finding the detections of its rule and the PHP limits that contradict its class.

    Findings are replaced, not changed, since the same objects may be shown elsewhere.
    """
    classes = _classes(models)
    extra: dict[int, list[str]] = {}
    attached: list[tuple[Finding, Detection]] = []
    for found in evidence.detections:
        of_rule = [f for f in findings if found.rule is not None and f.rule == found.rule]
        if not of_rule:
            continue
        targets, caveat = _targets(found, of_rule, classes)
        for finding in targets:
            extra.setdefault(id(finding), []).extend(describe(found, caveat))
            attached.append((finding, found))
    for limit in evidence.inferred:
        for pc, line in _limit_lines(limit, classes):
            for finding in (f for f in findings if f.rule == LIMIT_RULE and belongs(f, pc)):
                extra.setdefault(id(finding), []).append(line)
    rebuilt = {id(f): replace(f, evidence=[*f.evidence, *extra[id(f)]]) for f in findings if id(f) in extra}
    return Linked([rebuilt.get(id(f), f) for f in findings], [(rebuilt[id(f)], d) for f, d in attached])


def unexplained(raw: list[Finding], checked: set[str], models: Iterable[Model], evidence: EvidenceReport) -> list[str]:
    """Evidence the config checked does not account for, as notes.

    ``raw`` are the findings before suppressions and ignores, so a finding the
    user silenced still explains its evidence; a rule that did not run
    (``checked``) explains nothing and is not expected to.
    """
    classes = _classes(models)
    notes = [
        f"the evidence shows {noun(d.kind, d.count)} but no {d.rule} finding: the config checked may not be the one "
        "that ran"
        for d in evidence.detections
        if d.rule in checked and not any(f.rule == d.rule for f in raw)
    ]
    for limit in evidence.inferred:
        notes += [
            line
            for pc, line in _limit_lines(limit, classes)
            if not any(f.rule == LIMIT_RULE and belongs(f, pc) for f in raw)
        ]
    return notes


def attach(report: Report, raw: list[Finding], models: list[Model], evidence: EvidenceReport) -> Report:
    """A check report with evidence on its findings; reader warnings and unexplained evidence become notes."""
    linked = link(report.findings, models, evidence)
    extra, load_notes = capacity_link.spread(linked.findings, models, capacity_link.compare(models, evidence))
    rebuilt = {id(f): replace(f, evidence=[*f.evidence, *extra[id(f)]]) for f in linked.findings if id(f) in extra}
    findings = [rebuilt.get(id(f), f) for f in linked.findings]
    attached = [(rebuilt.get(id(f), f), d) for f, d in linked.attached]
    checked = {r.id for r in report.rules}
    notes = [
        *report.notes,
        *(f"evidence: {w}" for w in evidence.warnings),
        *unexplained(raw, checked, models, evidence),
    ]
    return Report(findings, [*notes, *load_notes], report.rules, report.sources, attached)
