"""Write configuration files so that a server never sees a half-written one.

The new content goes to a temporary file in the same directory (same file
system), is fsync'ed, gets the original's mode and owner, and then replaces the
original with one ``rename``: a reader sees the old file or the new one, never a
mixture, and a crash before the rename leaves the original untouched.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


class WriteError(Exception):
    """A file could not be written as required; the message names it."""


def inside(path: str, roots: list[str]) -> bool:
    """True if ``path`` (resolved) lies in one of the resolved ``roots``."""
    return any(os.path.commonpath([path, root]) == root for root in roots)


def target_of(path: Path, roots: list[str], writing: bool = True) -> tuple[Path | None, str | None]:
    """The real file to write for ``path``, or why it is refused.

    A symlink is followed only when its target stays inside the config tree
    (or ``--root``): writing through a link to, say, a shared file elsewhere
    would change a file the user did not ask about.
    """
    real = os.path.realpath(path)
    if real != os.path.abspath(path) and not inside(real, [os.path.realpath(r) for r in roots]):
        return None, f"{path} is a symlink to {real}, outside the configuration tree ({', '.join(roots)}); not edited"
    if not os.path.isfile(real):
        return None, f"{path}: not a regular file; not edited"
    if writing and not (os.access(real, os.W_OK) and os.access(os.path.dirname(real), os.W_OK | os.X_OK)):
        return None, f"{real}: no permission to replace this file (the file and its directory must be writable); not edited"
    return Path(real), None


def write_atomic(path: Path, data: bytes, like: os.stat_result) -> None:
    """Replace ``path`` by ``data`` atomically, with the mode, owner and group of ``like``."""
    directory = path.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".fcgilint-tmp", dir=directory)
    except OSError as exc:
        raise WriteError(f"{path}: cannot create a temporary file in {directory}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            _keep_owner(handle.fileno(), like, path)
            os.fchmod(handle.fileno(), stat.S_IMODE(like.st_mode))
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise WriteError(f"{path}: {exc.strerror or exc}; the original is unchanged") from None
        raise
    _sync_directory(directory)


def _keep_owner(fd: int, like: os.stat_result, path: Path) -> None:
    """chown before chmod: chown clears set-id bits, chmod then restores the exact mode."""
    current = os.fstat(fd)
    if (current.st_uid, current.st_gid) == (like.st_uid, like.st_gid):
        return
    try:
        os.fchown(fd, like.st_uid, like.st_gid)
    except PermissionError:
        raise WriteError(f"{path}: cannot keep its owner {like.st_uid}:{like.st_gid} (run as that user or root); not edited") from None


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable; some file systems refuse fsync on directories."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
