"""A docroot .htaccess on a real server: read as httpd reads it, and never written by a fix.

``ht.test`` allows overrides and its .htaccess holds the FcgidWrapper (shared-hosting style) whose
wrapper exports PHP_FCGI_MAX_REQUESTS=20 while mod_fcgid is unlimited: the server races, fcgilint
reports FCG001 for ht.test with the .htaccess line as its class, and the fix goes into the vhost, after which the
race is gone. ``bad.test``'s .htaccess also holds FcgidMaxRequestsPerProcess, which a .htaccess
cannot: every request is a 500, and FCG007 says so at that line.
"""

from __future__ import annotations

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

HT, BAD = "ht.test", "bad.test"
SCENARIO = fcgidlab.Scenario(
    name="htaccess",
    fcgid_max_requests=20,  # the main server's own class is covered; the vhosts override nothing of it
    vhosts=(
        fcgidlab.VirtualHost(HT, php_max_requests=20, htaccess=(), lines=("FcgidMaxRequestsPerProcess 0",)),
        fcgidlab.VirtualHost(BAD, php_max_requests=20, htaccess=("FcgidMaxRequestsPerProcess 20",)),
    ),
)


@pytest.fixture(scope="module")
def lab(start_lab) -> fcgidlab.Lab:
    return start_lab(SCENARIO)


def test_a_htaccess_wrapper_races_is_reported_there_and_fixed_in_the_vhost(
    lab: fcgidlab.Lab, fcgilint, fcgilint_fix
) -> None:
    before = fcgidlab.drive(lab, fcgidlab.Workload(requests=600, concurrency=10, host=HT), time_limit=90)
    assert before.load.statuses["500"] > 0, before.load.statuses
    htaccess = lab.vhost_docroot(lab.vhost(HT)) / ".htaccess"
    (race,) = [f for f in fcgilint("check", "--select", "FCG001", str(lab.conf))["findings"] if f.get("vhost") == HT]
    assert race["file"] == str(lab.conf) and race["fix"]["safe"]  # at the vhost's FcgidMaxRequestsPerProcess 0
    assert {"file": str(htaccess), "line": 1, "note": "the FastCGI class (FcgidWrapper)"} in race["related"]
    text = htaccess.read_text()
    fcgilint_fix("--select", "FCG001", str(lab.conf))
    assert htaccess.read_text() == text  # no fix writes into a .htaccess
    lab.stop()
    lab.start()
    after = fcgidlab.drive(lab, fcgidlab.Workload(requests=600, concurrency=10, host=HT), time_limit=90)
    assert after.load.statuses == {"200": 600}, after.load.statuses


def test_a_server_directive_in_htaccess_is_a_500_and_fcg007(lab: fcgidlab.Lab, fcgilint) -> None:
    load = fcgidlab.drive(lab, fcgidlab.Workload(requests=5, concurrency=1, host=BAD), time_limit=30)
    assert load.load.statuses == {"500": 5}, load.load.statuses
    assert "FcgidMaxRequestsPerProcess not allowed here" in lab.vhost_error_log(lab.vhost(BAD)).read_text()
    htaccess = lab.vhost_docroot(lab.vhost(BAD)) / ".htaccess"
    errors = [
        f for f in fcgilint("check", "--select", "FCG007", str(lab.conf))["findings"] if f["file"] == str(htaccess)
    ]
    assert [(f["line"], f["severity"]) for f in errors] == [(2, "error")] and "not allowed here" in errors[0]["message"]
