"""Inline suppressions: above the directive, file-wide, in wrappers; unused ones are FCG900."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fcgilint.rules import rule_by_id
from tests.conftest import write_tree
from tests.formats.helpers import APACHE, ENTRY, chdir, invoke

CHECK = ["check", "--root", ".", ENTRY, "--format", "json"]


def findings(args: list[str] = CHECK) -> list[dict]:
    out = invoke(args)
    assert out.code in (0, 1), out.stderr
    return json.loads(out.stdout)["findings"]


def edit(repo: Path, old: str, new: str, name: str = ENTRY) -> None:
    path = repo / name
    path.write_text(path.read_text().replace(old, new, 1))


def test_disable_above_a_directive_suppresses_it_and_skips_comments(repo: Path) -> None:
    edit(
        repo,
        "MaxRequestsPerProcess",
        "# fcgilint: disable=FCG006 -- old panel writes this\n# another comment\n\nMaxRequestsPerProcess",
    )
    rules = {f["rule"] for f in findings()}
    assert "FCG006" not in rules and "FCG900" not in rules


def test_several_rules_in_one_comment(repo: Path) -> None:
    edit(repo, "    FcgidWrapper", "    # fcgilint: disable=FCG005,FCG040\n    FcgidWrapper")
    rules = {f["rule"] for f in findings()}
    assert not rules & {"FCG005", "FCG040"}


def test_disable_file(repo: Path) -> None:
    edit(repo, "FcgidConnectTimeout", "# fcgilint: disable-file=FCG013\nFcgidConnectTimeout")
    assert "FCG013" not in {f["rule"] for f in findings()}


def test_unused_suppression_is_reported_where_it_is(repo: Path) -> None:
    edit(repo, "FcgidConnectTimeout", "# fcgilint: disable=FCG001 -- stale\nFcgidConnectTimeout")
    [unused] = [f for f in findings() if f["rule"] == "FCG900"]
    assert unused["line"] == 1 and unused["severity"] == "info" and "FCG001" in unused["message"]


def test_unused_check_only_for_rules_that_ran(repo: Path) -> None:
    edit(repo, "FcgidConnectTimeout", "# fcgilint: disable=FCG001\nFcgidConnectTimeout")
    assert "FCG900" not in {f["rule"] for f in findings([*CHECK, "--ignore", "FCG001"])}
    assert "FCG900" not in {f["rule"] for f in findings([*CHECK, "--ignore", "FCG900"])}


def test_no_inline_ignores_shows_everything(repo: Path) -> None:
    edit(repo, "MaxRequestsPerProcess", "# fcgilint: disable=FCG006\nMaxRequestsPerProcess")
    rules = {f["rule"] for f in findings([*CHECK, "--no-inline-ignores"])}
    assert "FCG006" in rules and "FCG900" not in rules


def test_suppression_in_a_wrapper_script(tmp_path: Path) -> None:
    files = {
        ENTRY: APACHE,
        "usr/local/bin/php-wrapper": "#!/bin/sh\nPHP_FCGI_CHILDREN=4\nexport PHP_FCGI_CHILDREN\nexec /usr/bin/php-cgi\n"
                                     "",
    }
    write_tree(tmp_path, files)
    with chdir(tmp_path):
        before = [f for f in findings() if f["file"].endswith("php-wrapper")]
        assert before, "the sample wrapper should have a finding"
        first = before[0]
        lines = (tmp_path / first["file"]).read_text().splitlines()
        lines.insert(first["line"] - 1, f"# fcgilint: disable={first['rule']} -- measured")
        (tmp_path / first["file"]).write_text("\n".join(lines) + "\n")
        after = findings()
    assert not [f for f in after if f["rule"] == first["rule"] and f["file"] == first["file"]]
    assert "FCG900" not in {f["rule"] for f in after}


@pytest.mark.parametrize("kind", ["bad", "good"])
def test_fcg900_examples(kind: str, tmp_path: Path) -> None:
    rule = rule_by_id("FCG900")
    assert rule is not None
    for example in getattr(rule, kind):
        write_tree(tmp_path, example.files)
        with chdir(tmp_path):
            fired = [
                f
                for f in findings(["check", "--root", ".", example.entry, "--format", "json"])
                if f["rule"] == "FCG900"
            ]
        assert bool(fired) == (kind == "bad")

