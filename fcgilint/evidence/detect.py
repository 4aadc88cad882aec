"""Detectors: named patterns over strace records and Apache log lines.

Strace side (one :class:`StraceCorrelator` per capture; a ``-ff`` group is one
capture):

``request-limit-race`` (FCG001)
    An httpd thread connects to a FastCGI socket, writes the request, maybe
    polls, and its read (or write) fails with ECONNRESET/EPIPE or hits EOF, and
    the php-cgi bound to that socket called ``exit_group`` by itself, i.e.
    without a terminating signal first.  That is PHP_FCGI_MAX_REQUESTS retiring
    the process while mod_fcgid still routes it a request.
``shutdown-reset``
    The same failure, but the php-cgi had received SIGTERM/SIGKILL/... first:
    mod_fcgid's process manager stopping it (``apache2 -k stop``, graceful
    restart, idle or lifetime kill).  Not a configuration problem.
``php-crash``
    The same failure, but the php-cgi died of a non-terminating signal
    (SIGSEGV, SIGABRT ...).
``fcgi-reset``
    The same failure with the php-cgi side not in the capture, so it cannot be
    told apart.
``io-timeout`` (FCG003)
    A poll on an fd connected to a FastCGI socket returned ``0 (Timeout)``.

Besides detections, every php-cgi that started and ended inside the capture and
exited on its own contributes its number of accepted connections (accept on
fd 0, its listening socket); a count shared by the processes of one socket
directory and wrapper is reported as the inferred ``php_fcgi_max_requests``.

Error-log side (:class:`ErrorLogDetector`): ``fcgi-read-error`` (FCG001;
``error reading data from FastCGI server`` paired with the core ``End of script
output before headers``/``Premature end of script headers`` line of the same
request), ``shutdown-reset`` (the same pair within seconds of a shutdown
notice), ``io-timeout`` (FCG003), ``busy-timeout`` (FCG004),
``request-too-long`` (FCG005), ``no-process-slot`` (the 503 of a class that got no
process), ``spawn-failure`` and ``process-exit:<reason>``
per wrapper for the exit reasons that are not routine.  Access log
(:class:`AccessLogDetector`): ``http-<status>`` per 5xx status.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, field
from functools import partial
from datetime import UTC, datetime
from typing import Any

from fcgilint.evidence.kinds import STRACE_INPUTS
from fcgilint.numbers import saturated
from fcgilint.evidence.logs import AccessLine, ErrorLine
from fcgilint.evidence.model import Collector, Failure, Life, When
from fcgilint.evidence.strace import (
    Record,
    decorated_path,
    display_stamp,
    error_name,
    first_fd,
    first_string,
    poll_fds,
    return_value,
    socket_path,
    stamp_seconds,
)

#: Signals by which mod_fcgid or an admin asks a process to stop.
TERMINATING = frozenset({"SIGTERM", "SIGKILL", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1"})
#: mod_fcgid names app sockets ``<FcgidIPCDir>/<pm pid>.<counter>``.
_FCGID_SOCKET_NAME = re.compile(r"^\d+\.\d+$")
#: Bounded memory for finished processes and socket owners (LRU eviction).
_MEMORY = 65536
_BROKEN = frozenset({"ECONNRESET", "EPIPE"})


class _Lru(OrderedDict):
    """A dict that forgets its oldest entries beyond a fixed size."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: object, value: object) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        if len(self) > self.limit:
            self.popitem(last=False)


@dataclass(slots=True)
class _Conn:
    """An httpd thread's connection to a FastCGI socket."""

    path: str
    wrote: bool = False


@dataclass(slots=True)
class _Proc:
    """What is known about one traced process while it lives."""

    socket: str | None = None
    wrapper: str | None = None
    accepts: int = 0
    started: bool = False
    exit_called: bool = False
    signal: str | None = None
    born: float | None = None  # sort key of the clone that made it, for the timeline


@dataclass(slots=True)
class _Exit:
    """How a FastCGI app process ended."""

    on_its_own: bool
    signal: str | None
    wrapper: str | None


