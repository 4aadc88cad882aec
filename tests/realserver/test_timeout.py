"""FcgidIOTimeout 3 against a page that sleeps 5 s (max_execution_time 30 counts CPU, not sleep)."""

from __future__ import annotations

from pathlib import Path

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

SLOW = fcgidlab.Workload(path="/slow.php", requests=3, concurrency=3)


@pytest.fixture(scope="module")
def timeout_lab(start_lab) -> fcgidlab.Lab:
    return start_lab(fcgidlab.SCENARIOS["timeout"])


def test_io_timeout_gives_500_and_the_timeout_line(timeout_lab: fcgidlab.Lab) -> None:
    evidence = fcgidlab.drive(timeout_lab, SLOW, time_limit=30)
    assert evidence.load.statuses == {"500": SLOW.requests}
    assert evidence.errors["read_timeout"] == SLOW.requests
    assert evidence.errors["end_of_script_output"] == SLOW.requests
    assert "mod_fcgid: read data timeout in 3 seconds" in timeout_lab.error_log.read_text()


def test_fast_pages_are_unaffected(timeout_lab: fcgidlab.Lab) -> None:
    evidence = fcgidlab.drive(timeout_lab, fcgidlab.Workload(requests=10, concurrency=2), time_limit=30)
    assert evidence.load.statuses == {"200": 10}


def test_check_reports_fcg003_on_this_tree(timeout_lab: fcgidlab.Lab, fcgilint, pointed_at) -> None:
    report = fcgilint("check", "--select", "FCG003", str(timeout_lab.conf))
    (finding,) = report["findings"]
    assert Path(finding["file"]) == timeout_lab.conf
    assert "FcgidIOTimeout 3" in pointed_at(finding)
    assert any(Path(r["file"]) == timeout_lab.php_ini for r in finding["related"])
