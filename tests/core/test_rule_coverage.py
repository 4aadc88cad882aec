"""Every check has a rule file and every built-in rule file has something that raises it."""

from __future__ import annotations

from fcgilint.checks import CHECKS
from fcgilint.rules import load_rules
from fcgilint.suppress import ENGINE_RULES


def test_every_rule_file_has_a_check() -> None:
    assert sorted(r.id for r in load_rules() if r.id not in CHECKS and r.id not in ENGINE_RULES) == []


def test_every_check_has_a_rule_file() -> None:
    assert sorted(set(CHECKS) - {r.id for r in load_rules()}) == []
