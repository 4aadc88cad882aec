"""Result types of the evidence reader and the collector that builds them.

Detections are aggregated as they are found (one :class:`Detection` per kind,
socket directory, wrapper and rule), so a capture with a million matching lines
still yields a handful of objects: counts grow, sample and pid lists are capped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from fcgilint.evidence.kinds import RULE_OF_KIND
from fcgilint.evidence.load import Load

#: At most this many samples per detection (file, line, text).
MAX_SAMPLES = 5
#: At most this many distinct pids are listed per detection; ``count`` is exact.
MAX_PIDS = 50
#: Sample lines longer than this are cut, so one huge strace buffer cannot bloat a report.
MAX_SAMPLE_CHARS = 400
#: At most this many php-cgi pids are remembered with the vhost they were started for.
MAX_SPAWNED = 1 << 20



@dataclass
class Detection:
    """One named pattern found in the evidence, aggregated over all its occurrences."""

    kind: str
    count: int = 0
    first: str | None = None
    last: str | None = None
    pids: list[int] = field(default_factory=list)
    socket: str | None = None
    wrapper: str | None = None
    rule: str | None = None
    samples: list[tuple[str, int, str]] = field(default_factory=list)
    #: error-log detections of the very same requests (same worker thread, same moment), merged into this one
    logged: dict[str, int] = field(default_factory=dict)
    #: the virtual host (ServerName) the occurrences belong to, None when the input does not tell
    vhost: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape documented in docs/trace.md."""
        return {
            "kind": self.kind,
            "count": self.count,
            "first": self.first,
            "last": self.last,
            "pids": list(self.pids),
            "socket": self.socket,
            "wrapper": self.wrapper,
            "rule": self.rule,
            "samples": [{"file": f, "line": n, "text": t} for f, n, t in self.samples],
            "logged": dict(self.logged),
            "vhost": self.vhost,
        }


@dataclass
class Inferred:
    """A PHP_FCGI_MAX_REQUESTS value read off the processes' behaviour.

    ``processes`` is how many php-cgi processes, started and ended inside the
    capture, accepted exactly ``php_fcgi_max_requests`` requests and then exited
    on their own.
    """

    socket: str | None
    wrapper: str | None
    php_fcgi_max_requests: int
    processes: int
    vhost: str | None = None  # from mod_fcgid's "server HOST:CMD(PID) started" lines for these pids

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape documented in docs/trace.md."""
        return {
            "socket": self.socket,
            "wrapper": self.wrapper,
            "php_fcgi_max_requests": self.php_fcgi_max_requests,
            "processes": self.processes,
            "vhost": self.vhost,
        }


#: At most this many php-cgi lives and failures are kept for the timeline (``trace --html``).
MAX_TIMELINE = 20000
#: Error-log kinds and the strace kinds that describe the same failed request from the other side.
SAME_REQUEST = {
    "fcgi-read-error": ("request-limit-race", "fcgi-reset", "php-crash"),
    "shutdown-reset": ("shutdown-reset",),
    "io-timeout": ("io-timeout",),
}
#: A log line and a strace record of one request are at most this far apart (seconds).
SAME_MOMENT = 2.0


@dataclass(frozen=True)
class Life:
    """One php-cgi process seen in a strace capture, for the timeline.

    Times are the capture's sort keys (seconds), ``None`` where the capture does
    not show them (the process was already running, or still runs at the end).
    ``fate`` is ``exited`` (on its own), a signal name, or ``running``.
    """

    pid: int
    socket: str | None
    wrapper: str | None
    start: float | None
    end: float | None
    requests: int
    fate: str


@dataclass(frozen=True)
class Failure:
    """One failed FastCGI request, for the timeline: when, which kind, on which php-cgi (if known)."""

    at: float
    shown: str
    kind: str
    pid: int | None
    socket: str | None


@dataclass(frozen=True)
class Piece:
    """The part of an error-log detection that one file holds, before files are merged.

    A line of a vhost's own ``ErrorLog`` belongs to that vhost, but only the
    configuration knows which file that is; the reader keeps each file's part
    apart so :meth:`EvidenceReport.attributed` can give it its vhost later.
    """

    origin: str
    detection: Detection
    first_key: float | None
    last_key: float | None


def _sort_key(found: Detection) -> tuple[bool, str, str, str, str, str]:
    return (
        found.rule is None, found.rule or "", found.kind, found.socket or "", found.wrapper or "", found.vhost or ""
    )


def merge(pieces: list[Piece], files: dict[str, str | None]) -> list[Detection]:
    """One detection per kind, socket, wrapper, rule and vhost; ``files`` gives the vhost of a file's lines."""
    groups: dict[tuple[str, str | None, str | None, str | None, str | None], list[Piece]] = {}
    for piece in pieces:
        found = piece.detection
        vhost = found.vhost or files.get(piece.origin)
        groups.setdefault((found.kind, found.socket, found.wrapper, found.rule, vhost), []).append(piece)
    return [_combined(group, key[4]) for key, group in groups.items()]


