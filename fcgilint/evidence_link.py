"""Tie what a server did (strace, logs) to what its configuration says will happen.

A finding says "this config will fail like so"; a detection says "this server
failed like so, N times". Linking them is the proof: each finding gets the
detections of its rule, matched to its process class by the vhost the evidence
names (a vhost's own ``ErrorLog`` file, an ``ErrorLogFormat`` ``%v`` column,
mod_fcgid's ``server HOST:CMD(PID) started`` line for the pid) and by the
wrapper mod_fcgid started. A detection of one vhost is never shown on another
vhost's finding; only one that names neither is shown on every finding of its
rule, with a caveat. A detection whose rule produced no finding for its vhost,
and a PHP limit the processes applied that differs from the modelled one,
become notes, because both mean the config checked may not be the one that ran.
Such a limit, when lower than the modelled one, also changes the FCG001 fix of
the class to the observed number (or withholds it): the modelled one would set
mod_fcgid's limit above what php-cgi applies, and the races would go on.

mod_fcgid's socket directory is shared by every class, so it is shown but
never used to pick a class.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from fcgilint import capacity, capacity_link
from fcgilint.checks import remedies
from fcgilint.evidence import Detection, EvidenceError, EvidenceReport, Inferred, analyse, sniff
from fcgilint.load.apache_tree import VHost
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
    if found.vhost:
        parts.append(f"vhost {found.vhost}")
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


@dataclass
class Scope:
    """The vhosts of the configs checked, by every name they answer to, and the classes of each."""

    classes: list[ProcessClass]
    names: dict[int, set[str]] = field(default_factory=dict)  # id(pc) -> ServerName and aliases, lower case
    vhosts: set[str] = field(default_factory=set)  # every ServerName and ServerAlias of the trees
    several: bool = False  # some tree has a <VirtualHost>: a vhost name picks classes
    models: dict[int, Model] = field(default_factory=dict)  # id(pc) -> its model

    @classmethod
    def of(cls, models: Iterable[Model]) -> Scope:
        models = list(models)
        scope = cls(_classes(models))
        for model in models:
            tree = model.tree
            main = {a.lower() for p in tree.scoped(("ServerName",), None) for a in p.args[:1]} if tree else set()
            for pc in model.classes:
                scope.names[id(pc)] = capacity.vhost_names(model, pc) if pc.vhost is not None else main
                scope.models[id(pc)] = model
            if tree is not None:
                scope.several = scope.several or bool(tree.vhosts)
                for vhost in tree.vhosts:
                    scope.vhosts.update(_names(model, vhost))
        for names in scope.names.values():
            scope.vhosts.update(names)
        return scope

    def knows(self, vhost: str | None) -> bool:
        """The evidence's vhost is one the configs have; a config of one server (no vhost) takes any name as its."""
        return bool(vhost) and self.several and (vhost or "").lower() in self.vhosts

    def model_of(self, pc: ProcessClass) -> Model | None:
        """The model the class belongs to (a remedy is computed on it)."""
        return self.models.get(id(pc))

    def of_vhost(self, name: str) -> list[ProcessClass]:
        """The classes of the vhost called ``name``."""
        return [pc for pc in self.classes if name.lower() in self.names.get(id(pc), set())]


def _names(model: Model, vhost: VHost) -> set[str]:
    names = {vhost.server_name.lower()} if vhost.server_name else set()
    if model.tree is not None:
        for alias in model.tree.scoped(("ServerAlias",), vhost):
            names.update(a.lower() for a in alias.args)
    return names


def about(finding: Finding, vhost: str, classes: list[ProcessClass]) -> bool:
    """A finding concerns vhost ``vhost``: it names it, or it points at one of the vhost's classes."""
    if any(v is not None and v.lower() == vhost.lower() for v in finding.vhosts or []):
        return True
    return any(belongs(finding, pc) for pc in classes)


def _targets(found: Detection, findings: list[Finding], scope: Scope) -> tuple[list[Finding], str]:
    """The findings a detection proves, and what to add when it could not be tied to one class.

    A detection that names a vhost of the config goes to that vhost's findings
    only (none, when the vhost has none: then :func:`unexplained` says so).
    """
    caveat = ""
    if found.vhost and scope.knows(found.vhost):
        own = scope.of_vhost(found.vhost)
        narrowed = [pc for pc in own if found.wrapper and program(pc) == found.wrapper] or own
        return [f for f in findings if about(f, found.vhost, narrowed)], ""
    if found.vhost and scope.several:
        caveat = f" [vhost {found.vhost} is no vhost of the config checked]"
    if found.wrapper:
        matched = [pc for pc in scope.classes if program(pc) == found.wrapper]
        tied = [f for f in findings if any(belongs(f, pc) for pc in matched)]
        hosts = {frozenset(scope.names.get(id(pc), set())) for pc in matched}
        if tied and len(hosts) > 1:
            shared = f" [wrapper {found.wrapper} serves {len(hosts)} vhosts; the evidence does not say which]"
            return tied, caveat + shared
        if tied:
            return tied, caveat
        return (
            findings,
            caveat + f" [wrapper {found.wrapper} is no FcgidWrapper of the config checked: shown on every "
            f"{found.rule} finding]",
        )
    if len(findings) > 1:
        return findings, caveat + f" [the evidence names no wrapper: shown on every {found.rule} finding]"
    return findings, caveat


