"""Output formats, one module per format, all fed the same :class:`Report`.

Machine formats (json, sarif, github, junit) return exactly what goes to
stdout; nothing else may be mixed in, because CI systems parse it whole.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # kept out of start-up: the rules module loads the YAML parser
    from fcgilint.evidence import Detection
    from fcgilint.findings import Finding
    from fcgilint.rules import Rule

FORMATS = ("text", "json", "sarif", "github", "junit")
_MODULES = {"text": "text", "json": "json_format", "sarif": "sarif", "github": "github", "junit": "junit"}


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


@dataclass
class Report:
    """Everything a renderer may show."""

    findings: list[Finding]
    notes: list[str] = field(default_factory=list)
    rules: tuple[Rule, ...] = ()
    sources: SourceIndex = field(default_factory=SourceIndex)
    #: (finding, detection) pairs behind each finding's ``evidence`` lines, for formats that show samples as places
    attached: list[tuple[Finding, Detection]] = field(default_factory=list)

    def detections_of(self, finding: Finding) -> list[Detection]:
        """The detections attached to this very finding object."""
        return [d for f, d in self.attached if f is finding]


def default_format(environ: dict[str, str] | None = None) -> str:
    """``github`` inside GitHub Actions (annotations appear on the diff), else ``text``."""
    env = os.environ if environ is None else environ
    return "github" if env.get("GITHUB_ACTIONS") == "true" else "text"


def render(name: str, report: Report) -> str:
    """Render a report in one of :data:`FORMATS`; the module is imported only when used."""
    if name not in _MODULES:
        raise ValueError(f"unknown format {name!r}; use {', '.join(FORMATS)}")
    module = import_module(f"fcgilint.formats.{_MODULES[name]}")
    return module.render(report)


def clean(text: str) -> str:
    """Replace lone surrogates (undecodable bytes kept by the loader) so every format can encode it."""
    return text.encode("utf-8", "replace").decode("utf-8")