def _combined(group: list[Piece], vhost: str | None) -> Detection:
    """The pieces of one detection as one: counts added, the earliest first, the latest last."""
    head = group[0].detection
    timed = [p for p in group if p.first_key is not None]
    first = min(timed, key=lambda p: p.first_key or 0.0).detection.first if timed else head.first
    last = max(timed, key=lambda p: p.last_key or 0.0).detection.last if timed else head.last
    pids: list[int] = []
    for piece in group:
        pids += [pid for pid in piece.detection.pids if pid not in pids]
    logged: Counter[str] = Counter()
    for piece in group:
        logged.update(piece.detection.logged)
    return Detection(
        head.kind, sum(p.detection.count for p in group), first, last, sorted(pids[:MAX_PIDS]), head.socket,
        head.wrapper, head.rule, [s for p in group for s in p.detection.samples][:MAX_SAMPLES], dict(logged), vhost,
    )


@dataclass
class EvidenceReport:
    """Everything :func:`fcgilint.evidence.analyse` found."""

    detections: list[Detection] = field(default_factory=list)
    inferred: list[Inferred] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    inputs: list[tuple[str, str]] = field(default_factory=list)  # (file, strace|error|access|unknown)
    #: php-cgi lives and failed requests of strace captures, for ``trace --html`` (not in the JSON)
    lives: list[Life] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def recognised(self) -> bool:
        """False when no input was of a known kind: nothing was read, which is not a clean result."""
        return any(kind != "unknown" for _, kind in self.inputs)
    loads: list[Load] = field(default_factory=list)  # measured load per vhost, from access logs
    #: detections that name their vhost or need none, and the per-file parts of those that do not (not in the JSON)
    settled: list[Detection] = field(default_factory=list)
    pieces: list[Piece] = field(default_factory=list)

    def for_rule(self, rule_id: str) -> list[Detection]:
        """The detections that confirm config rule ``rule_id`` (e.g. ``FCG001``)."""
        return [d for d in self.detections if d.rule == rule_id]

    def attributed(self, files: dict[str, str | None]) -> EvidenceReport:
        """The same report with the lines of each file in ``files`` given that file's vhost (its ``ErrorLog``).

        A file that maps to None (the main server's log, which vhosts without
        an ``ErrorLog`` of their own share) tells no vhost.
        """
        if not any(files.get(p.origin) for p in self.pieces):
            return self
        detections = sorted([*self.settled, *merge(self.pieces, files)], key=_sort_key)
        return replace(self, detections=detections)

    def to_json(self) -> dict[str, Any]:
        """The stable JSON document documented in docs/trace.md."""
        return {
            "detections": [d.to_json() for d in self.detections],
            "inferred": [i.to_json() for i in self.inferred],
            "warnings": list(self.warnings),
            "inputs": [{"file": f, "kind": k} for f, k in self.inputs],
            "loads": [load.to_json() for load in self.loads],
        }