def _limit_classes(limit: Inferred, scope: Scope) -> list[ProcessClass]:
    """The php-cgi classes an inferred limit speaks about: its vhost's, then its wrapper's, else every one.

    A limit of a vhost the config has is never set against another vhost's class.
    """
    php = [pc for pc in scope.classes if pc.is_php]
    if limit.vhost and scope.knows(limit.vhost):
        php = [pc for pc in php if limit.vhost.lower() in scope.names.get(id(pc), set())]
        return [pc for pc in php if limit.wrapper and program(pc) == limit.wrapper] or php
    return [pc for pc in php if limit.wrapper and program(pc) == limit.wrapper] or php


@dataclass(frozen=True)
class Contradiction:
    """A class whose modelled PHP_FCGI_MAX_REQUESTS is not what its php-cgi processes applied."""

    pc: ProcessClass
    line: str
    observed: int
    modelled: int


def _limit_lines(limit: Inferred, scope: Scope) -> list[Contradiction]:
    """Classes whose modelled PHP_FCGI_MAX_REQUESTS differs from what the processes did."""
    out = []
    for pc in _limit_classes(limit, scope):
        modelled = pc.values.get("PHP_FCGI_MAX_REQUESTS")
        if modelled is None or modelled.number is None or modelled.number == limit.php_fcgi_max_requests:
            continue
        of = " ".join(w for w in (f"of {limit.wrapper}" if limit.wrapper else "",
                                  f"for {limit.vhost}" if limit.vhost else "") if w)
        out.append(Contradiction(pc, (
            f"trace shows php-cgi exiting after {limit.php_fcgi_max_requests} requests ({limit.processes} processes"
            f"{f' {of}' if of else ''}); the config says {modelled.number} ({modelled.decided_by}) for {pc.label}"
        ), limit.php_fcgi_max_requests, modelled.number))
    return out


def _observed_fix(finding: Finding, clash: Contradiction, model: Model | None) -> Finding:
    """FCG001 whose fix uses the limit php-cgi applied when that is lower than the modelled one.

    The modelled fix would set mod_fcgid's limit above what php-cgi does, and
    the races would go on; a fix that cannot be made from the observed value is
    withheld rather than shown.
    """
    if finding.fix is None or clash.observed >= clash.modelled:
        return finding
    reason = (f"php-cgi exited after {clash.observed} requests in the capture, though the config says "
              f"PHP_FCGI_MAX_REQUESTS={clash.modelled}")
    seen = remedies.max_requests_seen(model, clash.pc, clash.observed, reason) if model is not None else None
    if seen is not None and finding.fix.safe:
        note = (f"fix uses the observed {clash.observed}, not the config's {clash.modelled}: something the config "
                "checked does not show sets it where php-cgi runs")
        return replace(finding, fix=seen, evidence=[*finding.evidence, note])
    why = (f"fix withheld: it sets a limit from PHP_FCGI_MAX_REQUESTS={clash.modelled}, but php-cgi exited "
           f"after {clash.observed} requests; find what sets {clash.observed} where it runs, then fix again")
    return replace(finding, fix=None, evidence=[*finding.evidence, why])


def error_logs(models: Iterable[Model]) -> dict[Path, str | None]:
    """Each ``ErrorLog`` file on disk and the vhost (ServerName) whose lines it alone holds.

    A file the main server or several vhosts write maps to None: its lines
    name no vhost. Pipes and ``syslog:`` are not files.
    """
    writers: dict[Path, set[str | None]] = {}
    for model in models:
        tree = model.tree
        if tree is None:
            continue
        for placed in tree.named("ErrorLog"):
            if not placed.args or placed.args[0].startswith(("|", "syslog")):
                continue
            named = placed.args[0]
            if not named.startswith("/"):
                named = f"{tree.server_root.rstrip('/')}/{named}"
            owner = placed.vhost.server_name if placed.vhost is not None else None
            writers.setdefault(Path(tree.paths.to_host(named)).resolve(), set()).add(owner)
    return {path: next(iter(owners)) if len(owners) == 1 else None for path, owners in writers.items()}


