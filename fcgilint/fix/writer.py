"""The one place that writes configuration files: a security boundary, since ``fix`` runs as root.

The contract (ARCHITECTURE.md, "The writer's contract"):

- a file is replaced only if its real path (after every symlink and ``..``) lies inside
  the tree being fixed, and the directory it is replaced in still does when it is opened;
- the bytes replaced are the bytes the analysis read: the file is compared just before
  the rename, and a file changed meanwhile is refused (:class:`Changed`);
- a file with several hard links is refused: a rename would split them silently;
- the new content is written to an anonymous file (``O_TMPFILE``) that no directory
  ``Include`` can see, given the original's mode and owner, fsync'ed, and only then
  linked under a temporary name and renamed over the original, with SIGINT and SIGTERM
  held back for those two calls; a reader sees the old file or the new one, never a mix;
- backups are created with ``link()``, which never follows or overwrites anything: the
  first free name of ``FILE.bak``, ``FILE.bak.1``, ``FILE.bak.2``, ...
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fcgilint.fix.interrupts import deferred
from fcgilint.source import MAX_FILE_BYTES

TEMP_SUFFIX = ".fcgilint-tmp"
STALE_TEMP = re.compile(r"^\..+\.fcgilint-tmp$")
STALE_AFTER = 60.0  # seconds: older temporary names are leftovers of a killed run, never a live one
MAX_BACKUPS = 1000


class WriteError(Exception):
    """A file could not be written as required; the message names it and says what it holds."""


class Changed(WriteError):
    """The file no longer holds the bytes the analysis read: another writer got there first."""


@dataclass(frozen=True)
class Tree:
    """The directories a fix run may write in, resolved once."""

    roots: tuple[str, ...]

    @classmethod
    def of(cls, directories: list[str]) -> Tree:
        return cls(tuple(dict.fromkeys(os.path.realpath(d) for d in directories)))

    def contains(self, real: str) -> bool:
        return any(real == root or os.path.commonpath([real, root]) == root for root in self.roots)

    def __str__(self) -> str:
        return ", ".join(self.roots)


def target_of(path: Path, tree: Tree, writing: bool = True) -> tuple[Path | None, str | None]:
    """The real file to write for ``path``, or why it is refused."""
    real = os.path.realpath(path)
    if not tree.contains(real):
        how = "is a symlink to" if real != os.path.abspath(path) else "resolves to"
        return None, f"{path} {how} {real}, outside the configuration tree ({tree}); not edited"
    try:
        info = os.lstat(real)
    except OSError as exc:
        return None, f"{path}: {exc.strerror or exc}; not edited"
    if not stat.S_ISREG(info.st_mode):
        return None, f"{path}: not a regular file; not edited"
    if info.st_nlink > 1:
        return None, (f"{real} has {info.st_nlink} hard links: replacing it would leave the other names with "
                      "the old text; not edited (make it a single file or a symlink)")
    writable = os.access(real, os.W_OK) and os.access(os.path.dirname(real), os.W_OK | os.X_OK)
    if writing and not writable:
        return None, (f"{real}: no permission to replace this file (the file and its directory must be writable); "
                      "not edited")
    return Path(real), None


def replace(path: Path, expected: bytes, data: bytes, like: os.stat_result, tree: Tree, sync: bool = True) -> None:
    """Replace ``path`` by ``data`` if it still holds ``expected``.

    On any error the original is untouched (the rename is the last step). ``sync=False``
    leaves the directory's fsync to the caller (:func:`sync_directory`, once per directory).
    """
    with _directory(path.parent, tree) as dirfd, _Temp(dirfd, path.name) as temp:
        temp.fill(data, like, path)
        with deferred():
            _check_unchanged(dirfd, path, expected)
            temp.rename_to(path.name, path)
        if sync:
            _sync(dirfd)


def sync_directory(directory: Path) -> None:
    """Make the renames done in ``directory`` durable."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            _sync(fd)
        finally:
            os.close(fd)


def backup(path: Path, data: bytes, like: os.stat_result, suffix: str, tree: Tree) -> tuple[Path, int]:
    """A new backup of ``data`` beside ``path`` (mode and owner of ``like``); its path and inode."""
    with _directory(path.parent, tree) as dirfd, _Temp(dirfd, path.name) as temp:
        temp.fill(data, like, path)
        for number in range(MAX_BACKUPS):
            name = path.name + suffix + (f".{number}" if number else "")
            with deferred():
                if temp.link_as(name, path):
                    _sync(dirfd)
                    return path.with_name(name), os.stat(name, dir_fd=dirfd, follow_symlinks=False).st_ino
    raise WriteError(f"{path}: {MAX_BACKUPS} backups {path.name}{suffix}[.N] exist already; no backup written")


def remove_own(path: Path, inode: int) -> bool:
    """Unlink ``path`` if it is still the file this run created (same inode); True if it was."""
    try:
        if os.lstat(path).st_ino != inode:
            return False
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


