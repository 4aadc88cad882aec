"""The seed race on the real stack: wrapper exports PHP_FCGI_MAX_REQUESTS=20, mod_fcgid unlimited."""

from __future__ import annotations

from pathlib import Path

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

LOAD = fcgidlab.Workload(requests=1000, concurrency=10)


@pytest.fixture(scope="module")
def race_lab(start_lab) -> fcgidlab.Lab:
    return start_lab(fcgidlab.SCENARIOS["race"])


@pytest.fixture(scope="module")
def race(race_lab: fcgidlab.Lab) -> fcgidlab.Evidence:
    return fcgidlab.drive(race_lab, LOAD, time_limit=60)


def test_load_is_complete_and_only_200_or_500(race: fcgidlab.Evidence) -> None:
    assert race.load.sent == LOAD.requests and not race.load.timed_out
    assert set(race.load.statuses) <= {"200", "500"}, race.load.statuses


def test_race_gives_500s_and_the_fcgid_log_pair(race: fcgidlab.Evidence) -> None:
    assert race.load.statuses["500"] > 0
    assert race.errors["error_reading"] > 0
    assert race.errors["end_of_script_output"] == race.errors["error_reading"]


def test_race_lines_in_error_log_equal_500s_in_access_log(race: fcgidlab.Evidence) -> None:
    # A victim whose request write already fails is logged as "error writing data" (info level)
    # instead of "error reading data"; both are the same race.
    race_lines = race.errors["error_reading"] + race.errors["error_writing"]
    assert race_lines == race.server_500s() == race.load.statuses["500"]


def test_victims_are_reaped_as_communication_errors(race: fcgidlab.Evidence, race_lab: fcgidlab.Lab) -> None:
    # mod_fcgid logs exits at its next process scan, so give it one scan interval.
    assert race_lab.wait_for(lambda: race_lab.error_counts()["exit_communication_error"] > 0)
    assert race_lab.error_counts()["exit_lifetime_expired"] == 0


def test_check_reports_fcg001_on_the_tree_that_raced(
    race: fcgidlab.Evidence, race_lab: fcgidlab.Lab, fcgilint, pointed_at
) -> None:
    assert race.server_500s() > 0
    report = fcgilint("check", "--select", "FCG001", str(race_lab.conf))
    (finding,) = report["findings"]
    assert finding["severity"] == "error"
    assert "PHP_FCGI_MAX_REQUESTS=20" in pointed_at(finding)
    assert any(Path(r["file"]) == race_lab.wrapper for r in finding["related"])
    assert "FcgidMaxRequestsPerProcess is 0" in finding["message"]
