"""docs/rules.md follows the rule files; template placeholders are unknown until given."""

from __future__ import annotations

import json
from pathlib import Path

from fcgilint.rules import load_rules
from tests.conftest import REPO, write_tree
from tests.formats.helpers import WRAPPER, chdir, invoke

REGENERATE = "fcgilint rules --format markdown > docs/rules.md"


def test_docs_rules_md_is_in_sync() -> None:
    generated = invoke(["rules", "--format", "markdown"]).stdout
    assert (REPO / "docs" / "rules.md").read_text() == generated, f"docs/rules.md is stale; run: {REGENERATE}"


def test_explain_shows_rationale_examples_and_fix() -> None:
    out = invoke(["explain", "FCG001"]).stdout
    for part in ("request-limit-race", "### What it does", "### Why is this bad?", "### Example", "### Use instead",
                 "### Fix safety", "### References", "Automatic fix", "FcgidWrapper"):
        assert part in out


TEMPLATE = """\
<VirtualHost *:80>
    ServerName {DOMAIN}
    FcgidMaxRequestsPerProcess %maxreq%
    FcgidIOTimeout <%= io_timeout %>
    FcgidWrapper /usr/local/bin/php-wrapper .php
</VirtualHost>
"""


def run(base: Path, *extra: str) -> dict:
    with chdir(base):
        out = invoke(["check", "--root", ".", "etc/apache2/apache2.conf", "--format", "json", *extra])
    assert out.code in (0, 1), out.stderr
    return json.loads(out.stdout)


def test_placeholders_are_reported_unknown_not_guessed(tmp_path: Path) -> None:
    write_tree(tmp_path, {"etc/apache2/apache2.conf": TEMPLATE, "usr/local/bin/php-wrapper": WRAPPER})
    data = run(tmp_path)
    assert "FCG001" not in {f["rule"] for f in data["findings"]}
    unknown = [n for n in data["notes"] if "template placeholder" in n]
    assert any("%maxreq%" in n and ":3:" in n for n in unknown) and any("<%= io_timeout %>" in n for n in unknown)


def test_set_supplies_placeholder_values(tmp_path: Path) -> None:
    write_tree(tmp_path, {"etc/apache2/apache2.conf": TEMPLATE, "usr/local/bin/php-wrapper": WRAPPER})
    data = run(tmp_path, "--set", "MAXREQ=1000", "--set", "io_timeout=40", "--set", "domain=example.org")
    race = [f for f in data["findings"] if f["rule"] == "FCG001"]
    assert race and "1000" in race[0]["message"] and "example.org" in race[0]["message"]
    assert not [n for n in data["notes"] if "template placeholder" in n]
    (tmp_path / ".fcgilint.yaml").write_text("set:\n  maxreq: 400\n")
    data = run(tmp_path)
    assert "FCG001" not in {f["rule"] for f in data["findings"]}


RUFF_SHAPE = ["What it does", "Why is this bad?", "Example", "Use instead", "Fix safety", "References"]


def test_every_rule_is_documented_in_ruffs_shape() -> None:
    sections = (REPO / "docs" / "rules.md").read_text().split("\n## ")[1:]
    assert len(sections) == len(load_rules())
    for section in sections:
        headings = [line[4:] for line in section.splitlines() if line.startswith("### ")]
        assert headings == RUFF_SHAPE, section.splitlines()[0]


def test_readme_quick_start_shows_what_the_command_prints() -> None:
    """The report README shows for the quick start is the real one, line by line (long lines cut with ' ...')."""
    import subprocess
    import sys

    readme = (REPO / "README.md").read_text()
    block = readme.split("fcgilint check --root examples/seed examples/seed/etc/apache2\n```\n", 1)[1]
    shown = block.split("```\n", 2)[1].splitlines()
    env = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "fcgilint", "check", "--root", "examples/seed", "examples/seed/etc/apache2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    real = done.stdout.splitlines()
    assert len(shown) == len(real)
    for ours, theirs in zip(shown, real, strict=True):
        assert theirs.startswith(ours.removesuffix(" ...")), (ours, theirs)
