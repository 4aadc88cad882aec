"""FcgidMaxRequestLen 131072 rejects a POST that php.ini's post_max_size (8M) would accept."""

from __future__ import annotations

from pathlib import Path

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server


@pytest.fixture(scope="module")
def upload_lab(start_lab) -> fcgidlab.Lab:
    return start_lab(fcgidlab.SCENARIOS["upload"])


def test_body_over_max_request_len_gives_500(upload_lab: fcgidlab.Lab) -> None:
    work = fcgidlab.Workload(path="/upload.php", requests=3, concurrency=1, body_bytes=200_000)
    evidence = fcgidlab.drive(upload_lab, work, time_limit=30)
    assert evidence.load.statuses == {"500": 3}
    assert evidence.errors["exceeds_max_request_len"] == 3
    assert "exceeds MaxRequestLen (131072)" in upload_lab.error_log.read_text()


def test_body_under_max_request_len_reaches_php(upload_lab: fcgidlab.Lab) -> None:
    work = fcgidlab.Workload(path="/upload.php", requests=3, concurrency=1, body_bytes=100_000)
    evidence = fcgidlab.drive(upload_lab, work, time_limit=30)
    assert evidence.load.statuses == {"200": 3}


def test_check_reports_fcg005_on_this_tree(upload_lab: fcgidlab.Lab, fcgilint, pointed_at) -> None:
    report = fcgilint("check", "--select", "FCG005", str(upload_lab.conf))
    (finding,) = report["findings"]
    assert Path(finding["file"]) == upload_lab.conf
    assert "FcgidMaxRequestLen 131072" in pointed_at(finding)
    assert any(Path(r["file"]) == upload_lab.php_ini for r in finding["related"])
