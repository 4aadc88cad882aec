"""A site's own rule files load, are listed, documented and their examples run; one without a check says so."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from tests.formats.helpers import ENTRY, invoke

SITE_RULE = """\
id: SITE001
name: house-wrapper-location
title: Wrappers live under /usr/local/bin
severity: warning
rationale: The backup job only copies /usr/local/bin.
reference: House runbook, section 4.
remedy: Move the wrapper.
examples:
  bad:
    - entry: httpd.conf
      files:
        httpd.conf: "FcgidWrapper /opt/w .php\\n"
  good:
    - entry: httpd.conf
      files:
        httpd.conf: "FcgidWrapper /usr/local/bin/w .php\\n"
"""


def site(repo: Path, text: str = SITE_RULE) -> None:
    (repo / "site-rules").mkdir()
    (repo / "site-rules" / "SITE001.yaml").write_text(text)
    (repo / ".fcgilint.yaml").write_text("root: .\nrule_dirs: [site-rules]\nselect: [SITE001, FCG001]\n")


def test_site_rule_is_listed_with_its_missing_check(repo: Path) -> None:
    site(repo)
    table = invoke(["rules"]).stdout
    line = next(l for l in table.splitlines() if l.startswith("SITE001"))
    assert "no check function" in line
    data = {r["id"]: r for r in json.loads(invoke(["rules", "--format", "json"]).stdout)["rules"]}
    assert data["SITE001"]["check"] is False and data["SITE001"]["origin"].startswith("site")
    assert data["FCG001"]["check"] is True and data["FCG001"]["origin"] == "built-in"


def test_site_rule_is_documented_and_explained(repo: Path) -> None:
    site(repo)
    assert "## SITE001" in invoke(["rules", "--format", "markdown"]).stdout
    out = invoke(["explain", "site001"])
    assert out.code == 0 and "The backup job" in out.stdout and "no check function" in out.stdout


def test_check_notes_a_selected_site_rule_that_cannot_fire(repo: Path) -> None:
    site(repo)
    out = invoke(["check", "--format", "json", ENTRY])
    notes = json.loads(out.stdout)["notes"]
    assert any(n.startswith("SITE001: site rule") and "no check function" in n for n in notes)


def test_broken_or_duplicate_site_rule_is_a_usage_error(repo: Path) -> None:
    site(repo, SITE_RULE.replace("severity: warning", "severity: loud"))
    out = invoke(["rules"])
    assert out.code == 2 and "SITE001.yaml" in out.stderr
    (repo / "site-rules" / "SITE001.yaml").write_text(SITE_RULE.replace("id: SITE001", "id: FCG001"))
    out = invoke(["check", ENTRY])
    assert out.code == 2 and "already defined" in out.stderr


def test_explain_unknown_rule(repo: Path) -> None:
    out = invoke(["explain", "FCG404"])
    assert out.code == 2 and "unknown rule" in out.stderr


FLEET_RULE = """\
id: SITE020
name: fleet-io-timeout
title: FcgidIOTimeout is at least 300s on the fleet
severity: warning
rationale: Reports run for up to four minutes.
reference: Hosting runbook, reports.
remedy: Set FcgidIOTimeout to 300.
condition:
  require: FcgidIOTimeout >= 300s
examples:
  bad:
    - entry: httpd.conf
      files:
        httpd.conf: "FcgidIOTimeout 40\\nFcgidWrapper /opt/w .php\\n"
  good:
    - entry: httpd.conf
      files:
        httpd.conf: "FcgidIOTimeout 300\\nFcgidWrapper /opt/w .php\\n"
"""


def rule_dir(repo: Path, *texts: str) -> Path:
    """Rule files in ``house-rules/`` (named by their ids), no .fcgilint.yaml naming them."""
    folder = repo / "house-rules"
    folder.mkdir()
    for text in texts:
        rule_id = text.split("\n", 1)[0].removeprefix("id: ")
        (folder / f"{rule_id}.yaml").write_text(text)
    return folder


def test_rules_test_runs_the_examples_of_a_rule_directory(repo: Path) -> None:
    rule_dir(repo, FLEET_RULE)
    out = invoke(["rules", "--test", "house-rules"])
    assert out.code == 0, out.stdout + out.stderr
    assert out.stdout.splitlines() == [
        "ok    SITE020 bad example 1",
        "ok    SITE020 good example 1",
        "2 example(s) of 1 site rule(s): all passed.",
    ]


def test_a_drifted_example_fails_with_its_file_and_exit_1(repo: Path) -> None:
    drifted = FLEET_RULE.replace("FcgidIOTimeout 300\\n", "FcgidIOTimeout 30\\n")
    folder = rule_dir(repo, drifted)
    out = invoke(["rules", "--test", "house-rules"])
    assert out.code == 1
    fail = next(line for line in out.stdout.splitlines() if line.startswith("FAIL"))
    assert fail.startswith(f"FAIL  SITE020 good example 1 ({folder / 'SITE020.yaml'}): fired: ")
    assert "FcgidIOTimeout" in fail and out.stdout.endswith("1 failed.\n")
    runs = json.loads(invoke(["rules", "--test", "--format", "json", "house-rules"]).stdout)["examples"]
    assert [(r["rule"], r["side"], r["index"], r["passed"]) for r in runs] == [
        ("SITE020", "bad", 1, True),
        ("SITE020", "good", 1, False),
    ]
    assert runs[1]["fired"] and runs[1]["file"] == str(folder / "SITE020.yaml")


def test_rule_dirs_of_the_config_are_tested_and_a_rule_without_condition_cannot_pass(repo: Path) -> None:
    site(repo)
    out = invoke(["rules", "--test"])
    assert out.code == 1
    assert "FAIL  SITE001 bad example 1" in out.stdout and "has no condition" in out.stdout
    assert "ok    SITE001 good example 1" in out.stdout


def test_an_example_outside_its_directory_is_not_written(repo: Path) -> None:
    first = '        httpd.conf: "FcgidIOTimeout 40'
    escaping = FLEET_RULE.replace(first, '        ../fcgilint-escaped-example.conf: "x"\n' + first)
    rule_dir(repo, escaping)
    out = invoke(["rules", "--test", "house-rules"])
    assert out.code == 1 and "example file '../fcgilint-escaped-example.conf' is outside" in out.stdout
    assert not (Path(tempfile.gettempdir()) / "fcgilint-escaped-example.conf").exists()


def test_rules_test_without_site_rules_is_a_usage_error(repo: Path) -> None:
    out = invoke(["rules", "--test"])
    assert out.code == 2 and "no site rule" in out.stderr and out.stdout == ""
    assert invoke(["rules", "--test", "--format", "markdown"]).code == 2
    assert invoke(["rules", "no-such-dir"]).code == 2
