"""Readers for Apache's error log and access log, as written and as pasted.

An error-log line is read wherever its httpd part starts: after a syslog, journald
or ``%v`` prefix, with or without the ``[time]``, in httpd 2.4's default layout
(``[module:level] [pid P:tid T]``), 2.2's (``[level] [client IP]``), or as the bare
message an admin copies out of a thread (``mod_fcgid: read data timeout in 40
seconds``). suEXEC's own log (``[YYYY-MM-DD HH:MM:SS]: message``) and php-fpm's
(``[01-Dec-2026 10:00:00] WARNING: [pool www] ...``) are read too, so their lines
can be named. Both readers stream, skip lines that cannot matter before running a
regex on them, and read ``.gz`` files transparently. The patterns follow httpd's
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

from fcgilint.numbers import saturated

_TIME = r"\w{3} \w{3} [ \d]\d \d{2}:\d{2}:\d{2}(?:\.\d+)? \d{4}"
_LEVELS = r"emerg|alert|crit|error|warn|notice|info|debug|trace[1-8]"
#: The httpd part of a line, from its first field on; every field but the message is optional.
_ERROR = re.compile(
    rf"(?:\[(?P<ts>{_TIME})\] ?)?"
    rf"(?:\[(?:(?P<module>[\w.-]*):)?(?P<level>{_LEVELS})\] ?)?"
    r"(?:\[pid (?P<pid>\d+)(?::tid (?P<tid>\d+))?\] ?)?"
    r"(?:(?P<src>\S+\(\d+\)): )?(?:\((?P<errno>(?:OS |EAI |os 0x)?[\d a-f]+)\)(?P<errstr>[^:]*): ?)?"
    r"(?:\[(?:client|remote) (?P<client>[^\]]+)\] ?)?"
    r"(?:\((?P<errno2>(?:OS |EAI |os 0x)?[\d a-f]+)\)(?P<errstr2>[^:]*): )?"
    r"(?P<msg>.*?)(?:, referer: (?P<referer>.*))?$"
)
#: Where the httpd part of a prefixed line starts: its [time], its [module:level] or [level].
_START = re.compile(rf"\[(?:{_TIME})\]|\[(?:[\w.-]*:)?(?:{_LEVELS})\] ")
#: Messages recognised without any bracket before them (bare lines pasted from a thread).
_BARE = re.compile(
    r"(?:\((?:OS |EAI )?\d+\)[^:]*: )?(?:\[client [^\]]+\] ?)?"
    r"(?:mod_fcgid: |End of script output before headers|Premature end of script headers|suexec policy violation"
    r"|(?:\S*[/.]\S*: )?Invalid command '|AH\d{5}: |FastCGI: |FCGI: )"
)
_SUEXEC = re.compile(r"^\[(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\]: (?P<msg>.*)$")
_FPM = re.compile(r"^\[(?P<ts>\d\d-\w{3}-\d{4} \d\d:\d\d:\d\d(?:\.\d+)?)\] (?P<level>[A-Z]+): (?P<msg>.*)$")
_ISO_PREFIX = re.compile(r"(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?)")
_LEVEL_WORDS = frozenset(_LEVELS.split("|")) | {f"trace{n}" for n in range(1, 9)}
#: A prefix is at most this long (syslog host and tag, a vhost name, a journald header).
_MAX_PREFIX = 200
#: A ServerName as ``%v`` prints it (``%v:%p`` adds the port): a name with a letter, or an IPv4 address (so a
#: time or a bare number is none).
_HOST = re.compile(
    r"^\[?((?=[\w.-]*[A-Za-z])[A-Za-z0-9_][\w.-]*|\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?\]?$"
)
#: A ``[%v]`` column first on the line, before the [time] or [module:level].
_BRACKETED_HOST = re.compile(r"^\[(?=[\w.-]*[A-Za-z])[A-Za-z0-9_][\w.-]*(?::\d+)?\] (?=\[)")
# An optional first field is %v or %v:%p (Debian's vhost_combined).
_ACCESS = re.compile(
    r'^(?:(?P<vhost>\S+) )?(?P<host>\S+) \S+ \S+ \[(?P<ts>[^\]]+)\] "(?:[^"\\]|\\.)*" (?P<status>\d{3}) '
)

#: Error-log lines without one of these words cannot feed any detector.
_ERROR_KEYWORDS = (
    "mod_fcgid", "script", "shutting down", "restart", "Invalid command", "not allowed here", "suexec", "FastCGI",
    "FCGI", "proxy_fcgi", "pool ", "fpm", "uid", "docroot", "writable", "permission", "mismatch",
)


@dataclass(slots=True)
class ErrorLine:
    """One parsed error-log line.  ``tid`` and ``module`` exist only in 2.4 logs.

    ``source`` is ``httpd`` for Apache's lines, ``suexec`` or ``php-fpm`` for theirs.
    """

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
    source: str = "httpd"
    vhost: str | None = None  # an ErrorLogFormat ``%v`` column before the httpd part


@dataclass(slots=True)
class AccessLine:
    """One access-log request with a 5xx status."""

    lineno: int
    when: datetime | None
    status: int
    text: str
    vhost: str | None = None  # a leading %v (or %v:%p) field


def open_text(path: Path) -> TextIO:
    """Open a log as text, gunzipping when the file starts with the gzip magic."""
    with open(path, "rb") as probe:
        gz = probe.read(2) == b"\x1f\x8b"
    if gz:
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def _error_time(text: str) -> datetime | None:
    for fmt in ("%a %b %d %H:%M:%S.%f %Y", "%a %b %d %H:%M:%S %Y", "%Y-%m-%d %H:%M:%S", "%d-%b-%Y %H:%M:%S",
                "%d-%b-%Y %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _httpd_part(line: str) -> tuple[int, bool] | None:
    """Where the httpd part of a line starts, and whether it carries brackets; None when it has none."""
    if line.startswith("["):
        column = _BRACKETED_HOST.match(line)
        if column is not None and _START.match(line, column.end()):
            return column.end(), True
        return 0, True
    bracket = _START.search(line, 0, _MAX_PREFIX + 40)
    if bracket is not None and bracket.start() <= _MAX_PREFIX:
        return bracket.start(), True
    bare = _BARE.search(line, 0, _MAX_PREFIX + 80)
    if bare is not None and bare.start() <= _MAX_PREFIX:
        return bare.start(), False
    return None


def _other_log(lineno: int, line: str) -> ErrorLine | None:
    """A suEXEC or php-fpm log line."""
    suexec = _SUEXEC.match(line)
    if suexec is not None:
        return ErrorLine(lineno, _error_time(suexec.group("ts")), "error", "suexec", None, None, None, None,
                         suexec.group("msg"), line, "suexec")
    fpm = _FPM.match(line)
    if fpm is not None:
        return ErrorLine(lineno, _error_time(fpm.group("ts")), fpm.group("level").lower(), "php-fpm", None, None,
                         None, None, fpm.group("msg"), line, "php-fpm")
    return None


def parse_error_line(lineno: int, line: str) -> ErrorLine | None:
    """Parse one error-log line, prefixed or bare; ``None`` when no httpd message is in it."""
    other = _other_log(lineno, line) if line.startswith("[") else None
    if other is not None:
        return other
    start = _httpd_part(line)
    if start is None:
        return None
    offset, bracketed = start
    match = _ERROR.match(line, offset)
    if match is None or (bracketed and not (match.group("ts") or match.group("level"))):
        return None
    moment = _error_time(match.group("ts")) if match.group("ts") else _prefix_time(line[:offset])
    pid, tid = match.group("pid"), match.group("tid")
    return ErrorLine(
        lineno, moment, match.group("level") or "", match.group("module") or None, saturated(pid) if pid else None,
        saturated(tid) if tid else None, match.group("errno") or match.group("errno2"), match.group("client"),
        match.group("msg"), line, vhost=prefix_vhost(line[:offset]) if offset else None,
    )


def prefix_vhost(prefix: str) -> str | None:
    """The vhost an ``ErrorLogFormat`` column names before the httpd part (``%v``, ``[%v]``, ``%{cu}t %v %l``).

    Only a prefix that is that one word (after an ISO time and a level) names a
    vhost: a syslog or journald prefix (``Dec  1 10:00:01 host apache2[123]:``)
    carries the machine's name and a tag, never the vhost, and has more words.
    """
    words = _ISO_PREFIX.sub("", prefix, count=1).split()
    if words and words[-1].lower() in _LEVEL_WORDS:
        words.pop()
    if len(words) != 1:
        return None
    found = _HOST.match(words[0])
    return found.group(1) if found else None


def _prefix_time(prefix: str) -> datetime | None:
    """An ISO 8601 time in a syslog or journald prefix (RFC 5424, rsyslog's high-precision format)."""
    found = _ISO_PREFIX.search(prefix) if prefix else None
    return _error_time(found.group(1)) if found else None


class ErrorLogReader:
    """Stream the relevant lines of an error log; count lines in neither format.

    Lines with no httpd part are raw stdout/stderr of FastCGI children
    (e.g. ``PHP_FCGI_MAX_REQUESTS is not valid``) or the text around a pasted
    excerpt, and are not counted as bad; a line that starts like httpd's (``[``)
    but does not parse is.
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
                status = saturated(match.group("status"))
                if status >= 500:
                    vhost = match.group("vhost")
                    if vhost is not None and re.search(r":\d+$", vhost):
                        vhost = vhost.rsplit(":", 1)[0]
                    yield AccessLine(lineno, _access_time(match.group("ts")), status, line, vhost)


def looks_like_error_log(line: str) -> bool:
    """True for an error-log line in any form :func:`parse_error_line` reads."""
    return parse_error_line(0, line) is not None


def looks_like_access_log(line: str) -> bool:
    """True for a common/combined access-log line."""
    return bool(_ACCESS.match(line))
