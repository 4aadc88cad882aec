"""Every rule's documented bad examples fire it and its good examples do not.

The examples live in the rule's YAML file, so the documentation is the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import analyse
from fcgilint.rules import Example, Rule, load_rules
from fcgilint.suppress import ENGINE_RULES
from tests.conftest import write_tree

# Rules raised by the suppression engine after the pipeline (unused suppressions) are run
# through `check` by tests/config; the pipeline alone cannot produce them.
CASES = [
    (rule, kind, i, ex)
    for rule in load_rules()
    if rule.id not in ENGINE_RULES
    for kind, exs in (("bad", rule.bad), ("good", rule.good))
    for i, ex in enumerate(exs)
]


def _fired(rule: Rule, example: Example, base: Path) -> list[str]:
    write_tree(base, example.files)
    result = analyse(base / example.entry, LoadOptions(root=base))
    return [f.message for f in result.findings if f.rule == rule.id]


@pytest.mark.parametrize(("rule", "kind", "index", "example"), CASES, ids=[f"{r.id}-{k}{i}" for r, k, i, _ in CASES])
def test_example(rule: Rule, kind: str, index: int, example: Example, tmp_path: Path) -> None:
    fired = _fired(rule, example, tmp_path)
    if kind == "bad":
        assert fired, f"{rule.id} bad example {index} did not fire"
    else:
        assert not fired, f"{rule.id} good example {index} fired: {fired}"


@pytest.mark.parametrize("rule", load_rules(), ids=lambda r: r.id)
def test_every_rule_documents_both_sides(rule: Rule) -> None:
    assert rule.bad and rule.good, f"{rule.id} needs at least one bad and one good example"
    assert rule.rationale and rule.reference and rule.remedy