@dataclass(slots=True)
class _Reset:
    """A failed FastCGI exchange waiting for its php-cgi's fate to be known."""

    path: str
    pid: int
    when: When
    sample: tuple[str, int, str]


@dataclass
class StraceCorrelator:
    """Joins httpd-side connection failures with the php-cgi behind each socket."""

    sink: Collector
    _conns: dict[int, dict[int, _Conn]] = field(default_factory=dict)
    _last: dict[int, _Conn] = field(default_factory=dict)
    _procs: dict[int, _Proc] = field(default_factory=dict)
    _bound: dict[int, str] = field(default_factory=dict)
    _owner: _Lru = field(default_factory=lambda: _Lru(_MEMORY))
    _exits: _Lru = field(default_factory=lambda: _Lru(_MEMORY))
    _waiting: dict[str, list[_Reset]] = field(default_factory=dict)
    _classes: dict[tuple[str | None, str | None, str | None], Counter[int]] = field(default_factory=dict)

    def wants(self, pid: int) -> bool:
        """Whether ``pid`` has a FastCGI connection open (see :class:`StraceReader`)."""
        return bool(self._conns.get(pid))

    def feed(self, rec: Record, source: str) -> None:
        """Update the state with one record of file ``source``."""
        kind = rec.kind
        if kind == "call" or kind == "enter":
            handler = _HANDLERS.get(rec.name)
            if handler is not None:
                handler(self, rec, source)
            elif "(Timeout)" in rec.result or error_name(rec.result) in _BROKEN:
                self._on_poll(rec, source)
        elif kind == "signal":
            if rec.name in TERMINATING:
                self._proc(rec.pid).signal = rec.name
        else:
            self._finish_process(rec.pid, killed=rec.name if kind == "killed" else None, when=_when(rec))

    # -- httpd side -----------------------------------------------------------

    def _on_connect(self, rec: Record, source: str) -> None:
        """A connection counts from the first half of connect().

        The ``connect resumed`` half holds no needle, so it is not read.  When
        such a connect fails (the php-cgi is gone: ECONNREFUSED), mod_fcgid
        never writes on it, and only written connections can fail a request.
        """
        if not rec.head_known:
            return
        path = socket_path(rec.args)
        if path is None or not self._is_fastcgi(path):
            return
        if rec.kind == "call":
            value = return_value(rec.result)
            if value is None or value < 0:
                return
        fd, _ = first_fd(rec.args)
        if fd is None:
            return
        conn = _Conn(path)
        self._conns.setdefault(rec.pid, {})[fd] = conn
        self._last[rec.pid] = conn

    def _is_fastcgi(self, path: str) -> bool:
        return path in self._owner or bool(_FCGID_SOCKET_NAME.match(posixpath.basename(path)))

    def _conn_for(self, rec: Record, fd: int | None) -> _Conn | None:
        """The connection a call works on; the pid's latest one when the fd is not shown."""
        if rec.head_known and fd is not None:
            return self._conns.get(rec.pid, {}).get(fd)
        return self._last.get(rec.pid)

    def _on_write(self, rec: Record, source: str) -> None:
        fd, _ = first_fd(rec.args) if rec.head_known else (None, None)
        conn = self._conn_for(rec, fd)
        if conn is None:
            return
        conn.wrote = True
        if rec.kind == "call" and error_name(rec.result) in _BROKEN:
            self._failed(rec, source, conn)

    def _on_read(self, rec: Record, source: str) -> None:
        if rec.kind != "call":
            return
        broken = error_name(rec.result) in _BROKEN
        eof = return_value(rec.result) == 0 and '""' in rec.args
        if not (broken or eof):
            return
        fd, _ = first_fd(rec.args) if rec.head_known else (None, None)
        conn = self._conn_for(rec, fd)
        if conn is not None and conn.wrote:
            self._failed(rec, source, conn)

    def _on_poll(self, rec: Record, source: str) -> None:
        if rec.kind != "call":
            return
        conn = self._last.get(rec.pid)
        if conn is None or not conn.wrote:
            return
        if error_name(rec.result) in _BROKEN:
            self._failed(rec, source, conn)
            return
        if "(Timeout)" not in rec.result:
            return
        if rec.head_known and rec.args:
            fds = poll_fds(rec.args)
            watched = self._conns.get(rec.pid, {})
            if not any(watched.get(fd) is conn for fd in fds):
                return
        owner = self._owner.get(conn.path)
        proc = self._procs.get(owner) if owner is not None else None
        self.sink.add(
            "io-timeout", when=_when(rec), sample=(source, rec.lineno, rec.text), pid=rec.pid,
            socket=posixpath.dirname(conn.path), wrapper=proc.wrapper if proc else None, thread=("strace", rec.pid),
            vhost=self.sink.vhost_of(owner),
        )

    def _on_close(self, rec: Record, source: str) -> None:
        fd, _ = first_fd(rec.args)
        conns = self._conns.get(rec.pid)
        if fd is None or not conns:
            return
        conn = conns.pop(fd, None)
        if conn is not None and self._last.get(rec.pid) is conn:
            del self._last[rec.pid]

    def _failed(self, rec: Record, source: str, conn: _Conn) -> None:
        """One request lost on ``conn``; classify now or when its php-cgi ends."""
        conns = self._conns.get(rec.pid, {})
        for fd, known in list(conns.items()):
            if known is conn:
                del conns[fd]
        if self._last.get(rec.pid) is conn:
            del self._last[rec.pid]
        reset = _Reset(conn.path, rec.pid, _when(rec), (source, rec.lineno, rec.text))
        owner = self._owner.get(conn.path)
        if owner is not None and owner in self._exits:
            self._classify(reset, owner, self._exits[owner])
        else:
            self._waiting.setdefault(conn.path, []).append(reset)

    def _classify(self, reset: _Reset, owner: int | None, fate: _Exit | None) -> None:
        if fate is None:
            kind = "fcgi-reset"
        elif fate.on_its_own:
            kind = "request-limit-race"
        elif fate.signal in TERMINATING:
            kind = "shutdown-reset"
        else:
            kind = "php-crash"
        self.sink.add(
            kind, when=reset.when, sample=reset.sample, pid=owner if owner is not None else reset.pid,
            socket=posixpath.dirname(reset.path), wrapper=fate.wrapper if fate else None, thread=("strace", reset.pid),
            vhost=self.sink.vhost_of(owner),
        )
        if reset.when is not None:
            self.sink.failure(Failure(reset.when[0], reset.when[1], kind, owner, posixpath.dirname(reset.path)))

    # -- php-cgi side ---------------------------------------------------------

    def _proc(self, pid: int) -> _Proc:
        proc = self._procs.get(pid)
        if proc is None:
            proc = self._procs[pid] = _Proc()
        return proc

    def _on_bind(self, rec: Record, source: str) -> None:
        """The process manager names the socket before it forks the php-cgi.

        The first half is enough (the ``bind resumed`` half holds no needle); a
        bind that then fails is followed by no spawn, so it does no harm.
        """
        if not rec.head_known or (rec.kind == "call" and return_value(rec.result) != 0):
            return
        path = socket_path(rec.args)
        if path is not None:
            self._bound[rec.pid] = path
            self._owner[path] = rec.pid

    def _on_clone(self, rec: Record, source: str) -> None:
        if rec.kind != "call":
            return
        child = return_value(rec.result)
        if child is None or child <= 0 or "CLONE_THREAD" in rec.args:
            return
        proc = self._proc(child)
        proc.started = True
        when = _when(rec)
        proc.born = when[0] if when else None
        path = self._bound.pop(rec.pid, None)
        if path is not None:
            proc.socket = path
            self._owner[path] = child

    def _on_execve(self, rec: Record, source: str) -> None:
        """The first program a process runs is what mod_fcgid calls the wrapper."""
        if rec.kind != "call" or return_value(rec.result) != 0:
            return
        proc = self._proc(rec.pid)
        proc.started = True
        if proc.wrapper is None and rec.head_known:
            proc.wrapper = first_string(rec.args)

    def _on_accept(self, rec: Record, source: str) -> None:
        if not rec.head_known:
            return
        fd, decoration = first_fd(rec.args)
        proc = self._procs.get(rec.pid)
        if fd != 0 and (proc is None or proc.socket is None):
            return
        listen_path = decorated_path(decoration)
        if fd != 0 and listen_path is None:
            return
        proc = self._proc(rec.pid)
        if listen_path is not None and proc.socket is None:
            proc.socket = listen_path
            self._owner[listen_path] = rec.pid
        value = return_value(rec.result)
        if rec.kind == "call" and value is not None and value >= 0:
            proc.accepts += 1

    def _on_exit_group(self, rec: Record, source: str) -> None:
        self._proc(rec.pid).exit_called = True

    def _finish_process(self, pid: int, killed: str | None, when: When = None) -> None:
        self._conns.pop(pid, None)
        self._last.pop(pid, None)
        self._bound.pop(pid, None)
        proc = self._procs.pop(pid, None)
        if proc is None or (proc.socket is None and proc.accepts == 0):
            return
        signal = proc.signal or killed
        fate = _Exit(killed is None and proc.signal is None, signal, proc.wrapper)
        self._exits[pid] = fate
        socket = posixpath.dirname(proc.socket) if proc.socket else None
        end = when[0] if when else None
        self.sink.life(
            Life(
                pid,
                socket,
                proc.wrapper,
                proc.born,
                end,
                proc.accepts,
                "exited" if fate.on_its_own else signal or "killed",
            )
        )
        if fate.on_its_own and proc.started and proc.accepts > 0:
            key = (posixpath.dirname(proc.socket) if proc.socket else None, proc.wrapper, self.sink.vhost_of(pid))
            self._classes.setdefault(key, Counter())[proc.accepts] += 1
        if proc.socket is not None:
            for reset in self._waiting.pop(proc.socket, []):
                self._classify(reset, pid, fate)

    def finish(self) -> None:
        """Classify what is still open and publish the inferred limits.

        A process that called exit_group but whose ``+++ exited`` line is not in
        the capture (the trace stopped, or it is a pasted excerpt) did exit.
        """
        for pid in [pid for pid, proc in self._procs.items() if proc.exit_called]:
            self._finish_process(pid, killed=None)
        for pid, proc in self._procs.items():
            if proc.socket is not None and proc.accepts:
                directory = posixpath.dirname(proc.socket)
                self.sink.life(Life(pid, directory, proc.wrapper, proc.born, None, proc.accepts, "running"))
        for path, resets in self._waiting.items():
            owner = self._owner.get(path)
            fate = self._exits.get(owner) if owner is not None else None
            for reset in resets:
                self._classify(reset, owner if fate else None, fate)
        self._waiting.clear()
        for (socket, wrapper, vhost), counts in self._classes.items():
            self.sink.infer(socket, wrapper, counts, vhost)


