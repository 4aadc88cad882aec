"""Streaming reader for strace output, tuned for very large captures.

A busy Apache traced with ``strace -f`` writes hundreds of megabytes a minute, and
nearly all of it (mmap, stat, openat, futex, epoll ...) says nothing about the
FastCGI race.  So the reader never parses every line: a cheap prefilter picks the
*candidate* lines that contain one of a few fixed needles (``connect``, ``accept``,
``ECONNRESET`` ...), drops those that ``-yy`` shows to be on files or TCP
sockets, and only the rest are parsed.  The prefilter is a GNU grep pipeline in
processes of its own when grep is installed (behind ``gzip -dc`` for a
compressed file), and a chunked ``re.finditer`` over the same strings otherwise;
both yield the same lines with the same numbers, in batches.  Memory is bounded
by the number of unfinished calls (one per pid), never by the size of the file.

Formats understood: ``-f`` (pid prefix), ``[pid N]`` (strace writing to a
terminal), ``-ff -o prefix`` (pid given by the caller, from the file suffix),
timestamps ``-t``/``-tt``/``-ttt``/``-r`` or none, ``-T`` durations, ``-y``/``-yy``
fd decorations, ``<unfinished ...>``/``<... X resumed>`` pairs, a call cut over two
lines without a marker (``poll(...`` then ``) = 1 ...``, as in old pasted traces),
``+++ exited with N +++``, ``+++ killed by SIGX +++`` and ``--- SIGX ... ---``.
"""

from __future__ import annotations

import fcntl
import functools
import gzip
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, BinaryIO

from fcgilint.evidence.kinds import NEEDLES
from fcgilint.numbers import saturated

#: Candidate lines that ``-y``/``-yy`` shows to be on files, pipes or TCP sockets
#: (php reading its scripts, httpd writing to clients) or on php-cgi's end of an
#: accepted connection (named after the listening socket): never the httpd side
#: of a FastCGI exchange.  Also the calls glibc makes with an empty path and
#: ``AT_EMPTY_PATH`` (``newfstatat(3</lib/x.so>, "", ...)``, a php-cgi start-up
#: makes dozens): the ``, "", `` needle is for reads hitting EOF, and these were
#: two fifths of the lines the parser saw in a real capture.  The pattern is both
#: a Python and a POSIX extended regex, for the grep pipeline (where a line
#: starts with grep's ``N:``, hence the colon).
EXCLUDE = (
    r"(close|read|readv|pread64|write|writev|connect|accept|accept4)\([0-9]+<"
    r'(/|TCP|UDP|NETLINK|pipe|anon_inode|UNIX-STREAM:\[[0-9]+->[0-9]+,")'
    r"|(^|[ :])(newfstatat|fstatat64|statx|fchownat|utimensat)\("
)

_CHUNK = 8 * 1024 * 1024
_OUTPUT_BLOCK = 64 * 1024  # larger blocks cost memory and gained nothing measurable
_PIPE_SIZE = 1024 * 1024
_NEEDLE_RE = re.compile(b"|".join(re.escape(n) for n in NEEDLES))
#: The needles as one POSIX extended regex: GNU grep runs an alternation of
#: literals through its DFA about a quarter faster than the same strings as
#: ``-F -e ... -e ...`` (0.44 s against 0.58 s of CPU on 300 MiB of a real capture).
NEEDLE_ERE = "|".join(re.sub(r"([][.*+?{}()|^$\\])", r"\\\1", n.decode()) for n in NEEDLES)
_EXCLUDE_RE = re.compile(EXCLUDE.encode())
#: pid and time prefix, then the name of a call when the body starts with one,
#: or the name in a ``<... name resumed>`` marker (the two most common lines:
#: their names are then known without another search).
_PREFIX_RE = re.compile(
    r" *(?:\[pid +(\d+)\] +|(\d+) +)?(?:(\d\d:\d\d:\d\d(?:\.\d+)?) +|(\d+\.\d+) +)?"
    r"(?:([a-z_][a-z0-9_]*)\(|(<\.\.\. (\w+) resumed>))?"
)
_RESUMED_RE = re.compile(r"<\.\.\. (\w+) resumed> ?(.*)$")
_EXITED_RE = re.compile(r"\+\+\+ exited with (-?\d+) \+\+\+")
_KILLED_RE = re.compile(r"\+\+\+ killed by (SIG\w+)")
_NAME_RE = re.compile(r"[a-z_][a-z0-9_]*$")
#: Calls that matter only on an fd connected to a FastCGI socket (see ``wanted``);
#: so does the second line of a call cut without a marker (``) = 1 ...``).
CONNECTION_ONLY = frozenset(
    {"close", "writev", "write", "sendmsg", "sendto", "read", "readv", "recvfrom", "recvmsg"}
    | {"poll", "ppoll", "select", "pselect6"}
)
#: First halves worth a record of their own: they act before their result is known.
_ACT_ON_ENTRY = frozenset({"close", "writev", "write", "sendmsg", "sendto", "bind", "connect"})
_UNFINISHED = "<unfinished ...>"
#: First characters of bodies that are not the start of a call (and the empty body).
_SPECIAL_HEADS = frozenset({"", "+", "-", "<", ")"})
_RESULT_SEP = ") = "
_PADDED_SEP_RE = re.compile(r"\) +=(?: |$)")
_EPOCH_FLOOR = 100_000_000.0


