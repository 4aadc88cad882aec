"""The condition language of declarative rules: comparisons over a process class's effective values.

A rule file may say *what must hold* instead of naming a Python check::

    require: FcgidIOTimeout >= 300s
    when: max_execution_time > 0

A comparison is ``operand operator operand`` with one of ``< <= > >= == !=``.
An operand is the name of an effective value (:data:`VALUES`) or a constant:
a whole number, with a unit where the value has one: sizes in PHP's shorthand
(``K``, ``M``, ``G``, 1024-based, any case), durations in ``s``, ``min``, ``h``,
``d``; or ``unlimited``. At least one side is a value; both sides are of one kind
(a size is not compared with a duration). A value that means "no limit" when 0
compares as ``unlimited``, larger than any number. The text is tokenised and checked here, never evaluated as code; a
mistake is a :class:`ConditionError` with its offset in the text, which the rule
loader turns into file:line:col.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum


class Unit(Enum):
    """What a value measures, which decides the units its constants may carry."""

    COUNT = "count"
    SIZE = "size"
    DURATION = "duration"


@dataclass(frozen=True)
class ValueKind:
    """How the language reads one effective value."""

    unit: Unit
    zero_unlimited: bool = False  # 0 means "no limit" to the program that reads it
    server: bool = False  # a mod_fcgid server value, which a fix can set in the class's narrowest scope


#: Every effective value a process class carries (see fcgilint.model), as the language knows it.
VALUES: dict[str, ValueKind] = {
    "FcgidMaxRequestsPerProcess": ValueKind(Unit.COUNT, zero_unlimited=True, server=True),
    "FcgidIOTimeout": ValueKind(Unit.DURATION, server=True),
    "FcgidBusyTimeout": ValueKind(Unit.DURATION, server=True),
    "FcgidIdleTimeout": ValueKind(Unit.DURATION, zero_unlimited=True, server=True),
    "FcgidProcessLifeTime": ValueKind(Unit.DURATION, zero_unlimited=True, server=True),
    "FcgidMaxRequestLen": ValueKind(Unit.SIZE, server=True),
    "FcgidMaxProcessesPerClass": ValueKind(Unit.COUNT, server=True),
    "FcgidMinProcessesPerClass": ValueKind(Unit.COUNT, server=True),
    "PHP_FCGI_MAX_REQUESTS": ValueKind(Unit.COUNT, zero_unlimited=True),
    "PHP_FCGI_CHILDREN": ValueKind(Unit.COUNT),
    "max_execution_time": ValueKind(Unit.DURATION, zero_unlimited=True),
    "post_max_size": ValueKind(Unit.SIZE, zero_unlimited=True),
    "upload_max_filesize": ValueKind(Unit.SIZE),
    "cgi.fix_pathinfo": ValueKind(Unit.COUNT),
}

_FACTORS: dict[str, tuple[Unit, int]] = {
    "k": (Unit.SIZE, 1024), "m": (Unit.SIZE, 1024**2), "g": (Unit.SIZE, 1024**3),
    "s": (Unit.DURATION, 1), "min": (Unit.DURATION, 60), "h": (Unit.DURATION, 3600), "d": (Unit.DURATION, 86400),
}
OPERATORS = ("<=", ">=", "==", "!=", "<", ">")
UNLIMITED = "unlimited"
_TOKEN = re.compile(
    r"\s*(?:(?P<op><=|>=|==|!=|<|>)|(?P<num>\d+)(?P<unit>[A-Za-z]*)|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)|(?P<bad>\S))"
)
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


class ConditionError(Exception):
    """A condition that cannot be read.

    ``keys`` is the path of the YAML value at fault (``("condition", "require")``)
    and ``offset`` where in its text the problem starts, for file:line:col.
    """

    def __init__(self, message: str, offset: int = 0, keys: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.offset = offset
        self.keys = keys


@dataclass(frozen=True)
class Operand:
    """A value name, or a constant in the value's base unit (bytes, seconds)."""

    name: str | None
    number: float = 0  # math.inf for "unlimited"
    text: str = ""  # as written


@dataclass(frozen=True)
class Comparison:
    """``left op right``, normalised so that a value stands on the left."""

    left: Operand
    op: str
    right: Operand
    text: str

    def names(self) -> list[str]:
        return [o.name for o in (self.left, self.right) if o.name]

    def holds(self, numbers: dict[str, float]) -> bool:
        """Whether the comparison holds for a class's numbers (infinite for "no limit")."""
        a, b = (numbers[o.name] if o.name else o.number for o in (self.left, self.right))
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[self.op]