# The dispatch comes from the table of inputs, which also gives the prefilter its needles.
_HANDLERS = {name: getattr(StraceCorrelator, i.handler) for i in STRACE_INPUTS if i.handler for name in i.calls}


def _when(rec: Record) -> When:
    shown = display_stamp(rec)
    if rec.stamp is None or shown is None:
        return None
    return stamp_seconds(rec.stamp), shown


# ---------------------------------------------------------------------------
# Error log

_READ_ERRORS = (
    "mod_fcgid: error reading data from FastCGI server",
    "mod_fcgid: get overlap result error",  # Windows: the named pipe broke (fcgid_proc_win.c)
    "mod_fcgid: error reading data, FastCGI server closed connection",
    "mod_fcgid: read data from fastcgi server error",
    "mod_fcgid: Read data error, fastcgi server has close connection",
)
_NO_HEADERS = ("End of script output before headers:", "Premature end of script headers:")
_READ_TIMEOUT = re.compile(r"mod_fcgid: read data timeout in (\d+) seconds")
_TOO_LONG = re.compile(
    r"mod_fcgid: (?:HTTP request length (\d+) \(so far\) exceeds MaxRequestLen \((\d+)\)|http request length (\d+) > "
    r"(\d+))"
)
_BUSY = re.compile(
    r"mod_fcgid: (?:.* took longer than busy timeout \(\d+ secs\)|process busy timeout, take \d+ seconds)"
)
_SLOT = re.compile(r"mod_fcgid: can't apply process slot for (.+)$")
_SPAWN = re.compile(r"mod_fcgid: (?:can't run (.+)|spawn process (.+) error|can't create process)$")
_PROCESS_EXIT = re.compile(r"mod_fcgid: process (.+)\((\d+)\) exit\(([^)]+)\)")
#: ``server %s:%s(%d) started``: the process manager spawned PID for the vhost HOST (``fcgid_pm_main.c`` L628;
#: ``(unknown)`` when the vhost has no ServerName).
SPAWNED = re.compile(r"mod_fcgid: server ([^:\s]*):(.+)\((\d+)\) started$")
_SHUTDOWN = ("shutting down", "SIGHUP received", "Graceful restart requested")
_INVALID_COMMAND = re.compile(r"Invalid command '([^']+)'|^(?:\S+: )?(php_admin_value|php_admin_flag) not allowed here")
#: mod_php's commands (php-src sapi/apache2handler/apache_config.c): their failure is FCG018's.
_PHP_COMMANDS = frozenset({"php_value", "php_flag", "php_admin_value", "php_admin_flag", "phpinidir"})
_IPC_SETUP = (
    "mod_fcgid: can't get pipe mutex", "mod_fcgid: Can't initialize shared memory",
    "mod_fcgid: Can't create shared memory", "mod_fcgid: Can't create global",
    "mod_fcgid: apr_global_mutex_child_init error",
)
_PHP_SCRIPT = re.compile(r"\.(?:php\d?|phtml)$", re.I)
#: Lines of other FastCGI stacks: named, so they are not read as mod_fcgid's.
_OTHER_STACKS = (("proxy_fcgi", re.compile(r"AH0(?:1067|1068|1070|1071|1075|0957)|\bFCGI: ")),
                 ("mod_fastcgi", re.compile(r"^FastCGI: ")))