@dataclass(slots=True)
class Record:
    """One event of one pid, after unfinished/resumed halves are joined.

    ``kind`` is ``call`` (a finished syscall), ``enter`` (the first half of an
    unfinished syscall: its arguments are known, its result not yet), ``exit``,
    ``killed`` or ``signal``.  ``args`` is the argument text; when the first half
    of a call was not a candidate line, ``head_known`` is False and ``args`` holds
    only the tail.  ``stamp`` is the time as printed (``-t``/``-tt`` clock or
    ``-ttt`` epoch), ``None`` for ``-r`` or no timestamps; it is turned into a
    number only for the few records that become detections.
    """

    kind: str
    pid: int
    name: str
    args: str
    result: str
    stamp: str | None
    lineno: int
    text: str
    head_known: bool = True
    status: int | None = None


def _connection_only(body: str) -> bool:
    """Whether ``body`` is a call in :data:`CONNECTION_ONLY`, either half, or a continuation.

    One ``find`` and a set lookup: testing the body against every
    ``name(``/``<... name `` prefix in turn cost more than the rest of the check.
    """
    if body.startswith("<... "):
        end = body.find(" ", 5)
        return end != -1 and body[5:end] in CONNECTION_ONLY
    if body.startswith(")"):
        return True
    paren = body.find("(")
    return paren > 0 and body[:paren] in CONNECTION_ONLY


def _split_result(text: str) -> tuple[int, int]:
    """Where the arguments end and the result starts; ``(-1, -1)`` if there is no result.

    strace pads short calls (``close(3)      = 0``), so the separator is not
    always ``) = ``; the common case is found with one ``rfind``.
    """
    cut = text.rfind(_RESULT_SEP)
    if cut != -1:
        return cut, cut + len(_RESULT_SEP)
    matches = list(_PADDED_SEP_RE.finditer(text))
    if not matches:
        return -1, -1
    return matches[-1].start(), matches[-1].end()


