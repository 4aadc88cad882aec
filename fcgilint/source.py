"""Source files and positions.

Every value fcgilint reports carries the file and line it came from, and every
fix is a text edit on the original bytes. Files are therefore decoded with
``surrogateescape``: each undecodable byte becomes one lone surrogate, so
``text.encode("utf-8", "surrogateescape")`` gives back the exact original bytes
whatever the encoding (Latin-1 comments, stray Windows-1252 bytes).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

# A config file larger than this is refused: real httpd trees are a few MB at most,
# and reading a multi-GB file by mistake (a log given as config) must not hang.
MAX_FILE_BYTES = 64 * 1024 * 1024


class SourceError(Exception):
    """A file that cannot be used as input; the message names the file."""


@dataclass(frozen=True, order=True, slots=True)
class Location:
    """A 1-based file:line(:col) position as users and editors expect it."""

    file: str
    line: int
    col: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(slots=True)
class SourceFile:
    """The decoded text of one file plus what is needed to write it back unchanged."""

    path: Path
    display: str
    text: str

    @property
    def raw(self) -> bytes:
        """The original bytes (exact, thanks to surrogateescape)."""
        return self.text.encode("utf-8", "surrogateescape")

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset."""
        return self.text.count("\n", 0, offset) + 1


def decode(data: bytes) -> str:
    """Decode bytes losslessly (see module docstring)."""
    return data.decode("utf-8", "surrogateescape")


def read_source(path: Path, display: str | None = None) -> SourceFile:
    """Read a text file, refusing directories, huge files and binary content."""
    shown = display or str(path)
    try:
        found = os.stat(path)  # one stat answers every question: a tree reads thousands of files
        mode, size = found.st_mode, found.st_size
        if stat.S_ISDIR(mode):
            raise SourceError(f"{shown}: is a directory, not a file")
        if not stat.S_ISREG(mode):
            raise SourceError(f"{shown}: not a regular file (a device or a pipe)")
        if size > MAX_FILE_BYTES:
            raise SourceError(f"{shown}: file is {size} bytes, larger than the {MAX_FILE_BYTES} byte limit")
        data = path.read_bytes()
    except PermissionError:
        raise SourceError(f"{shown}: permission denied") from None
    except FileNotFoundError:
        raise SourceError(f"{shown}: no such file") from None
    except OSError as exc:
        raise SourceError(f"{shown}: {exc.strerror or exc}") from None
    if b"\0" in data[:65536]:
        raise SourceError(f"{shown}: binary file (contains NUL bytes), not a text configuration")
    return SourceFile(path=path, display=shown, text=decode(data))


def is_executable(path: Path) -> bool:
    """True if the file exists and has an execute bit httpd would honour."""
    return path.is_file() and os.access(path, os.X_OK)


class SourceIndex:
    """Text of the files findings point at, keyed by their display name.

    Texts the loader already read are registered; anything else (a php.ini) is
    read on demand, because the display name is a path relative to the working
    directory or absolute.
    """

    def __init__(self, texts: dict[str, str] | None = None) -> None:
        self._texts: dict[str, str | None] = dict(texts or {})

    def add(self, display: str, text: str) -> None:
        self._texts.setdefault(display, text)

    def text(self, display: str) -> str | None:
        if display not in self._texts:
            try:
                self._texts[display] = Path(display).read_bytes().decode("utf-8", "surrogateescape")
            except OSError:
                self._texts[display] = None
        return self._texts[display]

    def line(self, display: str, lineno: int) -> str | None:
        """The 1-based line of a file without its newline, or None if unknown."""
        text = self.text(display)
        if text is None or lineno < 1:
            return None
        lines = text.splitlines()
        return lines[lineno - 1] if lineno <= len(lines) else None

    def displays(self) -> list[str]:
        return [d for d, t in self._texts.items() if t is not None]
