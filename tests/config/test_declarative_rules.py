"""A rule written only in YAML fires, fixes and is suppressed like a built-in one; its mistakes are file:line:col."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write_tree
from tests.formats.helpers import invoke

RULE = """\
id: SITE010
name: fleet-request-length
title: FcgidMaxRequestLen is at least 64M on the fleet
severity: warning
rationale: Customers upload photos of up to 60 MB.
reference: Hosting runbook, uploads.
remedy: Set FcgidMaxRequestLen to 64M where the class takes it.
condition:
  classes: {vhost: "*.example.com"}
  require: FcgidMaxRequestLen >= 64M
  message: "FcgidMaxRequestLen is {FcgidMaxRequestLen.raw} ({FcgidMaxRequestLen.source}) for {vhost}: needs 64M"
fix:
  set: FcgidMaxRequestLen
  safe: true
examples:
  bad:
    - entry: httpd.conf
      files:
        httpd.conf: "FcgidWrapper /opt/w .php\\n"
  good:
    - entry: httpd.conf
      files:
        httpd.conf: "FcgidMaxRequestLen 67108864\\nFcgidWrapper /opt/w .php\\n"
"""
CONF = """\
<VirtualHost *:80>
  ServerName shop.example.com
  FcgidMaxRequestLen 1048576
  FcgidWrapper /srv/w .php
</VirtualHost>
<VirtualHost *:80>
  ServerName other.org
  FcgidMaxRequestLen 1048576
  FcgidWrapper /srv/w .php
</VirtualHost>
"""
ENTRY = "etc/httpd.conf"


@pytest.fixture
def fleet(repo: Path) -> Path:
    write_tree(repo, {"site-rules/SITE010.yaml": RULE, ENTRY: CONF, "srv/w": "#!/bin/sh\nexec /usr/bin/php-cgi\n"})
    (repo / ".fcgilint.yaml").write_text("root: .\nrule_dirs: [site-rules]\nselect: [SITE010]\n")
    return repo


def _findings(*args: str) -> list[dict]:
    out = invoke(["check", "--format", "json", *args, ENTRY])
    assert out.code in (0, 1), out.stderr
    return json.loads(out.stdout)["findings"]


def test_fires_only_in_the_vhosts_it_names(fleet: Path) -> None:
    (finding,) = _findings()
    assert (finding["rule"], finding["file"], finding["line"]) == ("SITE010", ENTRY, 3)
    assert finding["message"] == "FcgidMaxRequestLen is 1048576 (vhost) for shop.example.com: needs 64M"
    assert finding["vhost"] == "shop.example.com" and finding["fix"]["safe"] is True


def test_fix_sets_the_value_in_the_narrowest_scope_and_the_recheck_is_clean(fleet: Path) -> None:
    out = invoke(["fix", ENTRY])
    assert out.code == 0, out.stdout + out.stderr
    assert (fleet / ENTRY).read_text() == CONF.replace("1048576", "67108864", 1)
    assert _findings() == []


def test_suppressed_and_ignored_like_a_built_in_rule(fleet: Path) -> None:
    (fleet / ENTRY).write_text(CONF.replace("  FcgidMaxRequestLen 1048576\n", "  # fcgilint: disable=SITE010 -- ok\n"
                                            "  FcgidMaxRequestLen 1048576\n", 1))
    assert _findings() == []
    assert [f["rule"] for f in _findings("--no-inline-ignores")] == ["SITE010"]
    (fleet / ENTRY).write_text(CONF)
    assert _findings("--ignore", "SITE010") == []


def test_listed_as_having_a_check(fleet: Path) -> None:
    rules = {r["id"]: r for r in json.loads(invoke(["rules", "--format", "json"]).stdout)["rules"]}
    assert rules["SITE010"]["check"] is True
    assert "no check function" not in invoke(["check", ENTRY]).stdout


@pytest.mark.parametrize(
    ("old", "new", "where", "says"),
    [
        ("FcgidMaxRequestLen >= 64M", "FcgidMaxRequestLen >= 64X", ":10:36:", "unknown unit 'X'"),
        ("FcgidMaxRequestLen >= 64M", "FcgidMaxReqLen >= 64M", ":10:12:", "unknown value 'FcgidMaxReqLen'"),
        (
            "FcgidMaxRequestLen >= 64M",
            "FcgidIOTimeout >= 64M",
            ":10:30:",
            "FcgidIOTimeout is a duration; 64M is a size",
        ),
        ("FcgidMaxRequestLen >= 64M", '"FcgidMaxRequestLen => 64M"', ":10:32:", "unexpected '='"),
        ("for {vhost}", "for {host}", ":11:", "unknown field {host}"),
        ("set: FcgidMaxRequestLen", "set: post_max_size", ":13:", "fix.set: name a mod_fcgid value"),
    ],
)
def test_a_mistake_is_named_by_file_line_and_column(fleet: Path, old: str, new: str, where: str, says: str) -> None:
    (fleet / "site-rules" / "SITE010.yaml").write_text(RULE.replace(old, new))
    out = invoke(["check", ENTRY])
    assert out.code == 2 and f"SITE010.yaml{where}" in out.stderr and says in out.stderr, out.stderr


def test_a_condition_that_is_not_a_mapping_is_named_by_line_and_column(fleet: Path) -> None:
    head, _, tail = RULE.partition("condition:\n")
    rest = tail.split("fix:\n", 1)[1]
    (fleet / "site-rules" / "SITE010.yaml").write_text(head + "condition: FcgidIOTimeout > 1\nfix:\n" + rest)
    out = invoke(["check", ENTRY])
    assert out.code == 2 and "SITE010.yaml:8:12: condition must be a mapping" in out.stderr, out.stderr