#: suEXEC's log lines that only say what it ran; anything else it logs is a refusal.
_SUEXEC_INFO = re.compile(r"^uid: \(")
#: Exit reasons that are mod_fcgid doing its job; they are not reported.
_ROUTINE_EXITS = frozenset({"lifetime expired", "idle timeout", "shutting down"})
#: Without times, a read error waits this many lines for the core line of its request.
_PARTNER_LINES = 50
#: A read error this close to a shutdown notice (seconds before, after) is the shutdown's.
_SHUTDOWN_WINDOW = (2.0, 10.0)


def _log_when(moment: datetime | None) -> When:
    if moment is None:
        return None
    return _seconds(moment), moment.isoformat()


def _seconds(moment: datetime) -> float:
    """Log times carry no zone; read them all in one so differences are right."""
    return moment.replace(tzinfo=UTC).timestamp()


@dataclass(slots=True)
class _ReadError:
    line: ErrorLine
    partner: ErrorLine | None = None


class ErrorLogDetector:
    """Detections from one Apache error log (2.2 or 2.4 default format)."""

    def __init__(self, sink: Collector, source: str) -> None:
        self.sink = sink
        self.source = source
        self._open: dict[tuple[int | None, int | None, str | None], _ReadError] = {}
        self._explained: dict[tuple[int | None, int | None, str | None], int] = {}
        self._recent: deque[_ReadError] = deque()
        self._shutdowns: deque[float] = deque(maxlen=64)

    def _add(self, kind: str, line: ErrorLine, **fields: Any) -> None:
        """Count ``kind`` for ``line``: with the vhost it names, or the file it came from (whose vhost the
        configuration may know)."""
        self.sink.add(kind, vhost=line.vhost, origin=self.source, **fields)

    def feed(self, line: ErrorLine) -> None:
        """Classify one parsed line."""
        msg = line.msg
        if line.source != "httpd" or self._other_stack(line) is not None:
            self._foreign(line)
        elif msg.startswith(_NO_HEADERS):
            self._pair(line)
        elif msg.startswith(_READ_ERRORS):
            self._read_error(line)
        elif any(marker in msg for marker in _SHUTDOWN):
            if line.when is not None:
                self._shutdowns.append(_seconds(line.when))
            self._exit(line)
        else:
            self._other(line)
        self._flush(line, final=False)

    @staticmethod
    def _other_stack(line: ErrorLine) -> str | None:
        """``proxy_fcgi`` or ``mod_fastcgi`` when the line is theirs."""
        if line.module == "proxy_fcgi":
            return "proxy_fcgi"
        return next((name for name, pattern in _OTHER_STACKS if pattern.search(line.msg)), None)

    def _foreign(self, line: ErrorLine) -> None:
        """suEXEC refusals; php-fpm, proxy_fcgi and mod_fastcgi lines, named as not mod_fcgid's."""
        sample = (self.source, line.lineno, line.text)
        when = _log_when(line.when)
        if line.source == "suexec":
            if not _SUEXEC_INFO.match(line.msg):
                self._add("suexec-policy-violation", line, when=when, sample=sample)
            return
        stack = "php-fpm" if line.source == "php-fpm" else self._other_stack(line)
        self._add(f"not-mod_fcgid:{stack}", line, when=when, sample=sample, pid=line.pid)

    def _key(self, line: ErrorLine) -> tuple[int | None, int | None, str | None]:
        """2.4 lines name the worker (pid, tid); 2.2 lines only the client."""
        if line.pid is not None:
            return (line.pid, line.tid, None)
        return (None, None, line.client)

    def _read_error(self, line: ErrorLine) -> None:
        entry = _ReadError(line)
        self._open[self._key(line)] = entry
        self._recent.append(entry)

    def _pair(self, line: ErrorLine) -> None:
        key = self._key(line)
        entry = self._open.pop(key, None)
        if entry is not None:
            entry.partner = line
        elif self._explained.pop(key, None) is None:
            # No mod_fcgid line for this request: the program ended before any header (a wrapper
            # that cannot run, a suEXEC refusal, a crash), not a read error mod_fcgid saw.
            self._add("script-ended-without-headers", line, when=_log_when(line.when),
                      sample=(self.source, line.lineno, line.text), pid=line.pid)

    def _note_fcgid(self, line: ErrorLine) -> None:
        """Remember the request a mod_fcgid line spoke of, so its core line is not reported again."""
        self._explained[self._key(line)] = line.lineno
        if len(self._explained) > _MEMORY:
            self._explained.pop(next(iter(self._explained)))

    def _other(self, line: ErrorLine) -> None:
        msg = line.msg
        add = partial(self._add, line=line)
        sample = (self.source, line.lineno, line.text)
        when = _log_when(line.when)
        if "mod_fcgid:" in msg:
            self._note_fcgid(line)
            if (spawned := SPAWNED.search(msg)) is not None:
                if spawned.group(1) != "(unknown)" and spawned.group(1):
                    self.sink.spawned(saturated(spawned.group(3)), spawned.group(1))
                return
        if _READ_TIMEOUT.search(msg):
            add("io-timeout", when=when, sample=sample, pid=line.pid, thread=("log", line.tid))
        elif _TOO_LONG.search(msg):
            add("request-too-long", when=when, sample=sample, pid=line.pid)
        elif _BUSY.search(msg):
            add("busy-timeout", when=when, sample=sample, pid=line.pid)
        elif (slot := _SLOT.search(msg)) is not None:
            add("no-process-slot", when=when, sample=sample, pid=line.pid, wrapper=slot.group(1).strip())
        elif (spawn := _SPAWN.search(msg)) is not None:
            add("spawn-failure", when=when, sample=sample, pid=line.pid, wrapper=spawn.group(1) or spawn.group(2))
        elif (kind := _request_path_kind(msg)) is not None:
            add(kind, when=when, sample=sample, pid=line.pid)
        else:
            self._exit(line)

    def _exit(self, line: ErrorLine) -> None:
        match = _PROCESS_EXIT.search(line.msg)
        if match is None or match.group(3) in _ROUTINE_EXITS:
            return
        reason = match.group(3)
        pid = saturated(match.group(2))
        self.sink.add(
            "process-exit:" + reason.replace(" ", "-"), when=_log_when(line.when),
            sample=(self.source, line.lineno, line.text), pid=pid, wrapper=match.group(1),
            rule="FCG004" if reason == "busy timeout" else None, vhost=line.vhost or self.sink.vhost_of(pid),
            origin=self.source,
        )

    def _flush(self, now: ErrorLine | None, final: bool) -> None:
        """Report read errors once no shutdown notice can follow close enough to claim them.

        Without times (a pasted excerpt), an entry waits for its core line, or for
        :data:`_PARTNER_LINES` more lines.
        """
        before, _ = _SHUTDOWN_WINDOW
        horizon = _seconds(now.when) - before if now is not None and now.when is not None else None
        while self._recent:
            entry = self._recent[0]
            moment = _log_when(entry.line.when)
            if not final and now is not None:
                if horizon is not None and moment is not None:
                    if moment[0] > horizon:
                        return
                elif entry.partner is None and now.lineno - entry.line.lineno < _PARTNER_LINES:
                    return
            self._recent.popleft()
            self._report(entry, moment)

    def _report(self, entry: _ReadError, when: When) -> None:
        before, after = _SHUTDOWN_WINDOW
        kind = "fcgi-read-error"
        if when is not None and any(when[0] - after <= t <= when[0] + before for t in self._shutdowns):
            kind = "shutdown-reset"
        line, partner = entry.line, entry.partner
        extra = [(self.source, partner.lineno, partner.text)] if partner else []
        script = partner.msg.split(":", 1)[1].split(",")[0].strip() if partner and ":" in partner.msg else ""
        linked = not script or bool(_PHP_SCRIPT.search(script))  # FCG001 is php-cgi's limit: not for app.pl
        self._add(kind, line, when=when, sample=(self.source, line.lineno, line.text), pid=line.pid, extra=extra,
                  linked=linked, thread=("log", line.tid))

    def finish(self) -> None:
        """Report what is still buffered."""
        self._flush(None, final=True)
        self._open.clear()


