"""Readers for Apache's error log (2.2 and 2.4 default formats) and access log.

Only the default ``ErrorLogFormat`` is understood; a custom 2.4 format changes
the field order and is reported as unparsable lines.  Both readers stream, skip
lines that cannot matter before running a regex on them, and read ``.gz`` files
transparently.  The error-log patterns follow the reference notes on httpd's
``log_error_core`` (2.2) and ``do_errorlog_default`` (2.4).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

_ERROR_24 = re.compile(
    r"^\[(?P<ts>\w{3} \w{3} [ \d]\d \d{2}:\d{2}:\d{2}(?:\.\d{6})? \d{4})\] "
    r"\[(?P<module>[\w.-]+):(?P<level>\w+)\] \[pid (?P<pid>\d+)(?::tid (?P<tid>\d+))?\] "
    r"(?:(?P<src>\S+\(\d+\)): )?(?:\((?P<errno>(?:OS |EAI |os 0x)?[\d a-f]+)\)(?P<errstr>[^:]*): )?"
    r"(?:\[(?:client|remote) (?P<client>[^\]]+)\] )?(?P<msg>.*?)(?:, referer: (?P<referer>.*))?$"
)
_ERROR_22 = re.compile(
    r"^\[(?P<ts>\w{3} \w{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})\] \[(?P<level>\w+)\] "
    r"(?:(?P<src>\S+\(\d+\)): )?(?:\[client (?P<client>[^\]]+)\]\s*)?"
    r"(?:\((?P<errno>(?:OS |EAI |os 0x)?[\d a-f]+)\)(?P<errstr>[^:]*): )?(?P<msg>.*?)(?:, referer: (?P<referer>.*))?$"
)
_ACCESS = re.compile(r'^(?P<host>\S+) \S+ \S+ \[(?P<ts>[^\]]+)\] "(?:[^"\\]|\\.)*" (?P<status>\d{3}) ')

#: Error-log lines without one of these words cannot feed any detector.
_ERROR_KEYWORDS = ("mod_fcgid", "script", "shutting down", "restart")


@dataclass(slots=True)
class ErrorLine:
    """One parsed error-log line.  ``tid`` and ``module`` exist only in 2.4 logs."""

    lineno: int
    when: datetime | None
    level: str
    module: str | None
    pid: int | None
    tid: int | None
    errno: str | None
    client: str | None
    msg: str
    text: str


@dataclass(slots=True)
class AccessLine:
    """One access-log request with a 5xx status."""

    lineno: int
    when: datetime | None
    status: int
    text: str


def open_text(path: Path) -> TextIO:
    """Open a log as text, gunzipping when the file starts with the gzip magic."""
    with open(path, "rb") as probe:
        gz = probe.read(2) == b"\x1f\x8b"
    if gz:
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def _error_time(text: str) -> datetime | None:
    for fmt in ("%a %b %d %H:%M:%S.%f %Y", "%a %b %d %H:%M:%S %Y"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def parse_error_line(lineno: int, line: str) -> ErrorLine | None:
    """Parse one error-log line in either default format; ``None`` when it is neither."""
    match = _ERROR_24.match(line)
    if match is not None:
        tid = match.group("tid")
        return ErrorLine(
            lineno,
            _error_time(match.group("ts")),
            match.group("level"),
            match.group("module"),
            int(match.group("pid")),
            int(tid) if tid else None,
            match.group("errno"),
            match.group("client"),
            match.group("msg"),
            line,
        )
    match = _ERROR_22.match(line)
    if match is None:
        return None
    return ErrorLine(
        lineno, _error_time(match.group("ts")), match.group("level"), None, None, None,
        match.group("errno"), match.group("client"), match.group("msg"), line,
    )


class ErrorLogReader:
    """Stream the relevant lines of an error log; count lines in neither format.

    Lines without a leading ``[`` are raw stdout/stderr of FastCGI children
    (e.g. ``PHP_FCGI_MAX_REQUESTS is not valid``) and are not counted as bad.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.unparsable = 0

    def lines(self) -> Iterator[ErrorLine]:
        """Yield parsed lines that mention mod_fcgid, scripts, shutdown or restart."""
        with open_text(self.path) as handle:
            for lineno, raw in enumerate(handle, 1):
                if not any(word in raw for word in _ERROR_KEYWORDS):
                    continue
                line = raw.rstrip("\r\n")
                parsed = parse_error_line(lineno, line)
                if parsed is None:
                    if line.startswith("["):
                        self.unparsable += 1
                    continue
                yield parsed


def _access_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%d/%b/%Y:%H:%M:%S %z")
    except ValueError:
        return None


class AccessLogReader:
    """Stream the 5xx requests of a common/combined access log."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.unparsable = 0

    def errors(self) -> Iterator[AccessLine]:
        """Yield the requests answered with a 5xx status."""
        with open_text(self.path) as handle:
            for lineno, raw in enumerate(handle, 1):
                if '" 5' not in raw:
                    continue
                line = raw.rstrip("\r\n")
                match = _ACCESS.match(line)
                if match is None:
                    self.unparsable += 1
                    continue
                status = int(match.group("status"))
                if status >= 500:
                    yield AccessLine(lineno, _access_time(match.group("ts")), status, line)


def looks_like_error_log(line: str) -> bool:
    """True for a line in one of the two default error-log formats."""
    return bool(_ERROR_24.match(line) or _ERROR_22.match(line))


def looks_like_access_log(line: str) -> bool:
    """True for a common/combined access-log line."""
    return bool(_ACCESS.match(line))
