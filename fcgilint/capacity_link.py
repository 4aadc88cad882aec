"""Measured load against computed capacity: what the access and error logs say each class had to carry.

An access log names its vhost with ``%v`` (Debian's ``vhost_combined``), or it is the
file of one vhost's ``CustomLog``; either way its peak rate and concurrency are set
beside what the vhost's classes sustain ("peak 45 req/s at 14:02:10; this class
sustains about 7"). ``mod_fcgid: can't apply process slot for CMD`` names the class by
its command. The lines go on the capacity findings (FCG021-FCG025) of the class; a
class without one gets a note when the evidence shows more than the class can carry in
such a window (burst included) or a slot failure, so an overload the config does not
explain is never silent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fcgilint import capacity
from fcgilint.evidence import Detection, EvidenceReport
from fcgilint.evidence.load import Load
from fcgilint.findings import Finding
from fcgilint.model import Model, ProcessClass
from fcgilint.source import Location

CAPACITY_RULES = ("FCG021", "FCG022", "FCG023", "FCG024", "FCG025")
SLOT_KIND = "no-process-slot"


@dataclass
class Comparison:
    """Evidence lines per class (by id), and notes for what no finding carries."""

    lines: dict[int, list[str]] = field(default_factory=dict)
    classes: dict[int, ProcessClass] = field(default_factory=dict)
    alarming: set[int] = field(default_factory=set)  # classes whose evidence shows more than they can carry

    def add(self, pc: ProcessClass, line: str, over: bool) -> None:
        self.classes[id(pc)] = pc
        self.lines.setdefault(id(pc), []).append(line)
        if over:
            self.alarming.add(id(pc))


def classes_of(load: Load, model: Model) -> list[ProcessClass]:
    """The classes whose requests the load counts (see :func:`fcgilint.capacity.measured_classes`)."""
    return capacity.measured_classes(model, load.vhost, load.source)


def _load_line(load: Load, cap: capacity.ServerCapacity, cc: capacity.ClassCapacity) -> tuple[str, bool]:
    """The comparison, and whether the load went beyond what the class can carry in such a window."""
    who = load.vhost or "the log"
    line = f"{load.source}: {who}: {load.summary()}; this class sustains {cc.rate.shown}"
    within = capacity.window_rate(cc.recycle, cap.score, load.window)
    over = within is not None and load.peak_rate > within
    if within is not None:
        line += f", at most {capacity.fmt_rate(within)} req/s over {load.window} s from idle"
        line += " (the peak is above it)" if over else ""
    if load.peak_concurrency is not None and cc.concurrency.number is not None:
        line += f"; it runs at most {cc.concurrency.shown}"
        if load.peak_concurrency > cc.concurrency.number:
            line += " (the load needed more)"
            over = True
    return line, over


def _slot_line(found: Detection, cc: capacity.ClassCapacity) -> str:
    span = f"{found.first} .. {found.last}" if found.first else "time not recorded"
    return (f"{found.count} 'can't apply process slot' 503s ({span}); this class sustains {cc.rate.shown} "
            f"with at most {cc.processes.shown}")


def _slot_classes(found: Detection, model: Model) -> list[ProcessClass]:
    """The classes of the command a slot failure names; of its vhost only, when the evidence names one the model has."""
    wrapper = (found.wrapper or "").strip()
    matched = [
        pc for pc in model.classes
        if pc.apache_known and wrapper and wrapper in (pc.command, pc.command.split()[0])
    ]
    if found.vhost is None:
        return matched
    name = found.vhost.lower()
    if not any(name in capacity.vhost_names(model, pc) for pc in model.classes):
        return matched
    return [pc for pc in matched if name in capacity.vhost_names(model, pc)]


def compare(models: list[Model], evidence: EvidenceReport) -> Comparison:
    """Every measured load and slot failure, set beside the capacity of its class."""
    result = Comparison()
    for model in models:
        cap = capacity.of(model)
        if cap is None:
            continue
        for load in evidence.loads:
            for pc in classes_of(load, model):
                cc = cap.of(pc)
                if cc is not None:
                    result.add(pc, *_load_line(load, cap, cc))
        for found in (d for d in evidence.detections if d.kind == SLOT_KIND):
            for pc in _slot_classes(found, model):
                cc = cap.of(pc)
                if cc is not None:
                    result.add(pc, _slot_line(found, cc), True)
    return result


def _anchors(pc: ProcessClass) -> set[Location]:
    return {pc.directive.location} if pc.directive is not None else set()


def _about(finding: Finding, pc: ProcessClass, model_classes: list[ProcessClass]) -> bool:
    """A capacity finding is about a class when it points at the class, or when it is server-wide."""
    places = _anchors(pc)
    if finding.location in places or any(r.location in places for r in finding.related):
        return True
    if pc.vhost is not None and finding.vhosts and pc.vhost.name in finding.vhosts:
        return True
    return finding.rule in ("FCG022", "FCG023", "FCG024", "FCG025") and not any(
        finding.location in _anchors(other) for other in model_classes
    )


def spread(
    findings: list[Finding], models: list[Model], comparison: Comparison
) -> tuple[dict[int, list[str]], list[str]]:
    """Evidence lines per finding (by id), and notes for classes no capacity finding speaks about."""
    every = [pc for model in models for pc in model.classes]
    extra: dict[int, list[str]] = {}
    notes: list[str] = []
    for key, lines in comparison.lines.items():
        pc = comparison.classes[key]
        about = [f for f in findings if f.rule in CAPACITY_RULES and _about(f, pc, every)]
        for finding in about:
            extra.setdefault(id(finding), []).extend(lines)
        if not about and key in comparison.alarming:
            notes += [f"capacity of {pc.label}: {line}" for line in lines]
    return extra, notes