def number_of(name: str, number: int) -> float:
    """The number the language compares: infinite where 0 means no limit."""
    return math.inf if number == 0 and VALUES[name].zero_unlimited else number


def _operand(match: re.Match[str], start: int) -> tuple[Operand, Unit | None]:
    if match.group("name") == UNLIMITED:
        return Operand(None, math.inf, UNLIMITED), None
    if match.group("name"):
        name = match.group("name")
        if name not in VALUES:
            raise ConditionError(f"unknown value {name!r}; known values: {', '.join(VALUES)}", start)
        return Operand(name, text=name), VALUES[name].unit
    digits, suffix = match.group("num"), match.group("unit")
    if not suffix:
        return Operand(None, int(digits), digits), None
    unit, factor = _FACTORS.get(suffix.lower(), (None, 0))
    if unit is None or (unit is Unit.DURATION and suffix != suffix.lower()):
        raise ConditionError(
            f"unknown unit {suffix!r}: sizes take K, M, G; durations s, min, h, d", start + len(digits)
        )
    return Operand(None, int(digits) * factor, digits + suffix), unit


def _tokens(text: str) -> list[tuple[re.Match[str], int]]:
    out, pos = [], 0
    while pos < len(text) and text[pos:].strip():
        match = _TOKEN.match(text, pos)
        assert match is not None  # the last alternative takes any non-blank character
        start = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
        if match.group("bad"):
            raise ConditionError(f"unexpected {match.group('bad')!r}; a comparison is VALUE OP VALUE", start)
        out.append((match, start))
        pos = match.end()
    return out


def parse(text: str) -> Comparison:
    """Read one comparison; raises :class:`ConditionError` with the offset of the mistake."""
    tokens = _tokens(text)
    kinds = ["op" if m.group("op") else "operand" for m, _ in tokens]
    if kinds != ["operand", "op", "operand"]:
        at = next(
            (s for (m, s), k, want in zip(tokens, kinds, ("operand", "op", "operand"), strict=False) if k != want),
            len(text),
        )
        raise ConditionError(f"expected VALUE OP VALUE with OP one of {' '.join(OPERATORS)}", at)
    (lm, ls), (om, _), (rm, rs) = tokens
    left, left_unit = _operand(lm, ls)
    right, right_unit = _operand(rm, rs)
    if left.name is None and right.name is None:
        raise ConditionError("compare a value: at least one side must name one", ls)
    _same_kind(left, left_unit, right, right_unit, rs)
    op = om.group("op")
    if left.name is None:
        left, op, right = right, _FLIP[op], left
    return Comparison(left, op, right, " ".join(text.split()))


def _same_kind(left: Operand, left_unit: Unit | None, right: Operand, right_unit: Unit | None, at: int) -> None:
    """Both sides measure the same thing; a bare number fits any value, a unit only its own kind."""
    if left_unit is None or right_unit is None or left_unit is right_unit:
        return
    if left.name is None or right.name is None:
        value = left if left.name else right
        raise ConditionError(
            f"{value.name} is a {VALUES[str(value.name)].unit.value}; "
            f"{(right if left.name else left).text} is a {(right_unit if left.name else left_unit).value}",
            at,
        )
    raise ConditionError(f"{left.name} is a {left_unit.value} and {right.name} a {right_unit.value}", at)


def parse_operand(text: str, unit: Unit) -> Operand:
    """A fix's target: a value name or a constant of ``unit``."""
    tokens = _tokens(text)
    if len(tokens) != 1 or tokens[0][0].group("op"):
        raise ConditionError("expected one value name or constant", tokens[1][1] if len(tokens) > 1 else 0)
    match, start = tokens[0]
    operand, own = _operand(match, start)
    if own is not None and own is not unit:
        raise ConditionError(f"a {unit.value} is needed here; {operand.text} is a {own.value}", start)
    return operand


FIELDS = ("class", "vhost", "wrapper", "required")
_FIELD = re.compile(r"\{([^{}]*)\}")


def template_fields(text: str) -> list[str]:
    """The ``{field}`` names of a message template, each one the language knows.

    ``{class}``, ``{vhost}``, ``{wrapper}``, ``{required}`` (the requirement as
    written), and for a value ``{NAME}`` (its number), ``{NAME.raw}`` (as written),
    ``{NAME.source}`` (what decided it) and ``{NAME.origin}`` (as written, with the
    place that set it or what decided it).
    """
    found = []
    for match in _FIELD.finditer(text):
        field = match.group(1)
        name, _, part = field.partition(".") if field not in VALUES else (field, "", "")
        if field not in FIELDS and not (name in VALUES and part in ("", "raw", "source", "origin")):
            raise ConditionError(f"unknown field {{{field}}}; use {', '.join(FIELDS)} or a value name", match.start())
        found.append(field)
    return found


