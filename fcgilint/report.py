"""Text and JSON rendering under the import path older callers use.

The renderers live in :mod:`fcgilint.formats`; this module keeps the two
function names stable for commands that render without a full report.
"""

from __future__ import annotations

from collections.abc import Iterable

from fcgilint.findings import Finding
from fcgilint.formats import Report, json_format
from fcgilint.formats.text import plain, summary
from fcgilint.rules import load_rules

__all__ = ["render_json", "render_text", "summary"]


def render_text(findings: Iterable[Finding], notes: Iterable[str] = (), verbose: bool = True) -> str:
    """Plain text, as when output is piped."""
    return plain(list(findings), list(notes), {r.id: r for r in load_rules()}, verbose)


def render_json(findings: Iterable[Finding], notes: Iterable[str] = ()) -> str:
    """The documented JSON object."""
    return json_format.render(Report(list(findings), list(notes)))
