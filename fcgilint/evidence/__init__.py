"""Evidence reader: what strace captures and Apache logs prove about a set-up.

Public API (stable; the ``check`` and ``fix`` commands rely on it)::

    from fcgilint.evidence import analyse
    report = analyse([Path("strace.out"), Path("error.log")])
    report.detections            # list[Detection]
    report.inferred              # list[Inferred]
    report.warnings              # list[str]
    report.inputs                # list[(file, kind)]: what each file was read as
    report.loads                 # list[Load]: measured rate and concurrency per vhost (access logs)
    report.for_rule("FCG001")    # detections that confirm config rule FCG001
    report.to_json()             # the JSON document described in docs/trace.md

``analyse(paths)`` sniffs each file: strace output (``-f``, single process, or a
``-ff`` group ``prefix.PID``, whose members are read as one capture), Apache
error log (2.2 or 2.4 default format) or access log (common/combined); ``.gz``
files are read transparently; an error log may be pasted (prefixes, no
timestamps, bare messages, suEXEC and php-fpm logs).  Files of no known kind are
skipped with a warning, and ``report.recognised`` is False when none was known;
unreadable files raise :class:`EvidenceError` (one line, meant for the user).

``Detection`` fields: ``kind`` (e.g. ``request-limit-race``), ``count``,
``first``/``last`` (time as printed by the source, ISO 8601 for logs and
``-ttt``; ``None`` when the source has no clock time), ``pids`` (at most 50),
``socket`` (FastCGI socket directory), ``wrapper`` (program mod_fcgid started),
``rule`` (config rule confirmed, or ``None``) and ``samples`` (at most 5
``(file, line number, text)`` tuples).  ``Inferred`` fields: ``socket``,
``wrapper``, ``php_fcgi_max_requests``, ``processes``.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fcgilint.numbers import saturated
from fcgilint.evidence.detect import SPAWNED, AccessLogDetector, ErrorLogDetector, StraceCorrelator
from fcgilint.evidence.load import read_load
from fcgilint.evidence.logs import (
    AccessLogReader,
    ErrorLogReader,
    looks_like_access_log,
    looks_like_error_log,
    open_text,
)
from fcgilint.evidence.model import Collector, Detection, EvidenceReport, Inferred
from fcgilint.evidence.strace import StraceReader

__all__ = ["Detection", "EvidenceError", "EvidenceReport", "Inferred", "ProgressHook", "analyse", "sniff"]

_SNIFF_LINES = 40
_SNIFF_BYTES = 64 * 1024
#: What reading a damaged, compressed or vanished file can raise.
_READ_ERRORS = (OSError, EOFError, UnicodeError, zlib.error)
_STRACE_LINE = re.compile(
    r"^ *(?:\[pid +\d+\] +|\d+ +)?(?:\d\d:\d\d:\d\d(?:\.\d+)? +|\d+\.\d+ +)?"
    r"(?:[a-z_][a-z0-9_]*\(|<\.\.\. \w+ resumed>|\+\+\+ |--- SIG|\) = )"
)
_PID_PREFIX = re.compile(r"^(?:\[pid +\d+\]|\d+) +(?:\d\d:\d\d|\d+\.\d+ +)?")
_FF_NAME = re.compile(r"^(?P<prefix>.+)\.(?P<pid>\d+)(?:\.gz)?$")

#: Called with (bytes done in the current file, its size, file name).
ProgressHook = Callable[[int, int, str], None]


class EvidenceError(Exception):
    """An input problem worth one line to the user (unreadable file, ...)."""


@dataclass
class _Input:
    path: Path
    kind: str
    has_pid: bool = True
    label: str = ""  # the name shown in samples and warnings ("-" for standard input)

    def __post_init__(self) -> None:
        self.label = self.label or str(self.path)


def _head_lines(path: Path) -> list[str]:
    """The first non-empty lines, from at most the first 64 KiB (a binary file has no lines)."""
    try:
        with open_text(path) as handle:
            head = handle.read(_SNIFF_BYTES)
    except _READ_ERRORS as exc:
        raise EvidenceError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    return [line for line in head.splitlines() if line.strip()][:_SNIFF_LINES]


def sniff(path: Path) -> str:
    """``strace``, ``error``, ``access``, ``empty`` or ``unknown``, by majority of the first lines."""
    return _sniff(path).kind


def _sniff(path: Path) -> _Input:
    if not path.is_file():
        raise EvidenceError(f"cannot read {path}: not a file")
    lines = _head_lines(path)
    if not lines:
        return _Input(path, "empty")
    votes = {"strace": 0, "error": 0, "access": 0}
    for line in lines:
        if _STRACE_LINE.match(line):
            votes["strace"] += 1
        elif looks_like_error_log(line):
            votes["error"] += 1
        elif looks_like_access_log(line):
            votes["access"] += 1
    kind, best = max(votes.items(), key=lambda item: item[1])
    # A pasted error-log excerpt comes with the PHP output and prose around it: a quarter will do.
    share = 4 if kind == "error" else 2
    if best == 0 or best * share < len(lines):
        return _Input(path, "unknown")
    has_pid = any(_PID_PREFIX.match(line) for line in lines) if kind == "strace" else True
    return _Input(path, kind, has_pid)


def _ff_groups(inputs: list[_Input]) -> list[list[tuple[_Input, int | None]]]:
    """Group strace files into captures: ``prefix.PID`` files without pid prefixes form one."""
    groups: dict[str, list[tuple[_Input, int | None]]] = {}
    captures: list[list[tuple[_Input, int | None]]] = []
    for item in inputs:
        match = _FF_NAME.match(item.path.name)
        if item.has_pid or match is None:
            captures.append([(item, None)])
            continue
        key = str(item.path.parent / match.group("prefix"))
        groups.setdefault(key, []).append((item, saturated(match.group("pid"))))
    for members in groups.values():
        members.sort(key=lambda member: member[1] or 0)
        captures.append(members)
    return captures


def _read_strace(capture: list[tuple[_Input, int | None]], sink: Collector, progress: ProgressHook | None) -> None:
    correlator = StraceCorrelator(sink)
    for item, pid in capture:
        reader = StraceReader(item.path, pid=pid, wanted=correlator.wants)
        source = item.label
        size = item.path.stat().st_size
        hook = (lambda done, _s=size, _n=source: progress(done, _s, _n)) if progress else None
        try:
            for record in reader.records(hook):
                correlator.feed(record, source)
        except _READ_ERRORS as exc:
            raise EvidenceError(f"cannot read {item.path}: {exc}") from exc
        if reader.corrupt:
            sink.warn(
                f"{source}: {reader.corrupt} unparsable strace line(s) skipped (first at line {reader.first_corrupt})"
            )
        if reader.relative:
            sink.warn(f"{source}: relative timestamps (-r); first/last times are not shown")
    correlator.finish()


def _read_spawns(item: _Input, sink: Collector) -> None:
    """mod_fcgid's ``server HOST:CMD(PID) started`` lines, read before the strace captures.

    They tie a php-cgi pid to the vhost it was started for, so a race strace
    shows on that pid is that vhost's. Only lines with the words are parsed.
    """
    try:
        with open_text(item.path) as handle:
            for raw in handle:
                if ") started" in raw and (found := SPAWNED.search(raw.rstrip("\r\n"))) is not None:
                    if found.group(1) and found.group(1) != "(unknown)":
                        sink.spawned(saturated(found.group(3)), found.group(1))
    except _READ_ERRORS as exc:
        raise EvidenceError(f"cannot read {item.path}: {exc}") from exc


def _read_error_log(item: _Input, sink: Collector) -> None:
    reader = ErrorLogReader(item.path)
    detector = ErrorLogDetector(sink, item.label)
    try:
        for line in reader.lines():
            detector.feed(line)
    except _READ_ERRORS as exc:
        raise EvidenceError(f"cannot read {item.path}: {exc}") from exc
    detector.finish()
    if reader.unparsable:
        sink.warn(f"{item.label}: {reader.unparsable} line(s) not in a default error-log format skipped")


def _read_access_log(item: _Input, sink: Collector) -> None:
    reader = AccessLogReader(item.path)
    detector = AccessLogDetector(sink, item.label)
    try:
        for line in reader.errors():
            detector.feed(line)
    except _READ_ERRORS as exc:
        raise EvidenceError(f"cannot read {item.path}: {exc}") from exc
    if reader.unparsable:
        sink.warn(f"{item.label}: {reader.unparsable} line(s) not in common/combined format skipped")
    try:
        sink.measured(read_load(item.path))
    except _READ_ERRORS as exc:
        raise EvidenceError(f"cannot read {item.path}: {exc}") from exc


def analyse(
    paths: list[Path], progress: ProgressHook | None = None, labels: dict[Path, str] | None = None
) -> EvidenceReport:
    """Read every file in ``paths`` and return what they show.

    ``labels`` names files in samples and warnings by something else than their
    path (standard input, spooled to a temporary file, is shown as ``-``).
    Raises :class:`EvidenceError` when a file cannot be read.
    """
    sink = Collector()
    inputs = [_sniff(Path(p)) for p in paths]
    for item in inputs:
        item.label = (labels or {}).get(item.path, item.label)
    traces = [item for item in inputs if item.kind == "strace"]
    if traces:
        for item in inputs:
            if item.kind == "error":
                _read_spawns(item, sink)
    for capture in _ff_groups(traces):
        _read_strace(capture, sink, progress)
    for item in inputs:
        if item.kind == "error":
            _read_error_log(item, sink)
        elif item.kind == "access":
            _read_access_log(item, sink)
        elif item.kind == "empty":
            sink.warn(f"{item.label}: empty; nothing to read")
        elif item.kind == "unknown":
            sink.warn(f"{item.label}: not strace output nor an Apache error/access log; skipped")
        sink.read(item.label, item.kind)
    return sink.report()
