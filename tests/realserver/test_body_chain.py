"""FCG019 on a real server: the request-body limit that breaks first decides what a client sees.

LimitRequestBody below PHP's limits drops the body before mod_fcgid reads it: php-cgi runs with
CONTENT_LENGTH 0 and answers 200, and nothing is logged. upload_max_filesize above post_max_size
lets PHP answer 200 with the whole POST thrown away.
"""

from __future__ import annotations

import http.client

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server


def _post(lab: fcgidlab.Lab, size: int) -> tuple[int, str]:
    """One urlencoded POST of ``size`` bytes to upload.php: the status and what PHP printed."""
    conn = http.client.HTTPConnection("127.0.0.1", lab.port, timeout=30)
    try:
        body = b"a=" + b"x" * (size - 2)
        conn.request("POST", "/upload.php", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        conn.close()


@pytest.fixture(scope="module")
def small_body_lab(start_lab) -> fcgidlab.Lab:
    limit = ("LimitRequestBody 100000",)
    return start_lab(fcgidlab.Scenario(name="limit-request-body", fcgid_max_requests=20, max_request_len=8388608,
                                       extra_conf=limit))


@pytest.fixture(scope="module")
def post_below_upload_lab(start_lab) -> fcgidlab.Lab:
    """php.ini: post_max_size 1M under the lab's upload_max_filesize 2M."""
    return start_lab(fcgidlab.Scenario(name="post-below-upload", fcgid_max_requests=20, max_request_len=8388608,
                                       post_max_size="1M"))


def test_limit_request_body_loses_the_body_first(small_body_lab: fcgidlab.Lab, fcgilint, pointed_at) -> None:
    assert _post(small_body_lab, 50_000) == (200, "post fields: 1, content length: 50000\n")
    # PHP (8M) and mod_fcgid (8 MiB) would take it; httpd drops it, and PHP runs on an empty body
    assert _post(small_body_lab, 200_000) == (200, "post fields: 0, content length: 0\n")
    report = fcgilint("check", "--select", "FCG019", str(small_body_lab.conf))
    (finding,) = report["findings"]
    assert pointed_at(finding) >= {"LimitRequestBody 100000"}
    assert "CONTENT_LENGTH 0" in finding["message"] and "first to break is LimitRequestBody" in finding["message"]


def test_post_max_size_under_upload_max_filesize_empties_the_post(post_below_upload_lab: fcgidlab.Lab,
                                                                   fcgilint) -> None:
    status, text = _post(post_below_upload_lab, 1_500_000)
    assert status == 200 and text.startswith("post fields: 0,")  # PHP ran, the body was thrown away
    assert _post(post_below_upload_lab, 500_000)[1].startswith("post fields: 1,")
    assert "exceeds the limit of 1048576 bytes" in post_below_upload_lab.error_log.read_text()
    report = fcgilint("check", "--select", "FCG019", str(post_below_upload_lab.conf))
    (finding,) = report["findings"]
    assert finding["file"] == str(post_below_upload_lab.php_ini) and "post_max_size 1M" in finding["message"]
