"""The check of a declarative rule: its condition evaluated on every process class in its scope.

A rule file with a ``condition`` (see :mod:`fcgilint.conditions`) needs no Python:
for each class whose vhost and wrapper match the rule's globs, whose values the
condition names are all known, and where every ``when`` holds, a requirement
that does not hold is a hit. Its remedy, when the rule names ``fix.set``, is the
one the built-in limit rules use (:func:`fcgilint.checks.remedies.set_server_value`):
the value is set in the class's narrowest scope, to what every class sharing that
place needs.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterator

from fcgilint.checks import remedies
from fcgilint.checks.registry import CheckFn, Hit, chain_of, scope_of, where
from fcgilint.conditions import Declarative, Operand, fill, number_of
from fcgilint.findings import Fix, Related
from fcgilint.model import Model, ProcessClass, Value
from fcgilint.rules import Rule
from fcgilint.source import Location


def check_for(rule: Rule) -> CheckFn:
    """The check function of a declarative rule."""
    spec = rule.condition
    assert spec is not None

    def run(model: Model) -> Iterator[Hit]:
        for pc in model.classes:
            values = _values(spec, pc)
            if values is None or _holds(spec, values):
                continue
            yield _hit(rule, spec, model, pc, values)

    return run


def _in_scope(spec: Declarative, pc: ProcessClass) -> bool:
    if spec.wrapper is not None and not fnmatch.fnmatchcase(pc.command, spec.wrapper):
        return False
    if spec.vhost is None:
        return True
    return pc.vhost is not None and fnmatch.fnmatch(pc.vhost.name.lower(), spec.vhost.lower())


def _values(spec: Declarative, pc: ProcessClass) -> dict[str, Value] | None:
    """The class's values the condition names; None when out of scope, a guard fails, or a value is unknown."""
    if not _in_scope(spec, pc):
        return None
    names = list(dict.fromkeys(n for c in (spec.require, *spec.when) for n in c.names()))
    values = {n: pc.values[n] for n in names if n in pc.values}
    if len(values) < len(names) or any(v.number is None for v in values.values()):
        return None
    if not all(c.holds(_numbers(values)) for c in spec.when):
        return None
    return values


def _numbers(values: dict[str, Value]) -> dict[str, float]:
    return {n: number_of(n, v.number) for n, v in values.items() if v.number is not None}


def _holds(spec: Declarative, values: dict[str, Value]) -> bool:
    return spec.require.holds(_numbers(values))


def _anchor(pc: ProcessClass) -> Location:
    """Where a class is configured: its FcgidWrapper line, or the wrapper file checked alone."""
    if pc.directive is not None:
        return pc.directive.location
    return Location(pc.script.display if pc.script else pc.command, 1)


def _hit(rule: Rule, spec: Declarative, model: Model, pc: ProcessClass, values: dict[str, Value]) -> Hit:
    left = values[str(spec.require.left.name)]
    others = [v for n, v in values.items() if n != left.name]
    related = [Related(v.location, f"{v.name} = {v.raw}") for v in others if v.location is not None]
    fix = _fix(rule, spec, model, pc)
    message = _message(rule, spec, pc, values)
    # A message that names the class is about the class (hits of several classes merge into one finding
    # naming them); one that does not is about the place, like a built-in check's hit without a scope.
    scope = scope_of(pc) if pc.label in message else None
    return Hit(where(left, _anchor(pc)), message, related, chain_of(left, *others), fix, scope=scope)


def _message(rule: Rule, spec: Declarative, pc: ProcessClass, values: dict[str, Value]) -> str:
    left = spec.require.left.name
    template = (
        spec.message
        or f"{{{left}.raw}} is the {left} of {{class}} ({{{left}.source}}); {rule.id} requires {{required}}"
    )
    return fill(template, _fields(spec, pc, values))


def _fields(spec: Declarative, pc: ProcessClass, values: dict[str, Value]) -> dict[str, str]:
    """What a message or reason template may name (see fcgilint.conditions.template_fields)."""
    fields = {"class": pc.label, "vhost": pc.vhost.name if pc.vhost else "main server", "wrapper": pc.command,
              "required": spec.require.text}
    for name, v in values.items():
        shown = v.raw if v.raw is not None else v.number
        origin = f"{shown} at {v.location}" if v.location else f"{shown} ({v.decided_by})"
        fields |= {
            name: str(v.number),
            f"{name}.raw": str(v.raw),
            f"{name}.source": v.decided_by,
            f"{name}.origin": origin,
        }
    return fields


def _fix(rule: Rule, spec: Declarative, model: Model, pc: ProcessClass) -> Fix | None:
    """Set ``fix.set`` where it takes effect for the class, to what every class sharing that place needs."""
    if spec.set is None:
        return None
    require = spec.require
    on_left = require.left.name == spec.set
    target = spec.to or (require.right if on_left else require.left)
    op = require.op if on_left else {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(require.op, require.op)

    def need(c: ProcessClass) -> int | None:
        values = _values(spec, c)
        if values is None or _holds(spec, values):
            return None
        number = _target(target, c)
        if number is None:
            return None
        if target.name == "max_execution_time" and op in (">", ">="):
            return remedies.io_timeout_for(number)  # CPU seconds: the documented margin of wall-clock time
        return number + (1 if op == ">" else -1 if op == "<" else 0)

    values = _values(spec, pc) or {}
    reason = fill(spec.reason, _fields(spec, pc, values)) if spec.reason else rule.title
    fix = remedies.set_server_value(model, pc, spec.set, need, op in ("<", "<="), reason)
    if fix is not None:
        fix.safe = bool(rule.fix.get("safe", False))
    return fix


def _target(target: Operand, pc: ProcessClass) -> int | None:
    """The number a fix writes for one class; None when it is unknown or "no limit"."""
    if target.name is None:
        return None if math.isinf(target.number) else int(target.number)
    value = pc.values.get(target.name)
    if value is None or value.number is None or math.isinf(number_of(target.name, value.number)):
        return None
    return value.number
