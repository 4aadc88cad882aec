"""Decimal numbers from untrusted text, read the way C reads them and in bounded time.

Python refuses to convert a string of more than 4,300 digits (and would take quadratic
time without that limit); httpd's ``atol``/``strtol`` and the kernel's numbers saturate
at the 64-bit range instead. :func:`saturated` does the same: a value beyond it is
``LONG_MAX`` (or ``LONG_MIN``), whatever its length.
"""

from __future__ import annotations

LONG_MAX = 2**63 - 1
LONG_MIN = -(2**63)
_MAX_DIGITS = 19  # LONG_MAX has 19 digits


def saturated(text: str) -> int:
    """``int(text)`` for an optionally signed run of ASCII digits, clamped to C's ``long``."""
    negative = text.startswith("-")
    digits = text.lstrip("+-").lstrip("0") or "0"
    if len(digits) > _MAX_DIGITS:
        return LONG_MIN if negative else LONG_MAX
    return max(LONG_MIN, min(LONG_MAX, -int(digits) if negative else int(digits)))
