"""What a check may return, and the table of checks by rule id.

Kept apart from :mod:`fcgilint.checks` (which imports every check module so they
register) so that a check module imports only this and never its own package.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from fcgilint.findings import Fix, Related, Severity
from fcgilint.load.apache_tree import ConfigTree, VHost
from fcgilint.model import Model, ProcessClass, Value
from fcgilint.source import Location


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


@dataclass(slots=True)
class Hit:
    """What a check found; the engine adds the rule id and severity."""

    location: Location
    message: str
    related: list[Related] = field(default_factory=list)
    chain: list[str] = field(default_factory=list)
    fix: Fix | None = None
    severity: Severity | None = None  # only when one rule has a milder and a graver form
    scope: Scope | None = None  # the class or vhost the hit is about, when it is about one
    refused: bool = False  # httpd would not start with this: see Finding.refused


@dataclass(frozen=True)
class NotChecked:
    """Something a check could not judge (a side of the set-up it cannot see); reported as a note."""

    rule: str  # the rule id(s) the note is about, as shown: "FCG002" or "FCG003/FCG005"
    why: str


CheckFn = Callable[[Model], Iterable[Hit | NotChecked]]
CHECKS: dict[str, CheckFn] = {}
#: Rules whose refused hits run and are reported even when --select/--ignore leave the rule out.
REFUSALS = ("FCG000", "FCG007")


def check(rule_id: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check function for a rule id."""

    def register(fn: CheckFn) -> CheckFn:
        CHECKS[rule_id] = fn
        return fn

    return register


TreeCheckFn = Callable[[Model, ConfigTree], Iterable[Hit | NotChecked]]


def tree_check(rule_id: str) -> Callable[[TreeCheckFn], CheckFn]:
    """Register a check that reads the httpd tree; it is handed the tree and never runs without one.

    A wrapper or php.ini checked alone has no tree, and a rule about handlers, directives or
    sections has nothing to judge there: no finding and no note.
    """

    def register(fn: TreeCheckFn) -> CheckFn:
        @functools.wraps(fn)
        def run(model: Model) -> Iterable[Hit | NotChecked]:
            return () if model.tree is None else fn(model, model.tree)

        CHECKS[rule_id] = run
        return run

    return register


def where(value: Value, fallback: Location) -> Location:
    """The place a value was set, or the fallback when a default applies."""
    return value.location or fallback


def chain_of(*values: Value) -> list[str]:
    """Provenance lines of several values, labelled by value name."""
    return [f"{v.name}: {step}" for v in values for step in v.chain]
