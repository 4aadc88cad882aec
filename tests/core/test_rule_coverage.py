"""Every check has a rule file; every built-in rule file has one way to fire: a check, a condition or the engine."""

from __future__ import annotations

from fcgilint.checks import CHECKS
from fcgilint.rules import load_rules
from fcgilint.suppress import ENGINE_RULES


def test_every_rule_file_has_a_check_or_a_condition() -> None:
    silent = [r.id for r in load_rules() if r.condition is None and r.id not in CHECKS and r.id not in ENGINE_RULES]
    assert silent == []


def test_a_declarative_rule_has_no_python_check_besides() -> None:
    assert [r.id for r in load_rules() if r.condition is not None and r.id in CHECKS] == []


def test_every_check_has_a_rule_file() -> None:
    assert sorted(set(CHECKS) - {r.id for r in load_rules()}) == []
