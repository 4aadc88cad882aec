"""Each output format: well-formed, complete, and alone on stdout."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from fcgilint.formats import default_format
from fcgilint.formats.github import escape_data, escape_property
from tests.conftest import shared_dir
from tests.formats.helpers import ENTRY, invoke

SCHEMA_FILE = shared_dir() / "reference" / "sarif-schema-2.1.0.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text()) if SCHEMA_FILE.is_file() else None
CHECK = ["check", "--root", ".", ENTRY]


def as_json(repo: Path) -> list[dict]:
    out = invoke([*CHECK, "--format", "json"])
    return json.loads(out.stdout)["findings"]


def test_json_keeps_the_documented_shape(repo: Path) -> None:
    findings = as_json(repo)
    assert {f["rule"] for f in findings} >= {"FCG001", "FCG006", "FCG013"}
    for f in findings:
        assert {"rule", "severity", "file", "line", "message", "related", "provenance", "fix", "evidence"} <= f.keys()
        assert f["file"] == ENTRY


@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "junit"])
def test_machine_formats_write_only_their_document_to_stdout(repo: Path, fmt: str) -> None:
    out = invoke([*CHECK, "--format", fmt])
    assert out.code == 1
    assert out.stderr == ""
    if fmt in ("json", "sarif"):
        json.loads(out.stdout)
    elif fmt == "junit":
        ET.fromstring(out.stdout.encode())
    else:
        assert all(line.startswith("::") for line in out.stdout.splitlines())


@pytest.mark.skipif(SCHEMA is None, reason="SARIF schema not available beside the repository")
def test_sarif_is_valid_and_carries_rule_metadata_and_fixes(repo: Path) -> None:
    doc = json.loads(invoke([*CHECK, "--format", "sarif"]).stdout)
    jsonschema.validate(doc, SCHEMA)
    run = doc["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["FCG001"]["name"] == "request-limit-race"
    assert rules["FCG001"]["defaultConfiguration"]["level"] == "error"
    assert "PHP_FCGI_MAX_REQUESTS" in rules["FCG001"]["fullDescription"]["text"]
    results = {r["ruleId"]: r for r in run["results"]}
    assert results["FCG013"]["level"] == "note"
    assert run["tool"]["driver"]["rules"][results["FCG001"]["ruleIndex"]]["id"] == "FCG001"
    [change] = results["FCG006"]["fixes"][0]["artifactChanges"]
    [replacement] = change["replacements"]
    text = (repo / change["artifactLocation"]["uri"]).read_text()
    start, length = replacement["deletedRegion"]["charOffset"], replacement["deletedRegion"]["charLength"]
    fixed = text[:start] + replacement["insertedContent"]["text"] + text[start + length:]
    assert "FcgidMaxRequestsPerProcess 1000" in fixed.splitlines()[1]


@pytest.mark.skipif(SCHEMA is None, reason="SARIF schema not available beside the repository")
def test_sarif_of_a_clean_run_and_of_undecodable_bytes_is_valid(tmp_path: Path) -> None:
    conf = tmp_path / "httpd.conf"
    conf.write_bytes(b"# caf\xe9 \xff\nFcgidConnectTimeout 20\n")
    doc = json.loads(invoke(["check", str(conf), "--format", "sarif"]).stdout)
    jsonschema.validate(doc, SCHEMA)
    clean = tmp_path / "clean.conf"
    clean.write_text("ServerName example.org\n")
    doc = json.loads(invoke(["check", str(clean), "--format", "sarif"]).stdout)
    jsonschema.validate(doc, SCHEMA)
    assert doc["runs"][0]["results"] == []


# Workflow command: ::LEVEL key=value,key=value::message (actions/toolkit command.ts)
ANNOTATION = re.compile(
    r"^::(error|warning|notice)(?: ((?:file|line|col|endLine|endColumn|title)=[^,:\r\n]*(?:,"
    r"(?:file|line|col|endLine|endColumn|title)=[^,:\r\n]*)*))?::([^\r\n]*)$"
)


def test_github_annotations_follow_the_workflow_command_syntax(repo: Path) -> None:
    lines = invoke([*CHECK, "--format", "github"]).stdout.splitlines()
    findings = as_json(repo)
    annotations = [ANNOTATION.match(line) for line in lines]
    assert all(annotations), lines
    by_title = {dict(p.split("=", 1) for p in m.group(2).split(","))["title"]: m for m in annotations if m.group(2)}
    race = by_title["FCG001 request-limit-race"]
    props = dict(p.split("=", 1) for p in race.group(2).split(","))
    assert (
        race.group(1) == "error"
        and props["file"] == ENTRY
        and props["line"] == str(next(f["line"] for f in findings if f["rule"] == "FCG001"))
    )
    assert by_title["FCG013 connect-timeout-no-effect"].group(1) == "notice"


def test_github_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_is_the_default_inside_github_actions(repo: Path) -> None:
    assert default_format({"GITHUB_ACTIONS": "true"}) == "github"
    assert default_format({}) == "text"
    out = invoke(CHECK, env={"GITHUB_ACTIONS": "true"})
    assert out.stdout.startswith("::")


def test_junit_parses_back_with_one_failed_case_per_finding(repo: Path) -> None:
    root = ET.fromstring(invoke([*CHECK, "--format", "junit"]).stdout.encode())
    findings = as_json(repo)
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(findings) == int(root.get("failures"))
    messages = sorted(c.find("failure").get("message") for c in cases)
    assert messages == sorted(f["message"] for f in findings)
    assert {c.get("classname") for c in cases} == {f"fcgilint.{f['rule']}" for f in findings}


def test_junit_of_a_clean_run_has_one_passing_case(tmp_path: Path) -> None:
    conf = tmp_path / "clean.conf"
    conf.write_text("ServerName example.org\n")
    root = ET.fromstring(invoke(["check", str(conf), "--format", "junit"]).stdout.encode())
    assert root.get("failures") == "0" and len(root.findall("./testsuite/testcase")) == 1


def test_text_is_plain_when_piped_and_rich_on_a_terminal(repo: Path) -> None:
    plain = invoke(CHECK).stdout
    assert "\x1b[" not in plain
    assert re.search(r"^etc/apache2/apache2.conf:\d+: error FCG001 request-limit-race: ", plain, re.M)
    coloured = invoke([*CHECK, "-v"], env={"NO_COLOR": "", "FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in coloured
    assert "MaxRequestsPerProcess 1000" in coloured and re.search(r"\|\s+\^", coloured)
    assert "provenance" in coloured


def test_no_color_wins_over_a_terminal(repo: Path) -> None:
    assert "\x1b[" not in invoke(CHECK, env={"NO_COLOR": "1", "FORCE_COLOR": "1"}).stdout
