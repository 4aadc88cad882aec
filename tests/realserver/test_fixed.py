"""The fix on the real stack: FcgidMaxRequestsPerProcess equal to PHP_FCGI_MAX_REQUESTS (20)."""

from __future__ import annotations

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

LOAD = fcgidlab.Workload(requests=1000, concurrency=10)


@pytest.fixture(scope="module")
def fixed_lab(start_lab) -> fcgidlab.Lab:
    return start_lab(fcgidlab.SCENARIOS["fixed"])


@pytest.fixture(scope="module")
def fixed(fixed_lab: fcgidlab.Lab) -> fcgidlab.Evidence:
    return fcgidlab.drive(fixed_lab, LOAD, time_limit=60)


def test_same_load_as_the_race_gives_no_5xx(fixed: fcgidlab.Evidence) -> None:
    assert fixed.load.sent == LOAD.requests and not fixed.load.timed_out
    assert fixed.load.statuses == {"200": LOAD.requests}
    assert fixed.access == {"200": LOAD.requests}


def test_no_fcgid_errors(fixed: fcgidlab.Evidence) -> None:
    for key in ("error_reading", "error_writing", "end_of_script_output", "exit_communication_error"):
        assert fixed.errors[key] == 0, key


def test_mod_fcgid_retires_processes_itself(fixed: fcgidlab.Evidence, fixed_lab: fcgidlab.Lab) -> None:
    assert fixed_lab.wait_for(lambda: fixed_lab.error_counts()["exit_lifetime_expired"] > 0)
    assert max(fcgidlab.requests_per_pid(fixed.load.pids).values()) == 20
