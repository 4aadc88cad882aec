"""How each rule detects its problem. The rule's YAML file says what and why.

A check is a function ``(model) -> iterable of Hit`` registered under its rule
id with :func:`check`. :func:`run` turns hits into findings with the rule's
severity and drops duplicates (several classes can share one directive).
A hit about one process class or vhost names its :class:`Scope`; hits of one rule
at one place that differ only in that scope are one root cause (a server-level
value shared by many vhosts) and become one finding naming every vhost.
A check that cannot judge something (a side of the set-up it cannot see) says so
in ``model.unchecked`` instead of guessing; the report prints those as notes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from fcgilint.findings import Finding, Fix, Related, Severity
from fcgilint.load.apache_tree import VHost
from fcgilint.model import Model, ProcessClass, Value
from fcgilint.rules import Rule
from fcgilint.source import Location

NAMED_SCOPES = 5  # a merged finding's message names this many vhosts, then counts the rest


@dataclass(frozen=True)
class Scope:
    """The vhost a hit concerns, and the words of its message that name it.

    ``text`` is replaced when hits are merged; ``prefix`` is what stays of it then
    (the command of a process class). An empty ``text``: the message does not name it.
    """

    vhost: VHost | None
    text: str
    prefix: str = ""


def scope_of(pc: ProcessClass) -> Scope:
    """The scope of a process class, as :attr:`ProcessClass.label` names it."""
    return Scope(pc.vhost, pc.label, f"{pc.command} in ")


def vhost_scope(vhost: VHost | None, text: str) -> Scope:
    """The scope of a server-level hit about one vhost (None: the main server)."""
    return Scope(vhost, text)


@dataclass
class Hit:
    """What a check found; the engine adds the rule id and severity."""

    location: Location
    message: str
    related: list[Related] = field(default_factory=list)
    chain: list[str] = field(default_factory=list)
    fix: Fix | None = None
    severity: Severity | None = None  # only when one rule has a milder and a graver form
    scope: Scope | None = None  # the class or vhost the hit is about, when it is about one


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
    """Run every rule that has a check and collect findings, one per root cause, sorted."""
    findings: list[Finding] = []
    homes = _directive_scopes(model)
    for rule in rules:
        fn = CHECKS.get(rule.id)
        if fn is None:
            continue
        groups: dict[tuple[Location, str], list[Hit]] = {}
        for hit in fn(model):
            groups.setdefault((hit.location, _cause(hit)), []).append(hit)
        findings.extend(_finding(rule, hits, homes) for hits in groups.values())
    return sorted(findings, key=Finding.sort_key)


def _cause(hit: Hit) -> str:
    """The message with the scope's words taken out: equal for one root cause."""
    return hit.message.replace(hit.scope.text, "\0") if hit.scope and hit.scope.text else hit.message


def _name(vhost: VHost | None) -> str | None:
    return vhost.name if vhost is not None else None


def _finding(rule: Rule, hits: list[Hit], homes: dict[Location, list[str | None]]) -> Finding:
    """One finding for hits of one root cause; several scopes are named together."""
    first = hits[0]
    scoped = [h.scope for h in hits if h.scope is not None]
    message = first.message
    if first.scope is not None:
        vhosts: list[str | None] | None = list(dict.fromkeys(_name(s.vhost) for s in scoped))
        message = _shared_message(first.message, first.scope, vhosts or [])
    else:
        vhosts = homes.get(first.location)
    related = list(dict.fromkeys(r for h in hits for r in h.related))
    severity = first.severity or rule.severity
    return Finding(rule.id, severity, first.location, message, related, first.chain, first.fix, vhosts=vhosts)


def _shared_message(message: str, scope: Scope, vhosts: list[str | None]) -> str:
    """The message naming every vhost that shares the cause (unchanged for one)."""
    if len(vhosts) < 2 or not scope.text:
        return message
    names = ", ".join(n or "main server" for n in vhosts[:NAMED_SCOPES])
    more = len(vhosts) - NAMED_SCOPES
    names += f" and {more} more" if more > 0 else ""
    return message.replace(scope.text, f"{scope.prefix}{len(vhosts)} scopes ({names})")


def _directive_scopes(model: Model) -> dict[Location, list[str | None]]:
    """The vhosts each config line takes effect in (several when its file is included in several)."""
    homes: dict[Location, list[str | None]] = {}
    if model.tree is not None:
        for placed in model.tree.directives:
            names = homes.setdefault(placed.location, [])
            if _name(placed.vhost) not in names:
                names.append(_name(placed.vhost))
    return homes


# Registration happens on import.
from fcgilint.checks import directives, environment, handlers, limits, request_path, wrappers  # noqa: E402,F401
