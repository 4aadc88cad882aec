"""``fcgilint trace`` on real captures: the committed ones, and a fresh one from the lab.

The committed captures need no Apache, so those tests carry no ``real_server`` marker.  The
expected numbers come from each capture's meta.json, i.e. from what the client saw.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fcgidlab

CAPTURES = Path(__file__).resolve().parents[1] / "data" / "captures"


def _inputs(capture: Path) -> list[str]:
    """Everything trace reads from a capture: strace file(s) and both logs."""
    return [str(p) for p in sorted(capture.iterdir()) if p.name != "meta.json"]


def _client_500s(capture: Path) -> int:
    return int(json.loads((capture / "meta.json").read_text())["client_statuses"].get("500", 0))


def _kinds(report: dict, rule: str) -> dict[str, int]:
    return {d["kind"]: d["count"] for d in report["detections"] if d["rule"] == rule}


@pytest.mark.parametrize("name", ["race", "race-ttt-ff"])
def test_trace_finds_the_race_in_committed_captures(name: str, fcgilint) -> None:
    capture = CAPTURES / name
    report = fcgilint("trace", *_inputs(capture))
    assert _kinds(report, "FCG001")["request-limit-race"] == _client_500s(capture)
    assert [i["php_fcgi_max_requests"] for i in report["inferred"]] == [20]


def test_trace_finds_no_race_in_the_fixed_capture(fcgilint) -> None:
    report = fcgilint("trace", *_inputs(CAPTURES / "fixed"))
    assert _kinds(report, "FCG001") == {}
    assert [i["php_fcgi_max_requests"] for i in report["inferred"]] == [20]


@pytest.mark.parametrize(("name", "rule"), [("timeout", "FCG003"), ("upload", "FCG005")])
def test_trace_names_the_rule_of_the_other_captures(name: str, rule: str, fcgilint) -> None:
    capture = CAPTURES / name
    report = fcgilint("trace", *_inputs(capture))
    counts = _kinds(report, rule)
    assert counts and set(counts.values()) == {_client_500s(capture)}


@pytest.mark.real_server
def test_trace_finds_the_race_in_a_fresh_capture(tmp_path: Path, fcgilint) -> None:
    scenario = fcgidlab.SCENARIOS["race"]
    meta = fcgidlab.capture(scenario, tmp_path, time_limit=90)
    victims = meta["client_statuses"].get("500", 0)
    assert victims > 0, meta["client_statuses"]
    report = fcgilint("trace", *_inputs(tmp_path))
    assert _kinds(report, "FCG001")["request-limit-race"] == victims
    assert [i["php_fcgi_max_requests"] for i in report["inferred"]] == [scenario.php_max_requests]
