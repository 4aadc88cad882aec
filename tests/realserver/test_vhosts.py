"""Two vhosts of one real server that behave differently, and fcgilint's verdict for each.

Both vhosts' wrappers export PHP_FCGI_MAX_REQUESTS=20. ``covered.test`` matches it with its own
FcgidMaxRequestsPerProcess 20, in a file Included inside its <VirtualHost> (how hosting panels
add per-site lines); ``racing.test`` leaves mod_fcgid unlimited. Under the same load only
racing.test answers 500s, and fcgilint reports FCG001 for racing.test alone.
"""

from __future__ import annotations


import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

COVERED, RACING = "covered.test", "racing.test"
SCENARIO = fcgidlab.Scenario(
    name="two-vhosts",
    vhosts=(
        fcgidlab.VirtualHost(COVERED, php_max_requests=20, fcgid_max_requests=20, included=True),
        fcgidlab.VirtualHost(RACING, php_max_requests=20),
    ),
)


@pytest.fixture(scope="module")
def lab(start_lab) -> fcgidlab.Lab:
    return start_lab(SCENARIO)


@pytest.fixture(scope="module")
def served(lab: fcgidlab.Lab) -> dict[str, fcgidlab.Evidence]:
    return {
        host: fcgidlab.drive(lab, fcgidlab.Workload(requests=600, concurrency=10, host=host), time_limit=90)
        for host in (COVERED, RACING)
    }


def test_only_the_vhost_without_its_own_limit_races(served: dict[str, fcgidlab.Evidence]) -> None:
    covered, racing = served[COVERED], served[RACING]
    assert covered.load.sent == racing.load.sent == 600
    assert covered.load.statuses == {"200": 600}, covered.load.statuses
    assert racing.load.statuses["500"] > 0 and racing.errors["error_reading"] + racing.errors["error_writing"] > 0


def test_fcg001_names_the_racing_vhost_only(served: dict[str, fcgidlab.Evidence], lab: fcgidlab.Lab, fcgilint) -> None:
    assert served[RACING].server_500s() > 0
    report = fcgilint("check", "--select", "FCG001", str(lab.conf))
    named = [f.get("vhost", f.get("vhosts")) for f in report["findings"]]
    assert sorted(named, key=str) == [None, RACING], report["findings"]
    (racing,) = [f for f in report["findings"] if f.get("vhost") == RACING]
    assert racing["file"] == str(lab.conf) and "racing.test" in racing["message"]


DEBIAN_PHP_CGI_CONF = ('<FilesMatch ".+\\.ph(?:ar|p|tml)$">', "    SetHandler application/x-httpd-php", "</FilesMatch>")
EXPOSED, ROUTED = "exposed.test", "routed.test"
HANDLERS = fcgidlab.Scenario(
    name="two-vhosts-handlers",
    fcgid_max_requests=20,
    extra_conf=DEBIAN_PHP_CGI_CONF,
    vhosts=(
        fcgidlab.VirtualHost(EXPOSED, fcgid_max_requests=20),  # AddHandler fcgid-script .php in its <Directory>
        fcgidlab.VirtualHost(ROUTED, fcgid_max_requests=20,
                             lines=('<FilesMatch "\\.php$">', "    SetHandler fcgid-script", "</FilesMatch>")),
    ),
)


@pytest.fixture(scope="module")
def handlers_lab(start_lab) -> fcgidlab.Lab:
    return start_lab(HANDLERS)



def test_debian_snippet_exposes_one_vhost_and_fcg009_names_that_one(handlers_lab: fcgidlab.Lab, fcgilint) -> None:
    exposed, routed = handlers_lab.get("/info.php", EXPOSED), handlers_lab.get("/info.php", ROUTED)
    assert exposed[0] == 200 and exposed[1].startswith("<?php"), exposed
    assert routed[0] == 200 and routed[1].strip().isdigit(), routed
    report = fcgilint("check", "--select", "FCG009", str(handlers_lab.conf))
    (finding,) = report["findings"]
    assert finding["severity"] == "error" and finding["vhost"] == EXPOSED
    assert "SetHandler application/x-httpd-php" in finding["message"]
