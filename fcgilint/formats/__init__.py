"""Output formats, one module per format, all fed the same :class:`fcgilint.report.Report`.

Machine formats (json, sarif, github, junit, gitlab, checkstyle, rdjson) return exactly what goes to
stdout; nothing else may be mixed in, because CI systems parse it whole.
"""

from __future__ import annotations

import os
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fcgilint.formats.text import TextOptions
    from fcgilint.report import Report

FORMATS = ("text", "json", "sarif", "github", "junit", "gitlab", "checkstyle", "rdjson")
_MODULES = {
    "text": "text", "json": "json_format", "sarif": "sarif", "github": "github", "junit": "junit",
    "gitlab": "gitlab", "checkstyle": "checkstyle", "rdjson": "rdjson",
}


def default_format(environ: dict[str, str] | None = None) -> str:
    """``github`` inside GitHub Actions (annotations appear on the diff), else ``text``."""
    env = os.environ if environ is None else environ
    return "github" if env.get("GITHUB_ACTIONS") == "true" else "text"


def render(name: str, report: Report, text: TextOptions | None = None, stream: object = None) -> str:
    """Render a report in one of :data:`FORMATS`; the module is imported only when used.

    ``text`` and ``stream`` (where the output goes, for colour on a terminal) only concern ``text``.
    """
    if name not in _MODULES:
        raise ValueError(f"unknown format {name!r}; use {', '.join(FORMATS)}")
    module = import_module(f"fcgilint.formats.{_MODULES[name]}")
    if name == "text":
        return str(module.render(report, text, stream))
    return str(module.render(report))


def clean(text: str) -> str:
    """Replace lone surrogates (undecodable bytes kept by the loader) so every format can encode it."""
    return text.encode("utf-8", "replace").decode("utf-8")
