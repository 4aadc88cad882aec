"""FcgidMaxRequestsPerProcess set but above PHP_FCGI_MAX_REQUESTS (40 > 20) races too.

Both limits are explicit here, so ``fcgilint check`` must point at both lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

LOAD = fcgidlab.Workload(requests=600, concurrency=10)


@pytest.fixture(scope="module")
def greater_lab(start_lab) -> fcgidlab.Lab:
    return start_lab(fcgidlab.SCENARIOS["greater"])


def test_a_larger_fcgid_limit_still_races(greater_lab: fcgidlab.Lab) -> None:
    evidence = fcgidlab.drive(greater_lab, LOAD, time_limit=60)
    assert evidence.load.statuses["500"] > 0
    assert evidence.errors["error_reading"] + evidence.errors["error_writing"] == evidence.server_500s()


def test_check_points_at_both_limits(greater_lab: fcgidlab.Lab, fcgilint) -> None:
    report = fcgilint("check", "--select", "FCG001", str(greater_lab.conf))
    (finding,) = report["findings"]
    places = {(Path(r["file"]), r["line"]) for r in finding["related"]} | {(Path(finding["file"]), finding["line"])}
    texts = {_line(path, line) for path, line in places}
    assert "PHP_FCGI_MAX_REQUESTS=20" in texts
    assert "FcgidMaxRequestsPerProcess 40" in texts


def _line(path: Path, line: int) -> str:
    return path.read_text().splitlines()[line - 1].strip()
