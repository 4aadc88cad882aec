"""Checks on what the classes can sustain and hold (FCG021-FCG025), from :mod:`fcgilint.capacity`."""

from __future__ import annotations

from collections.abc import Iterator

from fcgilint import capacity
from fcgilint.capacity import ClassCapacity, Figure, ServerCapacity
from fcgilint.checks.recycle import needed_length, raise_limits
from fcgilint.checks.registry import Hit, check, scope_of
from fcgilint.findings import Related
from fcgilint.model import Model, ProcessClass, Value
from fcgilint.source import Location


def _anchor(pc: ProcessClass) -> Location:
    assert pc.directive is not None
    return pc.directive.location


def _lines(*figures: Figure) -> list[str]:
    return [f"{f.name}: {step}" for f in figures for step in f.chain]


def _recycler(pc: ProcessClass, length: int) -> Value | None:
    """The value that decides the recycle length (the place a finding about it points at)."""
    for name in ("FcgidMaxRequestsPerProcess", "PHP_FCGI_MAX_REQUESTS"):
        value = pc.values.get(name)
        if value is not None and value.number == length and value.location is not None:
            return value
    return None


def _rate(number: float) -> str:
    """``20`` for a whole number (a setting), ``56.8`` for a measured one."""
    return f"{number:g}" if float(number).is_integer() else capacity.fmt_rate(number)


def demand(model: Model) -> float:
    """The rate each class should sustain: the project's setting, else the default."""
    return model.rate if model.rate is not None else capacity.DEFAULT_RATE


@check("FCG021")
def recycle_throttle(model: Model) -> Iterator[Hit]:
    """Recycling every R requests under the spawn score caps the class below the rate it must serve."""
    cap = capacity.of(model)
    if cap is None:
        return
    for cc in cap.classes:
        rate, recycle = cc.rate, cc.recycle
        wanted, source = demand(model), "it should sustain"
        peak = capacity.measured_peak(model, cc.pc) if rate.number is not None else None
        if peak is not None and peak[0] > wanted:
            wanted, source = peak[0], f"it served ({peak[1]})"
        if rate.number is None or recycle.number is None or rate.number >= wanted:
            continue
        yield _throttle_hit(model, cap, cc, wanted, source)


def _throttle_hit(model: Model, cap: ServerCapacity, cc: ClassCapacity, wanted: float, source: str) -> Hit:
    pc, length = cc.pc, int(cc.recycle.number or 0)
    spawn, term, time_ = (cap.score[n].number or 0 for n in capacity.SCORE_NAMES[:3])
    decider = _recycler(pc, length)
    at = decider.location if decider is not None and decider.location is not None else _anchor(pc)
    advice = ""
    fix = None
    if time_ > 0 and spawn + term > 0:
        target = needed_length(wanted, spawn, term, time_)
        advice = (f"; raise PHP_FCGI_MAX_REQUESTS and FcgidMaxRequestsPerProcess together to at least {target} "
                  f"(or lower FcgidTerminationScore/FcgidSpawnScore)")
        reason = f"recycling every {length} requests sustains only {cc.rate.shown}, {_rate(wanted)} req/s wanted"
        fix = raise_limits(model, pc, target, reason)
    message = (
        f"{pc.label} replaces each process every {length} requests; mod_fcgid's spawn score (SpawnScore {spawn} + "
        f"TerminationScore {term} per process, decaying {time_} per second) then lets it serve only about "
        f"{cc.rate.shown} after a burst of {cc.burst.shown}, below the {_rate(wanted)} req/s {source}: requests "
        f"wait in 1-second steps for a process and end in 503 'can't apply process slot'{advice}"
    )
    kind = pc.directive.name if pc.directive is not None else "FcgidWrapper"
    related = [Related(_anchor(pc), f"the FastCGI class ({kind})")] if at != _anchor(pc) else []
    return Hit(at, message, related, _lines(cc.rate), fix=fix, scope=scope_of(pc))


def _share_groups(cap: ServerCapacity) -> dict[Location | None, list[ClassCapacity]]:
    groups: dict[Location | None, list[ClassCapacity]] = {}
    for cc in cap.classes:
        if cc.processes.number is not None:
            groups.setdefault(cc.pc.values["FcgidMaxProcessesPerClass"].location, []).append(cc)
    return groups


@check("FCG022")
def class_can_exhaust_workers(model: Model) -> Iterator[Hit]:
    """One class may hold every httpd worker (or most of them on a server with several classes)."""
    cap = capacity.of(model)
    if cap is None or cap.workers.ceiling.number is None:
        return
    workers = int(cap.workers.ceiling.number)
    several = len(cap.classes) > 1
    for place, members in _share_groups(cap).items():
        top = max(members, key=lambda c: c.processes.number or 0)
        ceiling = int(top.processes.number or 0)
        if ceiling < workers and not (several and ceiling * 2 > workers):
            continue
        share = "every one" if ceiling >= workers else f"{ceiling * 100 // workers}%"
        whose = top.pc.label if len(members) == 1 else f"each of {len(members)} classes (e.g. {top.pc.label})"
        message = (
            f"{whose} may run {ceiling} processes at once, {share} of the {workers} httpd "
            f"workers ({cap.workers.mpm} MPM): every request to a busy or slow class holds a worker while it runs "
            f"or waits up to about a minute for a process, so one tenant's slow pages stall every other vhost; set "
            f"FcgidMaxProcessesPerClass well below {workers}"
            + (f" (at most {workers // 2} with {len(cap.classes)} classes)" if several else "")
        )
        at = place or _anchor(top.pc)
        yield Hit(at, message, _worker_related(cap), _lines(top.processes, cap.workers.ceiling))