def read_exact(path: Path) -> bytes:
    """The current bytes of a regular file, without following a final symlink."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)


def remove_stale_temps(directory: Path) -> list[Path]:
    """Remove temporary files a killed run left here (older than :data:`STALE_AFTER`)."""
    removed: list[Path] = []
    with contextlib.suppress(OSError), os.scandir(directory) as entries:
        for entry in entries:
            if STALE_TEMP.match(entry.name) and entry.is_file(follow_symlinks=False):
                if time.time() - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)
                        removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def _directory(directory: Path, tree: Tree) -> Iterator[int]:
    """The directory opened once, checked inside the tree as opened (a swapped-in symlink is caught)."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as exc:
        raise WriteError(f"{directory}: cannot open the directory ({exc.strerror or exc}); not edited") from None
    try:
        opened = _fd_path(fd) or os.path.realpath(directory)
        if not tree.contains(opened):
            raise WriteError(f"{directory} is now {opened}, outside the configuration tree ({tree}); not edited")
        yield fd
    finally:
        os.close(fd)


def _fd_path(fd: int) -> str | None:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None


def _check_unchanged(dirfd: int, path: Path, expected: bytes) -> None:
    """Compare-before-rename: the file still is a single regular file holding ``expected``."""
    try:
        fd = os.open(path.name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=dirfd)
    except OSError as exc:
        raise Changed(f"{path}: changed since fcgilint read it ({exc.strerror or exc}); not replaced") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        current = handle.read(MAX_FILE_BYTES + 1) if stat.S_ISREG(info.st_mode) else b""
    if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1 or current != expected:
        raise Changed(f"{path}: changed since fcgilint read it (another editor, or another fcgilint run); "
                      "not replaced, so that edit is kept")


class _Temp:
    """The new content, first as an anonymous file, named only for the final link or rename."""

    def __init__(self, dirfd: int, target: str) -> None:
        self.dirfd = dirfd
        self.name = f".{target}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
        anonymous = _anonymous(dirfd)
        self.named = anonymous is None
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        self.fd = anonymous if anonymous is not None else os.open(self.name, flags, 0o600, dir_fd=dirfd)

    def __enter__(self) -> _Temp:
        return self

    def __exit__(self, *exc: object) -> None:
        with deferred():
            os.close(self.fd)
            if self.named:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.name, dir_fd=self.dirfd)

    def fill(self, data: bytes, like: os.stat_result, path: Path) -> None:
        """Write ``data`` with the owner and mode of ``like``, durably."""
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view):]
            _keep_owner(self.fd, like, path)
            os.fchmod(self.fd, stat.S_IMODE(like.st_mode))
            os.fsync(self.fd)
        except OSError as exc:
            raise WriteError(f"{path}: cannot write the new content ({exc.strerror or exc}); not replaced") from None

    def rename_to(self, name: str, path: Path) -> None:
        """Give the content the name ``name``, replacing what is there."""
        try:
            self._name_it()
            os.replace(self.name, name, src_dir_fd=self.dirfd, dst_dir_fd=self.dirfd)
            self.named = False
        except OSError as exc:
            raise WriteError(f"{path}: cannot rename the new content into place ({exc.strerror or exc}); "
                             "not replaced") from None

    def link_as(self, name: str, path: Path) -> bool:
        """Give the content the new name ``name``; False if that name exists (never followed or replaced)."""
        try:
            if self.named:
                os.link(self.name, name, src_dir_fd=self.dirfd, dst_dir_fd=self.dirfd, follow_symlinks=False)
            else:
                os.link(f"/proc/self/fd/{self.fd}", name, dst_dir_fd=self.dirfd, follow_symlinks=True)
        except FileExistsError:
            return False
        except OSError as exc:
            raise WriteError(f"{path}: cannot create {name} ({exc.strerror or exc}); no backup written") from None
        return True

    def _name_it(self) -> None:
        if not self.named:
            os.link(f"/proc/self/fd/{self.fd}", self.name, dst_dir_fd=self.dirfd, follow_symlinks=True)
            self.named = True


def _anonymous(dirfd: int) -> int | None:
    """An unnamed file in the directory, or None where the system has no O_TMPFILE or /proc to link it."""
    if not hasattr(os, "O_TMPFILE") or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(".", os.O_TMPFILE | os.O_WRONLY, 0o600, dir_fd=dirfd)
    except OSError:
        return None


def _keep_owner(fd: int, like: os.stat_result, path: Path) -> None:
    """chown before chmod: chown clears set-id bits, chmod then restores the exact mode."""
    current = os.fstat(fd)
    if (current.st_uid, current.st_gid) == (like.st_uid, like.st_gid):
        return
    try:
        os.fchown(fd, like.st_uid, like.st_gid)
    except PermissionError:
        raise WriteError(f"{path}: cannot keep its owner {like.st_uid}:{like.st_gid} "
                         "(run as that user or root); not edited") from None


def _sync(dirfd: int) -> None:
    """Make the rename itself durable; some file systems refuse fsync on directories."""
    with contextlib.suppress(OSError):
        os.fsync(dirfd)

