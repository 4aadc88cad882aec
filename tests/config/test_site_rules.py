"""A site's own rule files load, are listed and documented; one without a check says so."""

from __future__ import annotations

import json
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
