"""Map paths as written in a server's config onto the files fcgilint reads.

On a server the two are the same. In a config repository that mirrors ``/``
(CI, pre-commit) ``--root DIR`` maps ``/etc/apache2/x.conf`` to
``DIR/etc/apache2/x.conf``; reports then name the repository file, which is what
an editor, a SARIF viewer or a GitHub annotation needs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

WINDOWS_PATH = re.compile(r"^([A-Za-z]):[/\\]")


@dataclass(frozen=True)
class PathMap:
    """Translate between config paths, host paths and display paths."""

    root: Path | None = None

    def to_host(self, config_path: str) -> str:
        """Where a path named in the config lives on this machine.

        Under ``--root`` a Windows path (``D:/Apache24/conf``, ``C:\\php``) maps to
        ``ROOT/D/Apache24/conf``, the drive as a folder; a repository that mirrors one drive
        without that folder gets ``ROOT/Apache24/conf``."""
        if self.root is not None and config_path.startswith("/"):
            return str(self.root / config_path.lstrip("/"))
        drive = WINDOWS_PATH.match(config_path)
        if self.root is not None and drive:
            rest = config_path[drive.end():].replace("\\", "/").lstrip("/")
            with_drive = self.root / drive.group(1).upper() / rest
            return str(with_drive if (self.root / drive.group(1).upper()).is_dir() else self.root / rest)
        return config_path

    def to_config(self, host_path: str) -> str:
        """The path as the server would name it (inverse of :meth:`to_host`)."""
        if self.root is not None:
            root = os.path.abspath(self.root)
            absolute = os.path.abspath(host_path)
            if absolute == root or absolute.startswith(root + os.sep):
                relative = os.path.relpath(absolute, root).replace(os.sep, "/")
                return "/" if relative == "." else "/" + relative  # keep the dot of /.htaccess
        return host_path

    def display(self, host_path: str) -> str:
        """A short name for reports: relative to the working directory when inside it."""
        absolute = os.path.abspath(host_path)
        cwd = os.getcwd()
        if absolute.startswith(cwd + os.sep):
            return os.path.relpath(absolute, cwd)
        return absolute

    def inside(self, host_path: str) -> bool:
        """True if a host path lies under ``--root`` (or no root was given)."""
        if self.root is None:
            return True
        root = os.path.realpath(self.root)
        return os.path.realpath(host_path).startswith(root + os.sep)
