"""Output formats, one module per format, each rendering the report documents of :mod:`fcgilint.report`.

:data:`AVAILABLE` says which formats render which document (a command's ``--format`` choices);
a format module renders a document of kind ``K`` with ``render_K`` (``render`` for ``check``'s
:class:`~fcgilint.report.Report`). Machine formats (json, sarif, github, junit, gitlab, checkstyle,
rdjson) return exactly what goes to stdout; nothing else may be mixed in, because CI systems parse it whole.
"""

from __future__ import annotations

import os
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fcgilint.formats.text import TextOptions
    from fcgilint.report import Catalogue, ExampleRuns, FixReport, Overview, Report, TraceReport

    Document = Report | FixReport | TraceReport | Catalogue | ExampleRuns | Overview

FORMATS = ("text", "json", "sarif", "github", "junit", "gitlab", "checkstyle", "rdjson")
#: The formats of each document kind, the first one the default. ``rules`` calls its text ``table``.
AVAILABLE: dict[str, tuple[str, ...]] = {
    "check": FORMATS,
    "fix": ("text", "json", "sarif"),
    "trace": ("text", "json", "sarif", "github"),
    "rules": ("table", "json", "markdown"),
    "examples": ("text", "json"),
    "show": ("text", "json"),
}
_MODULES = {
    "text": "text", "json": "json_format", "sarif": "sarif", "github": "github", "junit": "junit",
    "gitlab": "gitlab", "checkstyle": "checkstyle", "rdjson": "rdjson", "table": "text", "markdown": "markdown",
}


def default_format(environ: dict[str, str] | None = None) -> str:
    """``github`` inside GitHub Actions (annotations appear on the diff), else ``text``."""
    env = os.environ if environ is None else environ
    return "github" if env.get("GITHUB_ACTIONS") == "true" else "text"


def unavailable(kind: str, name: str) -> str | None:
    """Why ``--format name`` cannot render a ``kind`` document (the usage error), or None when it can."""
    choices = AVAILABLE[kind]
    return None if name in choices else f"--format {name}: use {', '.join(choices)}"


def render(name: str, report: Document, text: TextOptions | None = None, stream: object = None) -> str:
    """Render a report document in one of the formats :data:`AVAILABLE` for its kind; modules load when used.

    ``text`` and ``stream`` (where the output goes, for colour on a terminal) only concern ``text``.
    """
    problem = unavailable(report.kind, name)
    if problem is not None:
        raise ValueError(problem)
    module = import_module(f"fcgilint.formats.{_MODULES[name]}")
    function = module.render if report.kind == "check" else getattr(module, f"render_{report.kind}")
    if name == "text":
        return str(function(report, text, stream))
    return str(function(report))


def clean(text: str) -> str:
    """Replace lone surrogates (undecodable bytes kept by the loader) so every format can encode it."""
    return text.encode("utf-8", "replace").decode("utf-8")
