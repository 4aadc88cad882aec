"""``trace`` renders through the report layer: each format read back the way its consumer reads it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from fcgilint.formats.github import escape_data, escape_property
from tests.conftest import REPO, shared_dir
from tests.formats.helpers import invoke

SCHEMA_FILE = shared_dir() / "reference" / "sarif-schema-2.1.0.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text()) if SCHEMA_FILE.is_file() else None
CAPTURE = REPO / "tests" / "data" / "captures" / "race"
INPUTS = [str(CAPTURE / "strace.txt.gz"), str(CAPTURE / "error.log")]
#: ::LEVEL PROPS::MESSAGE, as the runner parses a workflow command
COMMAND = re.compile(r"^::(warning|notice) ((?:[a-z]+=[^,:]*)(?:,[a-z]+=[^,:]*)*)::(.*)$")


def _json() -> dict:
    return json.loads(invoke(["trace", *INPUTS, "--format", "json"]).stdout)


@pytest.mark.skipif(SCHEMA is None, reason="SARIF schema not available beside the repository")
def test_trace_sarif_is_valid_with_a_result_per_detection() -> None:
    out = invoke(["trace", *INPUTS, "--format", "sarif"])
    assert out.code == 1
    doc = json.loads(out.stdout)
    jsonschema.validate(doc, SCHEMA)
    run = doc["runs"][0]
    detections = _json()["detections"]
    assert [r["ruleId"] for r in run["results"]] == [d["kind"] for d in detections]
    rules = run["tool"]["driver"]["rules"]
    for result, found in zip(run["results"], detections, strict=True):
        assert rules[result["ruleIndex"]]["id"] == found["kind"]
        assert result["properties"]["rule"] == found["rule"]
        first = found["samples"][0]
        region = result["locations"][0]["physicalLocation"]
        assert region["artifactLocation"]["uri"].endswith(Path(first["file"]).name)
        assert region["region"]["startLine"] == first["line"]
    race = next(r for r in rules if r["id"] == "request-limit-race")
    assert "PHP_FCGI_MAX_REQUESTS" in race["fullDescription"]["text"] and "FCG001" in race["help"]["text"]


def test_trace_github_annotates_each_detection_at_its_first_sample() -> None:
    out = invoke(["trace", *INPUTS, "--format", "github"])
    assert out.code == 1
    lines = out.stdout.splitlines()
    detections = _json()["detections"]
    warnings = [COMMAND.match(line) for line in lines if line.startswith("::warning")]
    assert len(warnings) == len(detections) and all(warnings)
    for match, found in zip(warnings, detections, strict=True):
        assert match is not None
        props = dict(p.split("=", 1) for p in match.group(2).split(","))
        first = found["samples"][0]
        assert props["file"] == escape_property(first["file"]) and props["line"] == str(first["line"])
        assert props["title"] == escape_property(f"fcgilint trace {found['kind']}")
        assert match.group(3).startswith(escape_data(f"{found['kind']}: {found['count']}x"))
    assert all(COMMAND.match(line) for line in lines)


@pytest.mark.parametrize("fmt", ["junit", "markdown"])
def test_trace_refuses_a_format_it_does_not_offer(fmt: str) -> None:
    out = invoke(["trace", *INPUTS, "--format", fmt])
    assert out.code == 2 and out.stdout == ""
    assert out.stderr.strip() == f"fcgilint: --format {fmt}: use text, json, sarif, github"