def _worker_related(cap: ServerCapacity) -> list[Related]:
    return [Related(s.location, f"worker ceiling: {s.text}") for s in cap.workers.ceiling.chain if s.location][:3]


def _gib(processes: int, classes: list[ClassCapacity]) -> str:
    """What ``processes`` PHP processes may hold, when memory_limit is known for every class."""
    limits = [c.pc.values.get("memory_limit") for c in classes]
    numbers = [v.number for v in limits if v is not None and v.number is not None and v.number > 0]
    if not classes or len(numbers) != len(classes):
        return ""
    biggest = max(numbers)
    return (f"; at memory_limit {biggest // 2**20} MiB each, {processes} processes can hold up to "
            f"{processes * biggest / 2**30:.1f} GiB")


def _server_anchor(model: Model, cap: ServerCapacity, *values: Value) -> Location:
    for value in values:
        if value.location is not None:
            return value.location
    return _anchor(cap.classes[0].pc)


@check("FCG023")
def idle_floor_fills_process_table(model: Model) -> Iterator[Hit]:
    """FcgidMinProcessesPerClass x classes reaches FcgidMaxProcesses: a class without a process cannot start one."""
    cap = capacity.of(model)
    if cap is None or not cap.classes or cap.max_processes.number is None:
        return
    floor, limit = int(cap.idle_floor.number or 0), cap.max_processes.number
    if floor < limit or limit <= 0:
        return
    mins = [c.idle_floor for c in cap.classes if c.idle_floor.location is not None]
    message = (
        f"{len(cap.classes)} classes keep FcgidMinProcessesPerClass processes each once they have run, "
        f"{floor} in all, which is FcgidMaxProcesses {limit} or more: idle and lifetime scans never reap them, so "
        f"once enough vhosts have had traffic no class can start a process and requests end in 503 'can't apply "
        f"process slot'{_gib(floor, cap.classes)}; lower FcgidMinProcessesPerClass (0 or 1 on a shared server) or "
        f"raise FcgidMaxProcesses above {floor}"
    )
    at = _server_anchor(model, cap, *mins, cap.max_processes)
    yield Hit(at, message, chain=_lines(cap.idle_floor) + [f"FcgidMaxProcesses: {s}" for s in cap.max_processes.chain])


@check("FCG024")
def max_processes_above_workers(model: Model) -> Iterator[Hit]:
    """More php-cgi processes may exist than httpd has workers to keep them busy."""
    cap = capacity.of(model)
    if cap is None or not cap.classes or cap.workers.ceiling.number is None or cap.max_processes.number is None:
        return
    workers = int(cap.workers.ceiling.number)
    possible = min(int(cap.max_processes.number), int(sum(c.processes.number or 0 for c in cap.classes)))
    if possible <= workers:
        return
    message = (
        f"mod_fcgid may run up to {possible} processes (FcgidMaxProcesses {cap.max_processes.number} and the "
        f"per-class ceilings of {len(cap.classes)} classes) but only {workers} httpd workers ({cap.workers.mpm} MPM) "
        f"can keep them busy: the other {possible - workers} only hold memory{_gib(possible, cap.classes)}; set "
        f"FcgidMaxProcesses to {workers} or lower the per-class ceilings"
    )
    at = _server_anchor(model, cap, cap.max_processes)
    chain = [f"FcgidMaxProcesses: {s}" for s in cap.max_processes.chain] + _lines(cap.workers.ceiling)
    yield Hit(at, message, _worker_related(cap), chain)


def _stops(cap: ServerCapacity, cc: ClassCapacity | None) -> list[tuple[Value, str]]:
    """Settings under which mod_fcgid stops starting processes for good, with what they do."""
    score, found = cap.score, []
    total, limit, time_ = cap.max_processes, score["FcgidSpawnScoreUpLimit"], score["FcgidTimeScore"]
    cost = (score["FcgidSpawnScore"].number or 0) + (score["FcgidTerminationScore"].number or 0)
    if cc is None:
        if total.number is not None and total.number <= 0:
            found.append((total, "no process is ever started: the total count 0 is already at the limit "
                                 "(fcgid_spawn_ctl.c L167-173)"))
        if limit.number is not None and limit.number <= 0:
            found.append((limit, "after its first process a class never starts another: its score, never below 0, "
                                 "is always at the limit (fcgid_spawn_ctl.c L115-117, L203-210)"))
        if time_.number is not None and time_.number <= 0 < cost:
            found.append((time_, "the score never decays, so once a class has started about "
                                 f"{limit.number} processes it never starts another (fcgid_spawn_ctl.c L110-113)"))
        return found
    per_class = cc.pc.values["FcgidMaxProcessesPerClass"]
    if per_class.number is not None and per_class.number <= 0:
        found.append((per_class, f"{cc.pc.label} gets its first process and never another: its count is always at "
                                 "the limit (fcgid_spawn_ctl.c L215-221)"))
    return found


@check("FCG025")
def spawning_stops(model: Model) -> Iterator[Hit]:
    """A spawn-score or process-count setting under which mod_fcgid stops starting processes for good."""
    cap = capacity.of(model)
    if cap is None or not cap.classes:
        return
    for cc in [None, *cap.classes]:
        for value, effect in _stops(cap, cc):
            at = value.location or _anchor(cap.classes[0].pc if cc is None else cc.pc)
            message = (f"{value.name} {value.raw}: {effect}; every request that finds no free process waits about a "
                       "minute and ends in 503 'can't apply process slot'")
            yield Hit(at, message, chain=[f"{value.name}: {s}" for s in value.chain],
                      scope=scope_of(cc.pc) if cc is not None else None)
