"""``fix`` and ``rules`` render through the one report layer: each format read back in its documented shape."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from fcgilint.formats import AVAILABLE, unavailable
from tests.conftest import REPO, shared_dir
from tests.formats.helpers import APACHE, ENTRY, invoke

SCHEMA_FILE = shared_dir() / "reference" / "sarif-schema-2.1.0.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text()) if SCHEMA_FILE.is_file() else None
FIX = ["fix", "--root", ".", ENTRY]
RUN_KEYS = {
    "target", "written", "fixed", "not_fixed", "removed_temporaries", "files", "passes", "backups", "remaining",
    "remaining_notes", "diff",
}
FINDING_KEYS = {"rule", "severity", "file", "line", "message", "related", "provenance", "fix", "evidence"}


def test_fix_json_says_what_was_fixed_and_what_remains(repo: Path) -> None:
    out = invoke([*FIX, "--format", "json"])
    doc = json.loads(out.stdout)
    assert set(doc) == {"version", "runs", "notes"} and len(doc["runs"]) == 1
    run = doc["runs"][0]
    assert set(run) == RUN_KEYS and run["written"] is True and run["diff"] == ""
    fixed = {f["rule"]: f for f in run["fixed"]}
    assert set(fixed) == {"FCG001", "FCG006"}, "the two safe fixes: the request limit and the legacy name"
    assert FINDING_KEYS <= set(fixed["FCG006"]) and fixed["FCG006"]["fix"]["safe"] is True
    assert fixed["FCG006"]["edited"] == [{"file": ENTRY, "line": 2}]
    assert run["files"] == 1 and run["passes"] >= 1 and run["backups"] == []
    remaining = {f["rule"] for f in run["remaining"]}
    assert not remaining & {"FCG001", "FCG006"} and "FCG013" in remaining
    assert all(FINDING_KEYS <= set(f) for f in run["remaining"])
    assert "FcgidMaxRequestsPerProcess 1000" in (Path(ENTRY)).read_text(), "json still writes the fix"
    assert out.code == 1 and out.stderr == ""


def test_fix_diff_json_carries_the_diff_and_writes_nothing(repo: Path) -> None:
    out = invoke([*FIX, "--diff", "--format", "json"])
    run = json.loads(out.stdout)["runs"][0]
    assert run["written"] is False and run["files"] == 0
    assert "-MaxRequestsPerProcess 1000" in run["diff"] and "+FcgidMaxRequestsPerProcess 1000" in run["diff"]
    assert [f["rule"] for f in run["fixed"]] == ["FCG001", "FCG006"]
    assert Path(ENTRY).read_text() == APACHE and out.stderr == ""


@pytest.mark.skipif(SCHEMA is None, reason="SARIF schema not available beside the repository")
def test_fix_sarif_is_valid_with_a_passing_result_per_applied_fix(repo: Path) -> None:
    out = invoke([*FIX, "--format", "sarif"])
    doc = json.loads(out.stdout)
    jsonschema.validate(doc, SCHEMA)
    results = doc["runs"][0]["results"]
    passed = [r for r in results if r.get("kind") == "pass"]
    assert [(r["ruleId"], r["level"]) for r in passed] == [("FCG001", "none"), ("FCG006", "none")]
    assert passed[1]["properties"]["fixed"]["edited"] == [{"file": ENTRY, "line": 2}]
    assert "FCG013" in {r["ruleId"] for r in results if "kind" not in r}
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)


def test_fix_sarif_describes_only_the_rules_the_run_used(repo: Path) -> None:
    out = invoke([*FIX, "--select", "FCG006", "--select", "FCG013", "--format", "sarif"])
    run = json.loads(out.stdout)["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["FCG006", "FCG013"]
    assert {r["ruleId"] for r in run["results"]} == {"FCG006", "FCG013"}
    assert all(run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])


def test_check_fix_takes_the_format_too(repo: Path) -> None:
    out = invoke(["check", "--fix", "--root", ".", "--format", "json", ENTRY])
    assert [f["rule"] for f in json.loads(out.stdout)["runs"][0]["fixed"]] == ["FCG001", "FCG006"]


def test_fix_text_diff_keeps_the_summary_on_stderr(repo: Path) -> None:
    out = invoke([*FIX, "--diff"])
    assert out.stdout.startswith("--- ") and "+FcgidMaxRequestsPerProcess 1000" in out.stdout
    assert out.stderr.startswith("2 fix(es) shown, nothing written. 1 unsafe fix(es) not shown")


@pytest.mark.parametrize(
    ("command", "fmt"), [("fix", "github"), ("fix", "junit"), ("rules", "sarif"), ("show", "sarif")]
)
def test_a_format_a_command_does_not_offer_is_a_usage_error(repo: Path, command: str, fmt: str) -> None:
    args = {"fix": FIX, "show": ["show", "--root", ".", ENTRY]}.get(command, [command])
    args = [*args, "--format", fmt]
    out = invoke(args)
    assert out.code == 2 and out.stdout == ""
    assert out.stderr.strip() == f"fcgilint: {unavailable(command, fmt)}"
    assert Path(ENTRY).read_text() == APACHE


def test_rules_formats_read_back(repo: Path) -> None:
    table = invoke(["rules"]).stdout.splitlines()
    assert re.fullmatch(r"ID +SEVERITY +NAME +CHECK +TITLE", table[0])
    ids = [json_rule["id"] for json_rule in json.loads(invoke(["rules", "--format", "json"]).stdout)["rules"]]
    assert [line.split()[0] for line in table[1:]] == ids
    markdown = invoke(["rules", "--format", "markdown"]).stdout
    assert [m for m in re.findall(r"^## (\S+)$", markdown, re.M)] == ids


def test_show_text_and_json_tell_the_same_scopes_and_rows(repo: Path) -> None:
    text = invoke(["show", "--root", ".", ENTRY]).stdout
    doc = json.loads(invoke(["show", "--root", ".", ENTRY, "--format", "json"]).stdout)
    assert set(doc) == {"version", "scopes", "notes"}
    assert [s["title"] for s in doc["scopes"]] == ["main server", f"<VirtualHost *:80> example.org ({ENTRY}:3)"]
    assert [line for line in text.splitlines() if line and not line.startswith(" ")] == [
        s["title"] for s in doc["scopes"]
    ] + [f"note: {n}" for n in doc["notes"]]
    rows = [(r["name"], r["value"]) for s in doc["scopes"] for p in s["parts"] for r in p["rows"]]
    shown = [line.split(None, 1) for line in text.splitlines() if line.startswith("    ")]
    assert len(shown) == len(rows)
    assert all(line[0] == name.split()[0] for line, (name, _v) in zip(shown, rows, strict=True))
    assert ("FcgidMaxRequestsPerProcess", "1000") in rows


def test_every_command_document_has_its_formats() -> None:
    assert set(AVAILABLE) == {"check", "fix", "trace", "rules", "examples", "show"}
    assert all(unavailable(kind, formats[0]) is None for kind, formats in AVAILABLE.items())


@pytest.mark.parametrize(
    ("broken", "args", "key"),
    [
        ("fcgilint.fix.engine.run", ["fix"], "notes"),
        ("fcgilint.evidence.analyse", ["trace"], "warnings"),
        ("fcgilint.overview.build", ["show"], "notes"),
        ("fcgilint.commands.rules._rules", ["rules", "--test"], "notes"),
    ],
)
def test_an_internal_error_still_gives_the_commands_own_json_shape(
    tmp_path: Path, broken: str, args: list[str], key: str
) -> None:
    target = tmp_path / "httpd.conf"
    target.write_text("FcgidWrapper /usr/bin/php-cgi .php\n")
    done = _crashed(broken, [*args, "--format", "json", str(target)])
    document = json.loads(done.stdout)
    assert "internal error: KeyError" in document[key][0]
    empty = {"fix": "runs", "trace": "detections", "show": "scopes", "rules": "examples"}[args[0]]
    assert document[empty] == []


@pytest.mark.parametrize("spelling", [["--format", "json"], ["--format=json"], ["-f", "json"], ["-fjson"],
                                      ["-f", "markdown", "--format=json"]])
def test_an_internal_error_under_rules_json_gives_an_empty_catalogue(spelling: list[str]) -> None:
    done = _crashed("fcgilint.commands.rules.catalogue", ["rules", *spelling])
    assert json.loads(done.stdout) == {"rules": []}
    assert "internal error: KeyError" in done.stderr


def test_an_internal_error_under_a_format_for_people_prints_nothing_on_stdout() -> None:
    done = _crashed("fcgilint.commands.rules.catalogue", ["rules", "--format", "json", "-f", "markdown"])
    assert done.stdout == "" and "internal error: KeyError" in done.stderr


def _crashed(broken: str, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run the CLI with the function ``broken`` (module.name) raising, as a bug would; it must exit 70."""
    module, name = broken.rsplit(".", 1)
    code = (f"import sys, {module} as m\n"
            "def broken(*a, **k):\n    raise KeyError('a bug')\n"
            f"m.{name} = broken\nfrom fcgilint.cli import main\n"
            f"sys.argv = ['fcgilint', *{argv!r}]\nmain()\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 70, done.stderr
    return done
