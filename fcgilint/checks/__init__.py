"""How each rule detects its problem. The rule's YAML file says what and why.

A check is a function ``(model) -> iterable of Hit`` registered under its rule
id with :func:`check`. :func:`run` turns hits into findings with the rule's
severity and drops duplicates (several classes can share one directive).
A check that cannot judge something (a side of the set-up it cannot see) says so
in ``model.unchecked`` instead of guessing; the report prints those as notes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from fcgilint.findings import Finding, Fix, Related, Severity
from fcgilint.model import Model, Value
from fcgilint.rules import Rule
from fcgilint.source import Location


@dataclass
class Hit:
    """What a check found; the engine adds the rule id and severity."""

    location: Location
    message: str
    related: list[Related] = field(default_factory=list)
    chain: list[str] = field(default_factory=list)
    fix: Fix | None = None
    severity: Severity | None = None  # only when one rule has a milder and a graver form


CheckFn = Callable[[Model], Iterable[Hit]]
CHECKS: dict[str, CheckFn] = {}


def check(rule_id: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check function for a rule id."""

    def register(fn: CheckFn) -> CheckFn:
        CHECKS[rule_id] = fn
        return fn

    return register


def where(value: Value, fallback: Location) -> Location:
    """The place a value was set, or the fallback when a default applies."""
    return value.location or fallback


def chain_of(*values: Value) -> list[str]:
    """Provenance lines of several values, labelled by value name."""
    return [f"{v.name}: {step}" for v in values for step in v.chain]


def run(model: Model, rules: Iterable[Rule]) -> list[Finding]:
    """Run every rule that has a check and collect findings, deduplicated and sorted."""
    findings: list[Finding] = []
    seen: set[tuple[str, Location, str]] = set()
    for rule in rules:
        fn = CHECKS.get(rule.id)
        if fn is None:
            continue
        for hit in fn(model):
            key = (rule.id, hit.location, hit.message)
            if key in seen:
                continue
            seen.add(key)
            findings.append(Finding(rule.id, hit.severity or rule.severity, hit.location, hit.message, hit.related, hit.chain, hit.fix))
    return sorted(findings, key=Finding.sort_key)


# Registration happens on import.
from fcgilint.checks import directives, environment, handlers, limits, request_path, wrappers  # noqa: E402,F401
