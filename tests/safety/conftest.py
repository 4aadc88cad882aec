"""The safety suite reports what it tried: inputs, tracebacks, hangs and bytes lost."""

from __future__ import annotations

import pytest

from tests.safety.support import COUNTS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if COUNTS:
        shown = ", ".join(f"{name}: {COUNTS[name]}" for name in ("inputs tried", "tracebacks", "hangs", "bytes lost"))
        terminalreporter.write_line(f"safety: {shown}")
