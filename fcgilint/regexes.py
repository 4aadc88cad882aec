"""Regular expressions taken from a configuration, run with a time bound.

httpd compiles ``<FilesMatch>``, ``<IfVersion ~>`` and friends with PCRE, which gives up
on runaway backtracking (its match limit). Python's ``re`` has no such limit: a pattern
like ``(.*)*x`` can run for minutes. These go through the ``regex`` module instead, which
speaks PCRE's dialect and takes a timeout; a pattern that fails to compile or runs out of
time gives ``None``, "unknown", never a guess and never a hang.
"""

from __future__ import annotations

import regex

TIMEOUT = 0.05  # seconds per match; a real pattern on a file name takes microseconds


def search(pattern: str, subject: str) -> bool | None:
    """Whether ``pattern`` matches somewhere in ``subject``; None if invalid or too slow."""
    try:
        return regex.search(pattern, subject, timeout=TIMEOUT) is not None
    except (regex.error, TimeoutError, OverflowError, RecursionError, ValueError):
        return None
