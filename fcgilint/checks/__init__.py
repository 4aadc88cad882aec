"""How each rule detects its problem. The rule's YAML file says what and why.

The contract of a check:

* it is a function ``(model) -> iterable of Hit | NotChecked`` registered under
  its rule id with :func:`fcgilint.checks.registry.check`;
* it reads the model and never changes it: what it found is a :class:`Hit`, and
  what it cannot judge (a side of the set-up it cannot see) is a
  :class:`NotChecked` it yields instead of guessing;
* a hit about one process class or vhost names its :class:`Scope`; hits of one
  rule at one place that differ only in that scope are one root cause (a
  server-level value shared by many vhosts) and become one finding naming every vhost;
* a rule file with a ``condition`` needs no Python: :mod:`fcgilint.checks.declarative`
  evaluates it (the condition language is :mod:`fcgilint.conditions`);
* a remedy it attaches is computed by :mod:`fcgilint.checks.remedies`, beside the
  checks, so ``check`` and ``fix`` show the same edit.

:func:`run` turns hits into findings with the rule's severity, one per root
cause, and collects the not-checked notes; the report prints those as notes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import fcgilint.capacity
from fcgilint import progress, workers
from fcgilint.checks.declarative import check_for
from fcgilint.checks.registry import CHECKS, Hit, NotChecked, Scope
from fcgilint.findings import Finding, Related
from fcgilint.load.apache_tree import VHost
from fcgilint.model import Model
from fcgilint.rules import Rule
from fcgilint.source import Location

NAMED_SCOPES = 5  # a merged finding's message names this many vhosts, then counts the rest


@dataclass
class Outcome:
    """Everything the checks returned for one model."""

    findings: list[Finding] = field(default_factory=list)
    unchecked: list[NotChecked] = field(default_factory=list)


def run(model: Model, rules: Iterable[Rule]) -> Outcome:
    """Run every rule that has a check: findings one per root cause and sorted, notes in the order given.

    On a big tree with a second core idle the rules run on both cores (:mod:`fcgilint.workers`),
    each rule whole in one process; the outcomes are joined in the rules' order, so the result is the
    same either way.
    """
    outcome = Outcome()
    homes = _directive_scopes(model)
    rules = list(rules)
    progress.begin("checks", "rules", len(rules))
    size = len(model.tree.directives) if model.tree is not None else 0
    if size >= PARALLEL_DIRECTIVES and len(rules) > 1 and workers.usable():
        if any(getattr(CHECKS.get(r.id), "__module__", None) == capacity.__name__ for r in rules):
            fcgilint.capacity.of(model)  # read by several capacity rules: built once, before the fork
        parts = workers.split_map(lambda rule: _rule(model, rule, homes), rules)
    else:
        parts = []
        for rule in rules:
            parts.append(_rule(model, rule, homes))
            progress.advance()
    for findings, unchecked in parts:
        outcome.findings.extend(findings)
        outcome.unchecked.extend(unchecked)
    _no_fix_into_htaccess(model, outcome.findings)
    _name_links(model, outcome.findings)
    outcome.findings.sort(key=Finding.sort_key)
    return outcome


#: Directives from which the rules may run on both cores: below, the fork costs more than it could save.
PARALLEL_DIRECTIVES = 20_000
_Part = tuple[list[Finding], list[NotChecked]]


def _rule(model: Model, rule: Rule, homes: dict[Location, list[str | None]]) -> _Part:
    """One rule's findings (one per root cause) and notes."""
    fn = check_for(rule) if rule.condition is not None else CHECKS.get(rule.id)
    if fn is None:
        return [], []
    unchecked: list[NotChecked] = []
    groups: dict[tuple[Location, str], list[Hit]] = {}
    for item in fn(model):
        if isinstance(item, NotChecked):
            unchecked.append(item)
        else:
            groups.setdefault((item.location, _cause(item)), []).append(item)
    return [_finding(rule, hits, homes) for hits in groups.values()], unchecked


def _name_links(model: Model, findings: list[Finding]) -> None:
    """A finding in a file httpd reads through a symlink names that link too."""
    links = model.tree.links if model.tree is not None else {}
    for finding in findings:
        link = links.get(finding.location.file)
        if link is not None:
            finding.related.append(Related(Location(link, finding.location.line), "the symlink httpd reads it through"))


def _no_fix_into_htaccess(model: Model, findings: list[Finding]) -> None:
    """A fix never writes into a .htaccess: httpd answers every request of the directory with a 500
    for a directive not allowed there, and the remedy belongs to the vhost or directory that owns it."""
    files = {p.file.source.display for p in model.tree.directives if p.htaccess} if model.tree is not None else set()
    for finding in findings:
        edits = finding.fix.edits if finding.fix is not None else []
        if any(e.file in files or e.file.replace("\\", "/").rsplit("/", 1)[-1] == ".htaccess" for e in edits):
            finding.fix = None


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
    return Finding(
        rule.id,
        severity,
        first.location,
        message,
        related,
        first.chain,
        first.fix,
        vhosts=vhosts,
        refused=first.refused,
    )


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
    homes: dict[Location, dict[str | None, None]] = {}  # dicts: a file included in every vhost stays linear
    if model.tree is not None:
        for placed in model.tree.directives:
            homes.setdefault(placed.location, {})[_name(placed.vhost)] = None
    return {location: list(names) for location, names in homes.items()}


# Registration happens on import.
from fcgilint.checks import (  # noqa: E402,F401
    capacity,
    dead_config,
    directives,
    environment,
    handlers,
    limits,
    request_path,
    suexec,
    unknown_directives,
    wrappers,
)
