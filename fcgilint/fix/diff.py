"""A unified diff of the exact file contents, for ``--diff``.

``str.splitlines`` would also split on form feeds and Unicode separators and so
misreport a file; lines here end at ``\\n`` only, keep their ``\\r``, and a last
line without a newline gets the usual ``\\ No newline at end of file`` marker.
The result is bytes: undecodable input bytes come back out unchanged.
"""

from __future__ import annotations

import difflib
import re


def physical_lines(text: str) -> list[str]:
    """Lines ending in ``\\n`` (kept), plus a final line without one if present."""
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)


def unified(display: str, old: str, new: str) -> bytes:
    """The diff of one file as bytes (surrogate-escaped characters restored)."""
    out: list[str] = []
    for line in difflib.unified_diff(physical_lines(old), physical_lines(new), f"a/{display}", f"b/{display}"):
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out).encode("utf-8", "surrogateescape")
