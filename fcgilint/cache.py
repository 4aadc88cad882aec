"""The re-check cache: an unchanged tree is answered from the output of the last run.

pre-commit and CI check the same tree again and again. A run records every file system
question it asks while it works -- each file it opens, each path it stats (also those that do
not exist: an ``IncludeOptional`` that matched nothing, a missing ``.htaccess``), each directory
it lists (a glob) -- by watching Python's ``open`` audit event, ``os.stat``/``os.lstat`` and the
directory listings, so no reader has to remember to report what it read and a new reader is
covered the day it lands. The output and exit code are stored with that record. A later run
with the same arguments, working directory, environment and fcgilint code reuses them only if
every recorded path still gives the same answer (a file: same inode, size, mode, mtime and ctime;
a directory: still one, with the same entries if it was listed; still absent); any edit, new file
or removed file is a miss.

A run that read a file modified less than :data:`RACY_SECONDS` before it started is not stored:
file times are coarse (a kernel tick, 2 s on FAT), and an edit in the same tick as the read
would leave the times unchanged (git calls this the racy-clean problem).

Entries live in ``$FCGILINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/fcgilint``, else
``~/.cache/fcgilint``; ``--no-cache`` (or ``FCGILINT_NO_CACHE=1``) turns the cache off.
"""

from __future__ import annotations

import hashlib
import os
import stat
import marshal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import fcgilint

RACY_SECONDS = 2.0
FORMAT = 1  # bump when the entry layout changes
#: Environment variables that change what a run prints.
ENVIRONMENT = ("GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS", "CLICOLOR_FORCE")

#: inode, size, mode, mtime_ns, ctime_ns (a directory: inode and mode only); None: absent
Signature = tuple[int, int, int, int, int] | None


def _signature(path: str, follow: bool = True) -> Signature:
    try:
        st = _REAL_STAT(path) if follow else _REAL_LSTAT(path)
    except (OSError, ValueError):
        return None
    if stat.S_ISDIR(st.st_mode):  # its times move with every file made beside ours; entries are in the listings
        return st.st_ino, 0, st.st_mode, 0, 0
    return st.st_ino, st.st_size, st.st_mode, st.st_mtime_ns, st.st_ctime_ns


def _listing(path: str) -> tuple[str, ...] | None:
    try:
        return tuple(sorted(os.listdir(path)))
    except OSError:
        return None


@dataclass
class Reads:
    """Every path a run looked at and what it saw."""

    stats: dict[tuple[str, bool], Signature] = field(default_factory=dict)
    listings: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    busy: bool = field(default=False, compare=False)

    def saw(self, path: object, follow: bool = True) -> None:
        if isinstance(path, (str, bytes, os.PathLike)):
            name = os.fsdecode(path)
            key = (os.path.abspath(name), follow)
            if key not in self.stats:
                self.stats[key] = _signature(key[0], follow)

    def listed(self, path: object) -> None:
        if isinstance(path, (str, bytes, os.PathLike)):
            name = os.path.abspath(os.fsdecode(path) or ".")
            if name not in self.listings:
                self.listings[name] = _listing(name)

    def unchanged(self) -> bool:
        """True if every path still answers as it did."""
        return all(_signature(path, follow) == sig for (path, follow), sig in self.stats.items()) and all(
            _listing(path) == names for path, names in self.listings.items()
        )

    def racy(self, since_ns: int) -> bool:
        """True if something read was modified too shortly before ``since_ns`` to trust its times."""
        limit = since_ns - int(RACY_SECONDS * 1e9)
        return any(sig is not None and max(sig[3], sig[4]) >= limit for sig in self.stats.values())


_REAL_STAT = os.stat
_REAL_LSTAT = os.lstat
_active: list[Reads] = []
_hooked = False


def _audit(event: str, args: tuple[object, ...]) -> None:
    if not _active or _active[-1].busy:
        return
    reads = _active[-1]
    reads.busy = True  # the listing below raises the event again
    try:
        if event == "open":
            reads.saw(args[0])
        elif event in ("os.listdir", "os.scandir"):
            reads.listed(args[0] if args and args[0] is not None else ".")
    finally:
        reads.busy = False


def _stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
    if _active and not _active[-1].busy and not args and kwargs.get("dir_fd") is None:
        _active[-1].saw(path, bool(kwargs.get("follow_symlinks", True)))
    return _REAL_STAT(path, *args, **kwargs)  # type: ignore[arg-type]


