"""Stage 3: rules as data.

Each rule is one YAML file in ``rules/`` (shipped inside the wheel as
``fcgilint/rules``): id, name, title, severity, rationale, the manual's
reference, the remedy, and bad/good examples that the test suite runs, so the
documentation cannot drift from the behaviour. The YAML says *what* and *why*;
the matching check function in :mod:`fcgilint.checks` says *how to detect it*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from fcgilint.conditions import ConditionError, Declarative, declarative
from fcgilint.findings import Severity

REQUIRED = ("id", "name", "title", "severity", "rationale", "reference", "remedy", "examples")


class RuleError(Exception):
    """A rule file that is not valid; the message names the file."""


@dataclass(frozen=True)
class Example:
    """A small config tree (file name -> text) and the entry file to check."""

    files: dict[str, str]
    entry: str
    note: str = ""


@dataclass(frozen=True)
class Rule:
    """Metadata of one rule."""

    id: str
    name: str
    title: str
    severity: Severity
    rationale: str
    reference: str
    remedy: str
    bad: tuple[Example, ...]
    good: tuple[Example, ...]
    fix: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    condition: Declarative | None = None  # a declarative rule: what must hold, instead of a Python check


def rules_dir() -> Path:
    """``fcgilint/rules`` inside an installed wheel, else the repository's ``rules/``."""
    packaged = Path(__file__).parent / "rules"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "rules"


def _examples(raw: Any, where: str) -> tuple[Example, ...]:
    out = []
    if not isinstance(raw, list | None):
        raise RuleError(f"{where}:1:1: bad/good examples must be a list")
    for item in raw or []:
        if not isinstance(item, dict) or not isinstance(item.get("files"), dict) or not item["files"]:
            raise RuleError(f"{where}:1:1: an example must be a mapping with a non-empty 'files' mapping")
        files = {str(k): str(v) for k, v in item["files"].items()}
        entry = str(item.get("entry") or next(iter(files)))
        if entry not in files:
            raise RuleError(f"{where}:1:1: example entry {entry!r} is not one of its files")
        out.append(Example(files=files, entry=entry, note=str(item.get("note", ""))))
    return tuple(out)


def load_rule(path: Path) -> Rule:
    """Read and validate one rule file; every error names the file, line and column."""
    from ruamel.yaml.error import MarkedYAMLError

    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "1:1"
        raise RuleError(f"{path}:{where}: invalid YAML: {exc.problem or exc.context}") from None
    except Exception as exc:  # ruamel raises many types; all mean "not a valid rule file"
        raise RuleError(f"{path}:1:1: not a valid rule file: {exc}") from None
    if not isinstance(data, dict):
        raise RuleError(f"{path}:1:1: a rule file must be a mapping")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise RuleError(f"{path}:1:1: missing keys: {', '.join(missing)}")
    if not isinstance(data["severity"], str) or data["severity"] not in {s.value for s in Severity}:
        raise RuleError(f"{path}:1:1: severity must be error, warning or info")
    examples = data["examples"] or {}
    if not isinstance(examples, dict) or not isinstance(data.get("fix") or {}, dict):
        raise RuleError(f"{path}:1:1: examples and fix must be mappings")
    condition = _condition(path, data)
    return Rule(
        id=str(data["id"]), name=str(data["name"]), title=str(data["title"]), severity=Severity(data["severity"]),
        rationale=str(data["rationale"]).strip(), reference=str(data["reference"]).strip(),
        remedy=str(data["remedy"]).strip(),
        bad=_examples(examples.get("bad"), str(path)), good=_examples(examples.get("good"), str(path)),
        fix=dict(data.get("fix") or {}), source=str(path), condition=condition,
    )


def _condition(path: Path, data: dict[str, Any]) -> Declarative | None:
    """A rule file's ``condition``, read by the condition language; its mistakes as file:line:col."""
    if "condition" not in data:
        return None
    if not isinstance(data["condition"], dict):
        line, col = _position(path, ("condition",), 0)
        raise RuleError(f"{path}:{line}:{col}: condition must be a mapping (require, when, classes, message)")
    try:
        return declarative(data["condition"], dict(data.get("fix") or {}))
    except ConditionError as exc:
        line, col = _position(path, exc.keys, exc.offset)
        raise RuleError(f"{path}:{line}:{col}: {exc}") from None


def _position(path: Path, keys: tuple[str | int, ...], offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` in the YAML value at ``keys`` (read again, with positions)."""
    yaml = YAML()
    yaml.preserve_quotes = True
    node: Any = yaml.load(path.read_text(encoding="utf-8"))
    line, col = 0, 0
    for key in keys:
        marks = getattr(node, "lc", None)
        try:
            line, col = marks.value(key) if isinstance(key, str) else marks.item(key)  # type: ignore[union-attr]
            node = node[key]
        except (AttributeError, KeyError, IndexError, TypeError):
            break
    quoted = type(node).__name__ in ("DoubleQuotedScalarString", "SingleQuotedScalarString")
    return line + 1, col + 1 + (offset + quoted if isinstance(node, str) else 0)


@cache
def load_rules(directory: Path | None = None) -> tuple[Rule, ...]:
    """All rules of a directory, sorted by id."""
    folder = directory or rules_dir()
    rules = [load_rule(p) for p in sorted(folder.glob("*.yaml"))]
    return tuple(sorted(rules, key=lambda r: r.id))


def rule_by_id(rule_id: str) -> Rule | None:
    """Look a built-in rule up by id or name, case-insensitively."""
    wanted = rule_id.lower()
    return next((r for r in load_rules() if wanted in (r.id.lower(), r.name.lower())), None)