def fill(text: str, fields: dict[str, str]) -> str:
    """The template with every field replaced (fields are checked when the rule loads)."""
    return _FIELD.sub(lambda m: fields.get(m.group(1), m.group(0)), text)


@dataclass(frozen=True)
class Declarative:
    """A rule's condition: which classes, what must hold there, what to say, and what a fix sets."""

    require: Comparison
    when: tuple[Comparison, ...] = ()
    vhost: str | None = None  # glob over the vhost's ServerName; main-server classes match none
    wrapper: str | None = None  # glob over the FcgidWrapper command
    message: str | None = None  # template; None: a message made from the requirement
    set: str | None = None  # the mod_fcgid value a fix sets, None: no fix
    to: Operand | None = None  # what the fix sets it to, None: the other side of the requirement
    reason: str | None = None  # template for why, in the fix's description; None: the rule's title


def _text(raw: object, keys: tuple[str | int, ...]) -> str:
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        raise ConditionError("expected a string", 0, keys)
    return str(raw)


def _located(keys: tuple[str | int, ...], exc: ConditionError) -> ConditionError:
    """The same error, placed at the YAML value it belongs to."""
    return ConditionError(str(exc), exc.offset, keys)


def _comparison(raw: object, keys: tuple[str | int, ...]) -> Comparison:
    try:
        return parse(_text(raw, keys))
    except ConditionError as exc:
        raise _located(keys, exc) from None


def _when(raw: object) -> tuple[Comparison, ...]:
    """``when:`` is one comparison or a list of them, all of which must hold."""
    if raw is None:
        return ()
    if isinstance(raw, list):
        return tuple(_comparison(item, ("condition", "when", i)) for i, item in enumerate(raw))
    return (_comparison(raw, ("condition", "when")),)


def declarative(condition: dict[str, object], fix: dict[str, object]) -> Declarative:
    """Read a rule file's ``condition`` mapping, and ``fix.set``/``fix.to`` for its remedy."""
    unknown = sorted(set(condition) - {"require", "when", "classes", "message"})
    if unknown:
        raise ConditionError(
            f"unknown key {unknown[0]!r}; use require, when, classes, message", 0, ("condition", unknown[0])
        )
    if "require" not in condition:
        raise ConditionError("a condition needs 'require: VALUE OP VALUE'", 0, ("condition",))
    require = _comparison(condition["require"], ("condition", "require"))
    vhost, wrapper = _classes(condition.get("classes"))
    message = _template(condition, "message", ("condition", "message"))
    reason = _template(fix, "reason", ("fix", "reason"))
    target, to = _fix(require, fix)
    return Declarative(require, _when(condition.get("when")), vhost, wrapper, message, target, to, reason)


def _template(mapping: dict[str, object], key: str, keys: tuple[str | int, ...]) -> str | None:
    if key not in mapping:
        return None
    text = _text(mapping[key], keys)
    try:
        template_fields(text)
    except ConditionError as exc:
        raise _located(keys, exc) from None
    return text


def _classes(raw: object) -> tuple[str | None, str | None]:
    if raw is None:
        return None, None
    if not isinstance(raw, dict) or set(raw) - {"vhost", "wrapper"}:
        raise ConditionError("classes: a mapping with vhost: GLOB and/or wrapper: GLOB", 0, ("condition", "classes"))
    vhost = _text(raw["vhost"], ("condition", "classes", "vhost")) if "vhost" in raw else None
    wrapper = _text(raw["wrapper"], ("condition", "classes", "wrapper")) if "wrapper" in raw else None
    return vhost, wrapper


def _fix(require: Comparison, fix: dict[str, object]) -> tuple[str | None, Operand | None]:
    if "set" not in fix:
        if "to" in fix:
            raise ConditionError("fix.to needs fix.set: the value to set", 0, ("fix", "to"))
        return None, None
    target = _text(fix["set"], ("fix", "set"))
    settable = [n for n in require.names() if VALUES[n].server]
    if target not in settable:
        raise ConditionError(f"fix.set: name a mod_fcgid value of the requirement ({require.text}): "
                             f"{', '.join(settable) or 'it has none, so no fix can make it hold'}", 0, ("fix", "set"))
    if require.op == "!=":
        raise ConditionError("a requirement with != has no single value to set", 0, ("fix", "set"))
    if "to" not in fix:
        return target, None
    try:
        return target, parse_operand(_text(fix["to"], ("fix", "to")), VALUES[target].unit)
    except ConditionError as exc:
        raise _located(("fix", "to"), exc) from None
