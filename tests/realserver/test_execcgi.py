"""FCG017 on a real server: without Options ExecCGI mod_fcgid answers 403."""

from __future__ import annotations

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server


@pytest.fixture(scope="module")
def no_execcgi_lab(start_lab) -> fcgidlab.Lab:
    return start_lab(fcgidlab.Scenario(name="no-execcgi", fcgid_max_requests=20, exec_cgi=False))


def test_missing_execcgi_gives_403_and_is_reported(no_execcgi_lab: fcgidlab.Lab, fcgilint) -> None:
    evidence = fcgidlab.drive(no_execcgi_lab, fcgidlab.Workload(requests=3, concurrency=1), time_limit=30)
    assert evidence.load.statuses == {"403": 3}
    assert "does not have ExecCGI enabled" in no_execcgi_lab.error_log.read_text()  # Debian's patch logs it
    report = fcgilint("check", "--select", "FCG017", str(no_execcgi_lab.conf))
    (finding,) = report["findings"]
    assert "ExecCGI" in finding["message"] and finding["file"] == str(no_execcgi_lab.conf)