#: A detection under construction is found by kind, socket, wrapper, rule, vhost and (for error-log lines that
#: name no vhost) the file it came from.
Key = tuple[str, str | None, str | None, str | None, str | None, str | None]


@dataclass
class _Slot:
    """A detection under construction; keeps sortable times next to the shown ones."""

    detection: Detection
    first_key: float | None = None
    last_key: float | None = None
    pids: set[int] = field(default_factory=set)
    origin: str | None = None


When = tuple[float, str] | None


class Collector:
    """Accumulates detections, inferred limits and warnings from all detectors."""

    def __init__(self) -> None:
        self._slots: dict[Key, _Slot] = {}
        self._inferred: list[Inferred] = []
        self._warnings: list[str] = []
        self._inputs: list[tuple[str, str]] = []
        self._loads: list[Load] = []
        self._lives: list[Life] = []
        self._failures: list[Failure] = []
        #: (side, slot key, worker thread, seconds of the day) of each failed request, for merging
        self._requests: list[tuple[str, Key, int, float]] = []
        #: php-cgi pid -> the ServerName mod_fcgid started it for (``server HOST:CMD(PID) started``)
        self._spawned: dict[int, str] = {}

    def spawned(self, pid: int, host: str) -> None:
        """mod_fcgid started ``pid`` for vhost ``host``: the pid's later failures and exit are that vhost's."""
        if len(self._spawned) < MAX_SPAWNED:
            self._spawned[pid] = host

    def vhost_of(self, pid: int | None) -> str | None:
        """The vhost a php-cgi pid was started for, when an error log said so."""
        return self._spawned.get(pid) if pid is not None else None

    def life(self, life: Life) -> None:
        """Keep one php-cgi life for the timeline (bounded by MAX_TIMELINE)."""
        if len(self._lives) < MAX_TIMELINE:
            self._lives.append(life)

    def failure(self, failure: Failure) -> None:
        """Keep one failed request for the timeline (bounded by MAX_TIMELINE)."""
        if len(self._failures) < MAX_TIMELINE:
            self._failures.append(failure)

    def add(
        self,
        kind: str,
        *,
        when: When,
        sample: tuple[str, int, str],
        pid: int | None = None,
        socket: str | None = None,
        wrapper: str | None = None,
        rule: str | None = None,
        extra: list[tuple[str, int, str]] | None = None,
        linked: bool = True,
        thread: tuple[str, int | None] | None = None,
        vhost: str | None = None,
        origin: str | None = None,
    ) -> None:
        """Count one occurrence of ``kind``; ``rule`` defaults to the kind's rule.

        ``extra`` holds further lines of the same occurrence (the second line of
        an error-log pair) that are worth showing next to ``sample``. ``linked``
        False: the occurrence is not the rule's (a read error of a Perl app is
        no PHP_FCGI_MAX_REQUESTS race), so it confirms none. ``thread`` is
        (``strace`` or ``log``, the httpd worker thread) of a failed request, so
        the two sides of one request are counted once (see :meth:`report`).
        ``vhost`` is the vhost the line names; ``origin``, the file of an
        error-log line that names none (see :class:`Piece`).
        """
        rule = None if not linked else rule if rule is not None else RULE_OF_KIND.get(kind)
        origin = None if vhost is not None else origin
        key = (kind, socket, wrapper, rule, vhost, origin)
        if thread is not None and when is not None and thread[1] is not None and len(self._requests) < MAX_TIMELINE:
            self._requests.append((thread[0], key, thread[1], when[0] % 86400))
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = _Slot(Detection(kind, socket=socket, wrapper=wrapper, rule=rule, vhost=vhost),
                                            origin=origin)
        found = slot.detection
        found.count += 1
        if when is not None:
            sort_key, shown = when
            if slot.first_key is None or sort_key < slot.first_key:
                slot.first_key, found.first = sort_key, shown
            if slot.last_key is None or sort_key >= slot.last_key:
                slot.last_key, found.last = sort_key, shown
        if pid is not None and len(slot.pids) < MAX_PIDS:
            slot.pids.add(pid)
        for source, line, text in [sample, *(extra or [])]:
            if len(found.samples) < MAX_SAMPLES:
                found.samples.append((source, line, text[:MAX_SAMPLE_CHARS]))

    def infer(self, socket: str | None, wrapper: str | None, counts: Counter[int], vhost: str | None = None) -> None:
        """Record the PHP limit implied by per-process request counts, if they agree.

        Processes whose start fell before the capture or that crashed show other
        counts, so the most common count wins when at least two processes and
        at least half of them agree; otherwise say why nothing was inferred.
        """
        if not counts:
            return
        value, agreeing = counts.most_common(1)[0]
        total = sum(counts.values())
        if agreeing >= 2 and agreeing * 2 >= total:
            self._inferred.append(Inferred(socket, wrapper, value, agreeing, vhost))
            return
        seen = ", ".join(f"{n}×{c}" for c, n in sorted(counts.items()))
        self.warn(
            f"php-cgi processes of {wrapper or socket or 'an unknown class'} exited on their own after differing "
            f"request counts ({seen}); no PHP limit inferred"
        )

    def read(self, source: str, kind: str) -> None:
        """Record what an input file was read as."""
        self._inputs.append((source, kind))
    def measured(self, loads: list[Load]) -> None:
        """Add the load an access log shows."""
        self._loads.extend(loads)

    def warn(self, message: str) -> None:
        """Add a warning, once."""
        if message not in self._warnings:
            self._warnings.append(message)

    def _merge_same_requests(self) -> None:
        """Fold error-log detections into the strace detection of the same requests.

        strace prints the worker thread's id where the error log prints ``tid``;
        a log line and a failed strace exchange of one thread within
        :data:`SAME_MOMENT` seconds are one request, counted once, under the
        strace detection (which knows the php-cgi and its class).
        """
        by_thread: dict[int, list[int]] = {}
        for index, (side, _, thread, _) in enumerate(self._requests):
            if side == "strace":
                by_thread.setdefault(thread, []).append(index)
        used: set[int] = set()
        merged: Counter[tuple[Key, Key]] = Counter()
        for side, key, thread, moment in self._requests:
            if side != "log":
                continue
            for index in by_thread.get(thread, []):
                _, other, _, at = self._requests[index]
                gap = abs((at - moment + 43200) % 86400 - 43200)
                if index not in used and other[0] in SAME_REQUEST.get(key[0], ()) and gap <= SAME_MOMENT:
                    used.add(index)
                    merged[(other, key)] += 1
                    break
        for (strace_key, log_key), count in merged.items():
            ours, theirs = self._slots[strace_key].detection, self._slots[log_key].detection
            ours.logged[theirs.kind] = ours.logged.get(theirs.kind, 0) + count
            extra = [s for s in theirs.samples[:2] if s not in ours.samples]
            ours.samples = ours.samples[: MAX_SAMPLES - len(extra)] + extra
            theirs.count -= count
        for key in [k for k, slot in self._slots.items() if slot.detection.count <= 0]:
            del self._slots[key]

    def report(self) -> EvidenceReport:
        """The final report, detections ordered by rule, kind and first occurrence."""
        self._merge_same_requests()
        settled, pieces = [], []
        for slot in self._slots.values():
            slot.detection.pids = sorted(slot.pids)
            if slot.origin is None:
                settled.append(slot.detection)
            else:
                pieces.append(Piece(slot.origin, slot.detection, slot.first_key, slot.last_key))
        detections = sorted([*settled, *merge(pieces, {})], key=_sort_key)
        return EvidenceReport(
            detections, list(self._inferred), list(self._warnings), list(self._inputs),
            loads=list(self._loads), lives=list(self._lives), failures=list(self._failures), settled=settled,
            pieces=pieces,
        )
