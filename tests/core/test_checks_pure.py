"""Checks read the model and never change it: what they cannot judge comes back as NotChecked.

Run on every rule's examples, so each check meets at least one tree it fires on.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from fcgilint import checks
from fcgilint.checks.registry import CHECKS, NotChecked
from fcgilint.load.apache_tree import LoadOptions, load_tree
from fcgilint.model import build_model
from fcgilint.rules import Example, Rule, load_rules
from tests.conftest import write_tree

EXAMPLES = [(r, i, ex) for r in load_rules() if r.id in CHECKS for i, ex in enumerate(r.bad + r.good)]


@pytest.mark.parametrize(("rule", "index", "example"), EXAMPLES, ids=[f"{r.id}-{i}" for r, i, _ in EXAMPLES])
def test_a_check_leaves_the_model_as_it_found_it(rule: Rule, index: int, example: Example, tmp_path: Path) -> None:
    write_tree(tmp_path, example.files)
    model = build_model(load_tree(tmp_path / example.entry, LoadOptions(root=tmp_path)))
    before = copy.deepcopy(model)
    list(CHECKS[rule.id](model))
    assert model == before


def test_not_checked_comes_back_from_the_run_and_the_pipeline(tmp_path: Path) -> None:
    write_tree(tmp_path, {"etc/apache2/apache2.conf": "FcgidWrapper /usr/bin/php-cgi .php\n"})
    model = build_model(load_tree(tmp_path / "etc/apache2/apache2.conf", LoadOptions(root=tmp_path)))
    outcome = checks.run(model, load_rules())
    assert NotChecked(
        "FCG008", "etc/apache2/apache2.conf:1: /usr/bin/php-cgi is a php-cgi binary outside the checked tree"
    ) in [NotChecked(n.rule, n.why.replace(str(tmp_path) + "/", "")) for n in outcome.unchecked]
    assert model.unchecked == []
