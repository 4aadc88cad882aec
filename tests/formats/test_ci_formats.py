"""gitlab, checkstyle and rdjson, each read back the way its consumer reads it.

GitLab documents the fields its Code Quality widget needs (description,
check_name, fingerprint, severity on its own scale, location.path,
location.lines.begin) and matches issues between pipelines by fingerprint;
checkstyle XML is read element by element; reviewdog applies a suggestion by
replacing the range (1-based line, column in UTF-8 bytes, end exclusive) with its
text, so the test applies them that way and compares with what ``fcgilint fix`` writes.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema

from tests.formats.helpers import ENTRY, invoke

CHECK = ["check", "--root", ".", ENTRY]

GITLAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "pattern": "^FCG[0-9]{3}$"},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string"},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}
POSITION = {
    "type": "object",
    "required": ["line"],
    "properties": {"line": {"type": "integer", "minimum": 1}, "column": {"type": "integer", "minimum": 1}},
}
RDJSON_SCHEMA = {
    "type": "object",
    "required": ["source", "diagnostics"],
    "properties": {
        "source": {"type": "object", "required": ["name"]},
        "diagnostics": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["message", "location", "severity", "code"],
                "properties": {
                    "severity": {"enum": ["ERROR", "WARNING", "INFO"]},
                    "location": {
                        "type": "object",
                        "required": ["path", "range"],
                        "properties": {
                            "range": {"type": "object", "required": ["start"], "properties": {"start": POSITION}}
                        },
                    },
                    "code": {"type": "object", "required": ["value"]},
                    "suggestions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["range", "text"],
                            "properties": {
                                "range": {
                                    "type": "object",
                                    "required": ["start", "end"],
                                    "properties": {"start": POSITION, "end": POSITION},
                                }
                            },
                        },
                    },
                },
            },
        },
    },
}


def test_gitlab_code_quality_has_the_fields_the_widget_reads(repo: Path) -> None:
    out = invoke([*CHECK, "--format", "gitlab"])
    assert out.code == 1 and out.stderr == ""
    issues = json.loads(out.stdout)
    jsonschema.validate(issues, GITLAB_SCHEMA)
    findings = json.loads(invoke([*CHECK, "--format", "json"]).stdout)["findings"]
    assert [(i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues] == [
        (f["rule"], f["file"], f["line"]) for f in findings
    ]
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert {i["severity"] for i in issues if i["check_name"] == "FCG001"} == {"major"}
    conf = repo / ENTRY
    conf.write_text("# moved down by a comment\n" + conf.read_text())
    moved = json.loads(invoke([*CHECK, "--format", "gitlab"]).stdout)
    assert [i["fingerprint"] for i in moved] == [i["fingerprint"] for i in issues]  # GitLab sees the same issues
    assert [i["location"]["lines"]["begin"] for i in moved] == [i["location"]["lines"]["begin"] + 1 for i in issues]


def test_checkstyle_xml_lists_every_finding_under_its_file(repo: Path) -> None:
    out = invoke([*CHECK, "--format", "checkstyle"])
    assert out.code == 1
    root = ET.fromstring(out.stdout)
    assert root.tag == "checkstyle" and root.get("version")
    findings = json.loads(invoke([*CHECK, "--format", "json"]).stdout)["findings"]
    seen = [
        (e.get("source"), f.get("name"), int(e.get("line") or 0), e.get("severity"))
        for f in root.iter("file")
        for e in f.iter("error")
    ]
    assert seen == [(f"fcgilint.{f['rule']}", f["file"], f["line"], f["severity"]) for f in findings]
    assert len({f.get("name") for f in root.iter("file")}) == len(list(root.iter("file")))


def _offset(text: str, position: dict) -> int:
    """A reviewdog position (1-based line, 1-based UTF-8 byte column) as a character offset."""
    lines = text.splitlines(keepends=True)
    start = sum(len(line) for line in lines[: position["line"] - 1])
    column_bytes = position.get("column", 1) - 1
    line = lines[position["line"] - 1] if position["line"] <= len(lines) else ""
    return start + len(line.encode("utf-8")[:column_bytes].decode("utf-8"))


def test_rdjson_suggestions_applied_as_reviewdog_does_give_what_fix_writes(repo: Path) -> None:
    out = invoke([*CHECK, "--format", "rdjson"])
    assert out.code == 1
    doc = json.loads(out.stdout)
    jsonschema.validate(doc, RDJSON_SCHEMA)
    assert doc["source"]["name"] == "fcgilint"
    conf = repo / ENTRY
    original = conf.read_text()
    suggested = [d for d in doc["diagnostics"] if "suggestions" in d]
    assert {d["code"]["value"] for d in suggested} >= {"FCG001", "FCG006"}
    for d in suggested:  # each one alone: two fixes may touch the same line, as two review comments would
        assert d["location"]["path"] == ENTRY
        text = original
        for s in sorted(d["suggestions"], key=lambda s: _offset(original, s["range"]["start"]), reverse=True):
            text = (
                text[: _offset(original, s["range"]["start"])]
                + s["text"]
                + text[_offset(original, s["range"]["end"]) :]
            )
        unsafe = ["--unsafe-fixes"] if "unsafe fix (changes behaviour): " in d["message"] else []
        conf.write_text(original)
        invoke(["fix", "--root", ".", ENTRY, "--select", d["code"]["value"], *unsafe])
        assert conf.read_text() == text, d["code"]["value"]