def _lstat(path: object, *args: object, **kwargs: object) -> os.stat_result:
    if _active and not _active[-1].busy and not args and kwargs.get("dir_fd") is None:
        _active[-1].saw(path, False)
    return _REAL_LSTAT(path, *args, **kwargs)  # type: ignore[arg-type]


@contextmanager
def recording() -> Iterator[Reads]:
    """Record the file system questions asked inside the block."""
    global _hooked
    if not _hooked:
        sys.addaudithook(_audit)  # audit hooks cannot be removed: it idles when nothing records
        _hooked = True
    reads = Reads()
    _active.append(reads)
    os.stat, os.lstat = _stat, _lstat  # type: ignore[assignment]
    try:
        yield reads
    finally:
        _active.pop()
        if not _active:
            os.stat, os.lstat = _REAL_STAT, _REAL_LSTAT


@contextmanager
def unrecorded() -> Iterator[None]:
    """Files opened for the run's own machinery (a worker's shared memory, a module imported),
    which are no question about the tree: not recorded, or a path gone by the next run would
    make every re-check a miss."""
    if not _active:
        yield
        return
    reads, busy = _active[-1], _active[-1].busy
    reads.busy = True
    try:
        yield
    finally:
        reads.busy = busy


def is_recording() -> bool:
    """True inside :func:`recording` (a forked worker inherits the state)."""
    return bool(_active)


def merge(reads: Reads) -> None:
    """Add what a worker process of this run read to the record in progress; the first answer stays."""
    if _active:
        for key, signature in reads.stats.items():
            _active[-1].stats.setdefault(key, signature)
        for path, names in reads.listings.items():
            _active[-1].listings.setdefault(path, names)


def cache_dir() -> Path:
    """Where entries live (see the module docstring)."""
    if os.environ.get("FCGILINT_CACHE_DIR"):
        return Path(os.environ["FCGILINT_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "fcgilint"


def _code_signature() -> list[tuple[str, Signature]]:
    """fcgilint's own modules: an upgrade or an edited checkout is a different program."""
    package = os.path.dirname(fcgilint.__file__)
    found = []
    for directory, _dirs, files in os.walk(package):
        found += [(name, _signature(os.path.join(directory, name))) for name in sorted(files) if name.endswith(".py")]
    return found


@dataclass
class Entry:
    """What a run printed, and what it read."""

    reads: Reads
    output: str
    code: int

    def dump(self) -> bytes:
        """marshal, not pickle: loading an entry can build plain values only, never run code."""
        stats = [(path, follow, sig) for (path, follow), sig in self.reads.stats.items()]
        return marshal.dumps((FORMAT, stats, list(self.reads.listings.items()), self.output, self.code))

    @staticmethod
    def load(data: bytes) -> Entry | None:
        try:
            version, stats, listings, output, code = marshal.loads(data)
            reads = Reads({(path, follow): sig for path, follow, sig in stats}, dict(listings))
        except (EOFError, ValueError, TypeError):
            return None
        return (
            Entry(reads, output, code)
            if version == FORMAT and isinstance(output, str) and isinstance(code, int)
            else None
        )


class Cache:
    """The entry of one invocation (what was asked, directory, environment, code)."""

    def __init__(self, question: object, directory: Path | None = None) -> None:
        terminal = os.get_terminal_size(sys.stdout.fileno()).columns if sys.stdout.isatty() else None
        material = repr(
            (
                FORMAT,
                fcgilint.__version__,
                question,
                os.getcwd(),
                [(k, os.environ.get(k)) for k in ENVIRONMENT],
                terminal,
                _code_signature(),
            )
        )
        digest = hashlib.sha256(material.encode("utf-8", "surrogateescape")).hexdigest()
        self.path = (directory or cache_dir()) / f"{digest}.entry"
        self.started_ns = time.time_ns()

    def lookup(self) -> Entry | None:
        """The stored entry, if everything it read is unchanged."""
        try:
            data = self.path.read_bytes()
        except OSError:
            return None
        entry = Entry.load(data)
        return entry if entry is not None and entry.reads.unchanged() else None

    def store(self, reads: Reads, output: str, code: int) -> None:
        """Keep the run unless it read a file too fresh to trust (then the next run stores it)."""
        if reads.racy(self.started_ns):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temp = self.path.with_suffix(f".{os.getpid()}.tmp")
            temp.write_bytes(Entry(reads, output, code).dump())
            os.replace(temp, self.path)
        except OSError:
            pass  # a read-only home is no reason to fail a check


def enabled(no_cache: bool) -> bool:
    """Whether this run may use the cache."""
    return not no_cache and os.environ.get("FCGILINT_NO_CACHE", "") in ("", "0")