def _request_path_kind(msg: str) -> str | None:
    """Failures on the way to php-cgi: a command httpd does not know, suEXEC, open_basedir, IPC set-up."""
    if (invalid := _INVALID_COMMAND.search(msg)) is not None:
        command = (invalid.group(1) or invalid.group(2)).lower()
        return "php-directive-without-mod-php" if command in _PHP_COMMANDS else "invalid-command"
    if "suexec policy violation" in msg:
        return "suexec-policy-violation"
    if "open_basedir restriction in effect" in msg:
        return "open-basedir-restriction"
    if msg.startswith("mod_fcgid: ap_pass_brigade failed"):
        return "response-write-failed"
    if msg.startswith(_IPC_SETUP):
        return "ipc-setup-failure"
    return None


class AccessLogDetector:
    """``http-<status>`` counts from one access log."""

    def __init__(self, sink: Collector, source: str) -> None:
        self.sink = sink
        self.source = source

    def feed(self, line: AccessLine) -> None:
        """Count one 5xx request."""
        when = (line.when.timestamp(), line.when.isoformat()) if line.when else None
        self.sink.add(f"http-{line.status}", when=when, sample=(self.source, line.lineno, line.text),
                      vhost=line.vhost)


__all__ = ["AccessLogDetector", "ErrorLogDetector", "StraceCorrelator", "TERMINATING"]
