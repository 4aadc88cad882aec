"""The evidence reader against real captures of Apache + mod_fcgid + php-cgi (tests/data/captures).

Each capture's ``meta.json`` states what was configured and what the client and
the logs counted; the reader must arrive at the same numbers on its own.
"""

from __future__ import annotations

import json

import pytest
from stories import CAPTURES

from fcgilint.evidence import EvidenceReport, analyse


def _capture(name: str) -> tuple[EvidenceReport, EvidenceReport, EvidenceReport, dict]:
    """(strace-only report, error-log-only report, access-log-only report, meta) of one capture."""
    folder = CAPTURES / name
    if not (folder / "meta.json").is_file():
        pytest.skip(f"capture {name} not present")
    meta = json.loads((folder / "meta.json").read_text())
    traces = sorted(p for p in folder.iterdir() if p.name.startswith(("strace", "trace.")))
    return analyse(traces), analyse([folder / "error.log"]), analyse([folder / "access.log"]), meta


def _count(report: EvidenceReport, kind: str) -> int:
    return sum(d.count for d in report.detections if d.kind == kind)


@pytest.mark.parametrize("name", ["race", "race-ttt-ff"])
def test_race_count_matches_the_error_log(name: str) -> None:
    traced, logged, accessed, meta = _capture(name)
    expected = meta["error_reading_data_lines"]
    assert expected > 0
    assert _count(traced, "request-limit-race") == expected
    assert _count(logged, "fcgi-read-error") == expected
    assert _count(logged, "process-exit:communication-error") == meta["error_log_counts"]["exit_communication_error"]
    assert _count(accessed, "http-500") == meta["access_log_statuses"].get("500", 0)
    assert [d.kind for d in traced.for_rule("FCG001")] == ["request-limit-race"]
    assert traced.warnings == []


@pytest.mark.parametrize("name", ["race", "race-ttt-ff", "fixed"])
def test_inferred_limit_equals_the_configured_one(name: str) -> None:
    traced, _, _, meta = _capture(name)
    limits = {i.php_fcgi_max_requests for i in traced.inferred}
    assert limits == {meta["scenario"]["effective_php_limit"]}
    assert all(i.processes >= 2 and i.wrapper and i.wrapper.endswith("php-wrapper") for i in traced.inferred)


def test_nothing_found_on_the_fixed_capture() -> None:
    traced, logged, accessed, meta = _capture("fixed")
    assert meta["client_statuses"] == {"200": meta["requests"]}
    for report in (traced, logged, accessed):
        assert report.detections == []


def test_io_timeout_capture() -> None:
    traced, logged, _, meta = _capture("timeout")
    expected = meta["error_log_counts"]["read_timeout"]
    assert _count(logged, "io-timeout") == expected
    assert _count(traced, "io-timeout") == expected
    assert {d.rule for d in traced.detections} == {"FCG003"}


def test_request_too_long_capture() -> None:
    traced, logged, _, meta = _capture("upload")
    assert _count(logged, "request-too-long") == meta["error_log_counts"]["exceeds_max_request_len"]
    assert logged.for_rule("FCG005")[0].count > 0
    assert traced.detections == []


def test_all_files_of_a_capture_together() -> None:
    folder = CAPTURES / "race"
    if not folder.is_dir():
        pytest.skip("capture race not present")
    report = analyse(sorted(p for p in folder.iterdir() if p.name != "meta.json"))
    # The error log's read errors are the same four requests as the strace races: one detection, counted once.
    (race,) = report.for_rule("FCG001")
    assert (race.kind, race.count, race.logged) == ("request-limit-race", 4, {"fcgi-read-error": 4})
    assert {s[0].rsplit("/", 1)[-1] for s in race.samples} == {"strace.txt.gz", "error.log"}


def test_python_prefilter_gives_the_same_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    from fcgilint.evidence import strace

    folder = CAPTURES / "race-ttt-ff"
    if not folder.is_dir():
        pytest.skip("capture race-ttt-ff not present")
    traces = sorted(p for p in folder.iterdir() if p.name.startswith("trace."))
    with_default = analyse(traces).to_json()
    monkeypatch.setattr(strace, "_GREP_OK", False)
    assert analyse(traces).to_json() == with_default