def _open_binary(path: Path) -> BinaryIO:
    """Open ``path`` for reading bytes, transparently decompressing gzip."""
    if is_gzip(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def is_gzip(path: Path) -> bool:
    """True when ``path`` starts with the gzip magic bytes."""
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _grep_usable() -> bool:
    """GNU grep is the fast prefilter; other greps lack ``-b`` or binary handling."""
    exe = shutil.which("grep")
    if exe is None:
        return False
    try:
        out = subprocess.run([exe, "-V"], capture_output=True, timeout=5, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return b"GNU grep" in out


_GREP_OK: bool | None = None


@functools.cache
def _gzip_exe() -> str | None:
    """The gzip program that unpacks compressed captures for grep, if installed."""
    return shutil.which("gzip")


def grep_available() -> bool:
    """Cached :func:`_grep_usable`, so a run with many files asks once."""
    global _GREP_OK
    if _GREP_OK is None:
        _GREP_OK = _grep_usable()
    return _GREP_OK


Progress = Callable[[int], None]
#: Candidate lines ``(line number, text)``, handed over a chunk at a time: one
#: list per chunk costs less than a generator step per line.
Batch = list[tuple[int, str]]


def candidates_python(stream: BinaryIO, progress: Progress | None = None) -> Iterator[Batch]:
    """Yield the lines containing a needle, one batch per chunk read.

    Reads fixed-size chunks cut at the last newline, so memory stays at one chunk
    whatever the file size; line numbers come from counting newlines between hits.
    """
    lineno = 1
    carry = b""
    done = 0
    while True:
        block = stream.read(_CHUNK)
        if not block:
            break
        done += len(block)
        data = carry + block
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            carry = data
            continue
        carry = data[cut:]
        found: Batch = []
        lineno = _scan(data, cut, lineno, found)
        yield found
        if progress is not None:
            progress(done)
    if carry:
        found = []
        _scan(carry, len(carry), lineno, found)
        yield found


def _scan(data: bytes, end: int, lineno: int, out: Batch) -> int:
    """Append candidate lines of ``data[:end]`` to ``out``; return the next line number."""
    pos = 0
    next_start = 0
    for match in _NEEDLE_RE.finditer(data, 0, end):
        start = match.start()
        if start < next_start:
            continue
        line_start = data.rfind(b"\n", 0, start) + 1
        line_end = data.find(b"\n", start, end)
        if line_end == -1:
            line_end = end
        lineno += data.count(b"\n", pos, line_start)
        pos = line_start
        line = data[line_start:line_end]
        if _EXCLUDE_RE.search(line) is None:
            out.append((lineno, line.decode("latin-1")))
        next_start = line_end + 1
    return lineno + data.count(b"\n", pos, end)


def candidates_grep(path: Path, progress: Progress | None = None, compressed: bool = False) -> Iterator[Batch]:
    """Same as :func:`candidates_python`, with GNU grep doing the scanning.

    Two greps run as a pipeline (needles, then :data:`EXCLUDE`), each in its
    own process, so on a multi-core machine scanning and parsing overlap; a
    ``compressed`` file is unpacked by ``gzip -dc`` in a third, several times
    faster than the gzip module feeding the Python scan.  Byte offsets (``-b``)
    are asked for only when a progress line is shown.
    """
    exe = shutil.which("grep") or "grep"
    env = {**os.environ, "LC_ALL": "C"}
    cmd = [exe, "-a", "-n", "-E", "-e", NEEDLE_ERE] + (["-b"] if progress is not None else [])
    unpack: subprocess.Popen[bytes] | None = None
    source: IO[bytes] | int | None
    if compressed:
        unpack = subprocess.Popen(
            [_gzip_exe() or "gzip", "-dc", "--", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        source = unpack.stdout
    else:
        cmd += ["--", str(path)]
        source = subprocess.DEVNULL
    middle = _pipe()
    final = _pipe()
    try:
        scan = subprocess.Popen(cmd, stdin=source, stdout=middle[1], stderr=subprocess.PIPE, env=env)
        proc = subprocess.Popen([exe, "-a", "-v", "-E", "-e", EXCLUDE], stdin=middle[0], stdout=final[1], env=env)
    except OSError:
        os.close(final[0])
        if unpack is not None:
            unpack.kill()
            _finish(unpack)
        raise
    finally:
        # The children hold their ends now; the first process gets SIGPIPE if we stop early.
        for fd in (*middle, final[1]):
            os.close(fd)
        if unpack is not None and unpack.stdout is not None:
            unpack.stdout.close()
    stream = open(final[0], "rb", buffering=0)
    try:
        for lines in _output_blocks(stream):
            yield _numbered(lines) if progress is None else _numbered_with_offsets(lines, progress)
    finally:
        stream.close()
        proc.wait()
        scan_error = _finish(scan)
        unpack_error = _finish(unpack) if unpack is not None else None
    # gzip exits with 2 for a warning (trailing garbage after a complete stream).
    if unpack is not None and unpack.returncode > 0 and unpack.returncode != 2:
        raise OSError(unpack_error or f"gzip failed on {path}")
    if scan.returncode > 1:
        raise OSError(scan_error or f"grep failed on {path}")


def _finish(child: subprocess.Popen[bytes]) -> str:
    """Wait for ``child`` and return what it wrote on stderr, as one line."""
    err = b""
    if child.stderr is not None:
        err = child.stderr.read()
        child.stderr.close()
    child.wait()
    return err.decode(errors="replace").strip()


def _pipe() -> tuple[int, int]:
    """A pipe with a large buffer: with the default 64 KiB, grep and the parser
    take turns waiting for each other instead of running side by side."""
    read_end, write_end = os.pipe()
    resize = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    if resize is not None:
        try:
            fcntl.fcntl(write_end, resize, _PIPE_SIZE)
        except OSError:
            pass  # a smaller system limit only costs speed
    return read_end, write_end


def _output_blocks(stream: BinaryIO) -> Iterator[list[str]]:
    """grep's output lines, decoded and split a large block at a time.

    Decoding and splitting a block is several times cheaper than doing it line
    by line; memory stays at one block.  ``stream`` is unbuffered, so a read
    returns whatever grep has written so far instead of waiting for a full block.
    """
    carry = b""
    while True:
        block = stream.read(_OUTPUT_BLOCK)
        if not block:
            break
        cut = block.rfind(b"\n")
        if cut == -1:
            carry += block
            continue
        whole = carry + block[:cut] if carry else block[:cut]
        carry = block[cut + 1 :]
        yield whole.decode("latin-1").split("\n")
    if carry:
        yield [carry.decode("latin-1")]


def _numbered(lines: list[str]) -> Batch:
    """``(number, text)`` from ``grep -n`` lines (``N:text``)."""
    batch: Batch = []
    append = batch.append
    for line in lines:
        number, _, text = line.partition(":")
        append((int(number), text))
    return batch


def _numbered_with_offsets(lines: list[str], progress: Progress) -> Batch:
    """``(number, text)`` from ``grep -n -b`` lines (``N:OFFSET:text``); reports the first offset."""
    batch: Batch = []
    for line in lines:
        number, _, rest = line.partition(":")
        offset, _, text = rest.partition(":")
        if not batch:
            progress(int(offset))
        batch.append((int(number), text))
    return batch


def candidate_lines(path: Path, progress: Progress | None = None, use_grep: bool | None = None) -> Iterator[Batch]:
    """Pick the fastest prefilter that can read ``path`` and yield its candidate lines in batches."""
    compressed = is_gzip(path)
    if use_grep is None:
        use_grep = grep_available() and (not compressed or _gzip_exe() is not None)
    if use_grep:
        yield from candidates_grep(path, progress, compressed)
        return
    with _open_binary(path) as stream:
        yield from candidates_python(stream, progress)


def stamp_seconds(stamp: str) -> float:
    """A sortable number for a stamp: seconds of the day for a clock, else the epoch."""
    if ":" in stamp:
        return int(stamp[0:2]) * 3600 + int(stamp[3:5]) * 60 + float(stamp[6:])
    return float(stamp)


def display_stamp(record: Record) -> str | None:
    """How a record's time is shown: the clock as printed, epochs as ISO 8601 UTC."""
    if record.stamp is None:
        return None
    if ":" in record.stamp:
        return record.stamp
    try:
        when = datetime.fromtimestamp(float(record.stamp), UTC)
    except (OverflowError, OSError, ValueError):  # past year 9999 or before 1: shown as printed
        return record.stamp
    return when.isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(slots=True)
class _Pending:
    """First half of a call waiting for its second half (one per pid)."""

    name: str
    args: str
    implicit: bool
    lineno: int


class StraceReader:
    """Turn the candidate lines of one strace file into :class:`Record` objects.

    ``pid`` is set for ``-ff`` files, whose lines carry no pid.  Lines that look
    like strace but cannot be parsed are counted in ``corrupt`` (first one in
    ``first_corrupt``) and skipped.  ``wanted(pid)``, when given, is asked before
    parsing a line that only matters on an open FastCGI connection (close,
    writev, read, poll ...); most such lines belong to pids with none, and
    skipping them early is what keeps large captures fast.
    """

    def __init__(
        self,
        path: Path,
        pid: int | None = None,
        use_grep: bool | None = None,
        wanted: Callable[[int], bool] | None = None,
    ) -> None:
        self.path = path
        self.pid = pid
        self.use_grep = use_grep
        self.wanted = wanted
        self.corrupt = 0
        self.first_corrupt: int | None = None
        self.relative: bool | None = None
        self._pending: dict[int, _Pending] = {}

    def records(self, progress: Progress | None = None) -> Iterator[Record]:
        """Yield the records of the file in file order."""
        parse = self.parse
        for batch in candidate_lines(self.path, progress, self.use_grep):
            for lineno, line in batch:
                record = parse(lineno, line)
                if record is not None:
                    yield record
        self._flush_implicit()

    def _bad(self, lineno: int) -> None:
        self.corrupt += 1
        if self.first_corrupt is None:
            self.first_corrupt = lineno

    def _flush_implicit(self) -> None:
        """A call cut without a marker and never continued was a truncated line."""
        for pending in self._pending.values():
            if pending.implicit:
                self._bad(pending.lineno)
        self._pending.clear()

    def parse(self, lineno: int, line: str) -> Record | None:
        """Parse one candidate line; ``None`` when it completes nothing yet or is corrupt."""
        line = line.rstrip("\r")
        prefix = _PREFIX_RE.match(line)
        assert prefix is not None  # every group is optional
        bracketed, plain, clock, number, name, marker, resumed = prefix.groups()
        pid_text = bracketed or plain
        if pid_text is not None:
            # Every line has one; int() is exact below 19 digits and a third of the cost.
            pid = int(pid_text) if len(pid_text) < 19 else saturated(pid_text)
        elif self.pid is not None:
            pid = self.pid
        else:
            pid = 0
        if name is not None:
            body = line[prefix.end() - len(name) - 1 :]
            connection_only = name in CONNECTION_ONLY
        elif resumed is not None:
            body = line[prefix.end() - len(marker) :]
            connection_only = resumed in CONNECTION_ONLY
        else:
            body = line[prefix.end() :]
            connection_only = _connection_only(body)
        wanted = self.wanted
        if wanted is not None and connection_only and not wanted(pid) and pid not in self._pending:
            return None
        stamp = clock or (None if number is None else self._number_stamp(number))
        if body.endswith(">"):
            cut = body.rfind(" <")
            if cut != -1 and body[cut + 2 : cut + 3].isdigit():
                body = body[:cut]
        if name is not None:
            return self._named_call(pid, name, body, stamp, lineno, line)
        if resumed is not None and "\n" not in body:
            rest = body[len(marker) :]
            return self._resumed_call(pid, resumed, rest[1:] if rest.startswith(" ") else rest, stamp, lineno, line)
        head = body[:1]
        if head not in _SPECIAL_HEADS:
            return self._call(pid, body, stamp, lineno, line)
        if not body:
            self._bad(lineno)
            return None
        if head == "+":
            return self._exit(pid, body, stamp, lineno, line)
        if head == "-" and body.startswith("--- "):
            name = body[4:].split(" ", 1)[0]
            return Record("signal", pid, name, "", "", stamp, lineno, line)
        if head == "<":
            return self._resumed(pid, body, stamp, lineno, line)
        if head == ")":
            return self._continued(pid, body, stamp, lineno, line)
        return self._call(pid, body, stamp, lineno, line)

    def _number_stamp(self, number: str) -> str | None:
        """An epoch stamp (``-ttt``) is kept; a relative one (``-r``) is dropped."""
        if self.relative is None:
            self.relative = float(number) < _EPOCH_FLOOR
        return None if self.relative else number

    def _exit(self, pid: int, body: str, stamp: str | None, lineno: int, line: str) -> Record | None:
        self._drop_implicit(pid)
        exited = _EXITED_RE.match(body)
        if exited is not None:
            return Record("exit", pid, "", "", "", stamp, lineno, line, status=saturated(exited.group(1)))
        killed = _KILLED_RE.match(body)
        if killed is not None:
            return Record("killed", pid, killed.group(1), "", "", stamp, lineno, line)
        self._bad(lineno)
        return None

    def _drop_implicit(self, pid: int) -> None:
        pending = self._pending.get(pid)
        if pending is not None and pending.implicit:
            del self._pending[pid]
            self._bad(pending.lineno)

    def _resumed(self, pid: int, body: str, stamp: str | None, lineno: int, line: str) -> Record | None:
        match = _RESUMED_RE.match(body)
        if match is None:
            self._bad(lineno)
            return None
        return self._resumed_call(pid, match.group(1), match.group(2), stamp, lineno, line)

    def _resumed_call(self, pid: int, name: str, rest: str, stamp: str | None, lineno: int, line: str) -> Record | None:
        """The second half of ``name``: ``rest`` follows its ``<... name resumed>`` marker (and a space)."""
        cut, start = _split_result(rest)
        if cut == -1:
            if rest.endswith(_UNFINISHED):
                return None  # resumed and suspended again; the result follows later
            self._bad(lineno)
            return None
        pending = self._pending.pop(pid, None)
        if pending is not None and pending.name == name:
            args, known = pending.args + rest[:cut], True
        else:
            args, known = rest[:cut], False
        return Record("call", pid, name, args, rest[start:], stamp, lineno, line, known)

    def _continued(self, pid: int, body: str, stamp: str | None, lineno: int, line: str) -> Record | None:
        """The second line of a call printed without ``<unfinished ...>``."""
        cut, start = _split_result(body)
        if cut != 0:
            self._bad(lineno)
            return None
        pending = self._pending.pop(pid, None)
        result = body[start:]
        if pending is None:
            return Record("call", pid, "", "", result, stamp, lineno, line, False)
        return Record("call", pid, pending.name, pending.args, result, stamp, lineno, line)

    def _enter(
        self, pid: int, name: str, args: str, implicit: bool, stamp: str | None, lineno: int, line: str
    ) -> Record | None:
        """Remember a first half; only calls in ``_ACT_ON_ENTRY`` are reported right away."""
        self._pending[pid] = _Pending(name, args, implicit, lineno)
        if name in _ACT_ON_ENTRY:
            return Record("enter", pid, name, args, "", stamp, lineno, line)
        return None

    def _call(self, pid: int, body: str, stamp: str | None, lineno: int, line: str) -> Record | None:
        paren = body.find("(")
        name = body[:paren] if paren > 0 else ""
        if not _NAME_RE.match(name):
            self._bad(lineno)
            return None
        return self._named_call(pid, name, body, stamp, lineno, line)

    def _named_call(self, pid: int, name: str, body: str, stamp: str | None, lineno: int, line: str) -> Record | None:
        """A call whose ``body`` starts with ``name(``."""
        pending = self._pending.get(pid)
        if pending is not None and pending.implicit:
            self._drop_implicit(pid)
        start = len(name) + 1
        if body.endswith(_UNFINISHED):
            return self._enter(pid, name, body[start : -len(_UNFINISHED)].rstrip(), False, stamp, lineno, line)
        cut, result = _split_result(body)
        if cut == -1:
            return self._enter(pid, name, body[start:], True, stamp, lineno, line)
        return Record("call", pid, name, body[start:cut], body[result:], stamp, lineno, line)

# ---------------------------------------------------------------------------
# Reading the arguments the detectors need.

_FD_RE = re.compile(r"\s*(\d+)(?:<(.*?)>)?(?=[,)\s]|$)")
_PATH_RE = re.compile(r'(?:sun_)?path=@?"((?:[^"\\]|\\.)*)"(\.\.\.)?')
_STRING_RE = re.compile(r'\s*"((?:[^"\\]|\\.)*)"')
_DECORATED_PATH_RE = re.compile(r'UNIX(?:-STREAM)?:\[[^\]"]*,"((?:[^"\\]|\\.)*)"\]')
_POLL_FD_RE = re.compile(r"fd=(\d+)")
#: What may follow a decorated fd for the fast path of :func:`first_fd` (a subset of ``_FD_RE``'s lookahead).
_FD_ENDS = frozenset({"", ",", ")", " "})
_ESCAPE_RE = re.compile(r"\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)")
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "f": "\f", "a": "\a", "b": "\b", '"': '"', "\\": "\\"}


def c_unescape(text: str) -> str:
    """Decode strace's C escapes (``\\n``, ``\\ooo``, ``\\xhh``) of a quoted string body."""
    if "\\" not in text:
        return text

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] == "x" and len(code) == 3:
            return chr(int(code[1:], 16))
        if code[0] in "01234567":
            return chr(int(code, 8))
        return _SIMPLE_ESCAPES.get(code, code)

    raw = _ESCAPE_RE.sub(one, text)
    return raw.encode("latin-1", errors="replace").decode("utf-8", errors="replace")


def first_fd(args: str) -> tuple[int | None, str | None]:
    """The leading fd argument and its ``-y``/``-yy`` decoration, if any.

    The usual ``-yy`` shape, ``NN<...>`` followed by a comma, a space, a
    parenthesis or nothing, is read with ``find`` and slicing (a third of the
    lines had gone to the regex: the ``->`` of a connected socket), anything
    else with ``_FD_RE``.
    """
    cut = args.find("<")
    if cut > 0:
        digits = args[:cut]
        if digits.isdecimal() and digits.isascii():
            end = args.find(">", cut)
            while end != -1:  # a connected socket's ``[a->b]`` holds a ">" of its own
                after = args[end + 1 : end + 2]
                if after in _FD_ENDS:
                    return int(digits) if len(digits) < 19 else saturated(digits), args[cut + 1 : end]
                if after.isspace():
                    break
                end = args.find(">", end + 1)
    match = _FD_RE.match(args)
    if match is None:
        return None, None
    return saturated(match.group(1)), match.group(2)


def socket_path(args: str) -> str | None:
    """The AF_UNIX path of a connect/bind argument (``path=`` old style, ``sun_path=`` new).

    A path without escapes is cut out with ``find``; ``_PATH_RE`` reads the rest.
    """
    cut = args.find('path="')
    if cut != -1 and "path=" not in args[:cut]:
        start = cut + 6
        end = args.find('"', start)
        if end != -1 and "\\" not in args[start:end]:
            if args.startswith("...", end + 1):
                return None  # truncated paths are useless as keys
            return args[start:end]
    match = _PATH_RE.search(args)
    if match is None or match.group(2):
        return None
    return c_unescape(match.group(1))


@functools.lru_cache(maxsize=4096)
def decorated_path(decoration: str | None) -> str | None:
    """The socket path inside a ``-yy`` decoration like ``UNIX-STREAM:[20711,"/x/sock/1.2"]``."""
    if not decoration:
        return None
    match = _DECORATED_PATH_RE.search(decoration)
    return c_unescape(match.group(1)) if match else None


def first_string(args: str) -> str | None:
    """The first quoted string argument (execve's program path)."""
    match = _STRING_RE.match(args)
    return c_unescape(match.group(1)) if match else None


def poll_fds(args: str) -> list[int]:
    """The fds of a poll() argument list."""
    return [saturated(fd) for fd in _POLL_FD_RE.findall(args)]


def return_value(result: str) -> int | None:
    """The numeric return value (``?`` and unparsable results give ``None``)."""
    token = result.split(" ", 1)[0]
    end = token.find("<")
    if end != -1:
        token = token[:end]
    if len(token) > 24:  # beyond any 64-bit value in hex or decimal: unparsable, never a slow conversion
        return None
    try:
        return int(token, 0)
    except ValueError:
        return None


def error_name(result: str) -> str | None:
    """``ECONNRESET`` from ``-1 ECONNRESET (Connection reset by peer)``."""
    parts = result.split(" ", 2)
    if len(parts) >= 2 and parts[1].startswith("E") and parts[1].isupper():
        return parts[1]
    return None
