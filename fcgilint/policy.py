"""Run policy: which rules run and what makes a run fail.

Shared by every command that reports findings (``check``, ``fix``) and by the
settings that build it, so it sits below both and imports no command code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fcgilint import exitcodes
from fcgilint.findings import Finding, Severity

# The rules are only named here: `fcgilint --version` should not pay for the YAML parser.
if TYPE_CHECKING:
    from fcgilint.rules import Rule


@dataclass
class Choices:
    """What the command line said; empty or None means "not said". Here, not in the settings, so that
    a re-check answered by the cache does not import the pipeline."""

    paths: list[Path] = field(default_factory=list)
    root: Path | None = None
    modules: list[str] = field(default_factory=list)
    without_modules: list[str] = field(default_factory=list)
    defines: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: str | None = None
    config: Path | None = None
    sets: list[str] = field(default_factory=list)
    evidence: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Selection:
    """Which rules run and what fails the run."""

    rules: tuple[Rule, ...]
    fail_on: Severity


def exit_code(findings: list[Finding], selection: Selection, exit_zero: bool) -> int:
    """0 clean, 1 findings at or above --fail-on."""
    failing = any(f.severity.rank >= selection.fail_on.rank for f in findings)
    return exitcodes.FINDINGS if failing and not exit_zero else exitcodes.OK