def _wrapper_owners(models: list[Model]) -> dict[str, set[str | None]]:
    """Each program an FcgidWrapper starts, and the ServerNames of the vhosts that run it (None: main server)."""
    owners: dict[str, set[str | None]] = {}
    for model in models:
        for pc in model.classes:
            if pc.apache_known:
                owners.setdefault(program(pc), set()).add(pc.vhost.server_name if pc.vhost is not None else None)
    return owners


def attribute(evidence: EvidenceReport, models: Iterable[Model]) -> EvidenceReport:
    """The evidence with the vhost the config tells: a vhost's own ``ErrorLog`` file, a wrapper only one vhost runs.

    Only a config with ``<VirtualHost>`` sections names vhosts; the main
    server's classes and a wrapper several vhosts share name none.
    """
    models = list(models)
    logs = error_logs(models)
    files: dict[str, str | None] = {}
    for piece in evidence.pieces:
        if piece.origin not in files and piece.origin != "-":
            files[piece.origin] = logs.get(Path(piece.origin).resolve())
    evidence = evidence.attributed(files) if logs else evidence
    owners = _wrapper_owners(models)

    def owner(wrapper: str | None) -> str | None:
        hosts = owners.get(wrapper or "", set())
        return next(iter(hosts)) if len(hosts) == 1 else None

    detections = [replace(d, vhost=owner(d.wrapper)) if d.vhost is None and owner(d.wrapper) else d
                  for d in evidence.detections]
    inferred = [replace(i, vhost=owner(i.wrapper)) if i.vhost is None and owner(i.wrapper) else i
                for i in evidence.inferred]
    return replace(evidence, detections=detections, inferred=inferred)


def link(findings: list[Finding], models: Iterable[Model], evidence: EvidenceReport) -> Linked:
    """Attach to each finding the detections of its rule and the PHP limits that contradict its class.

    Findings are replaced, not changed, since the same objects may be shown elsewhere.
    """
    models = list(models)
    evidence = attribute(evidence, models)
    scope = Scope.of(models)
    extra: dict[int, list[str]] = {}
    clashes: dict[int, Contradiction] = {}
    attached: list[tuple[Finding, Detection]] = []
    for found in evidence.detections:
        of_rule = [f for f in findings if found.rule is not None and f.rule == found.rule]
        if not of_rule:
            continue
        targets, caveat = _targets(found, of_rule, scope)
        for finding in targets:
            extra.setdefault(id(finding), []).extend(describe(found, caveat))
            attached.append((finding, found))
    for limit in evidence.inferred:
        for clash in _limit_lines(limit, scope):
            for finding in (f for f in findings if f.rule == LIMIT_RULE and belongs(f, clash.pc)):
                extra.setdefault(id(finding), []).append(clash.line)
                clashes.setdefault(id(finding), clash)
    rebuilt = {id(f): replace(f, evidence=[*f.evidence, *extra[id(f)]]) for f in findings if id(f) in extra}
    rebuilt = {
        key: _observed_fix(f, clashes[key], scope.model_of(clashes[key].pc)) if key in clashes else f
        for key, f in rebuilt.items()
    }
    return Linked([rebuilt.get(id(f), f) for f in findings], [(rebuilt[id(f)], d) for f, d in attached])


def unexplained(raw: list[Finding], checked: set[str], models: Iterable[Model], evidence: EvidenceReport) -> list[str]:
    """Evidence the config checked does not account for, as notes.

    ``raw`` are the findings before suppressions and ignores, so a finding the
    user silenced still explains its evidence; a rule that did not run
    (``checked``) explains nothing and is not expected to.
    """
    models = list(models)
    evidence = attribute(evidence, models)
    scope = Scope.of(models)
    notes = []
    for d in evidence.detections:
        if d.rule not in checked:
            continue
        if d.vhost and scope.knows(d.vhost):
            own = scope.of_vhost(d.vhost)
            if not any(f.rule == d.rule and about(f, d.vhost, own) for f in raw):
                notes.append(f"the evidence shows {noun(d.kind, d.count)} on {d.vhost} but no {d.rule} finding for "
                             "that vhost: the config checked may not be the one that ran")
        elif not any(f.rule == d.rule for f in raw):
            notes.append(f"the evidence shows {noun(d.kind, d.count)} but no {d.rule} finding: the config checked may "
                         "not be the one that ran")
    for limit in evidence.inferred:
        notes += [
            clash.line
            for clash in _limit_lines(limit, scope)
            if not any(f.rule == LIMIT_RULE and belongs(f, clash.pc) for f in raw)
        ]
    return notes


def attach(report: Report, raw: list[Finding], models: list[Model], evidence: EvidenceReport) -> Report:
    """A check report with evidence on its findings; reader warnings and unexplained evidence become notes."""
    evidence = attribute(evidence, models)
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
