"""Run policy: which rules run and what makes a run fail.

Shared by every command that reports findings (``check``, ``fix``) and by the
settings that build it, so it sits below both and imports no command code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fcgilint import exitcodes
from fcgilint.findings import Finding, Severity

# The rules are only named here: `fcgilint --version` should not pay for the YAML parser.
if TYPE_CHECKING:
    from fcgilint.rules import Rule


@dataclass(frozen=True)
class Selection:
    """Which rules run and what fails the run."""

    rules: tuple[Rule, ...]
    fail_on: Severity


def exit_code(findings: list[Finding], selection: Selection, exit_zero: bool) -> int:
    """0 clean, 1 findings at or above --fail-on."""
    failing = any(f.severity.rank >= selection.fail_on.rank for f in findings)
    return exitcodes.FINDINGS if failing and not exit_zero else exitcodes.OK
