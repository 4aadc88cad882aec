"""FcgidMaxRequestsPerProcess set but above PHP_FCGI_MAX_REQUESTS (40 > 20) races too.

Both limits are explicit here, so ``fcgilint check`` must point at both lines.
"""

from __future__ import annotations

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


def test_check_points_at_both_limits(greater_lab: fcgidlab.Lab, fcgilint, pointed_at) -> None:
    report = fcgilint("check", "--select", "FCG001", str(greater_lab.conf))
    (finding,) = report["findings"]
    assert {"PHP_FCGI_MAX_REQUESTS=20", "FcgidMaxRequestsPerProcess 40"} <= pointed_at(finding)
