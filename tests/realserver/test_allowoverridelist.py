"""AllowOverrideList per directive on a real server: three vhosts whose .htaccess httpd treats differently.

All three docroots have ``AllowOverride None``-like settings and ``AllowOverrideList FcgidWrapper``, and a
.htaccess with the FcgidWrapper line (PHP_FCGI_MAX_REQUESTS=20):

* ``listed.test``: nothing else; the list alone makes httpd read the file, the wrapper runs, and with
  ``FcgidMaxRequestsPerProcess 0`` it races;
* ``refused.test``: also ``AddHandler``, which neither directive allows: every request is a 500
  ("AddHandler not allowed here"), the wrapper never runs;
* ``skipped.test``: ``AllowOverride Nonfatal=Override`` and ``Options -Indexes``: the refused line is
  skipped, the wrapper runs, covered by ``FcgidMaxRequestsPerProcess 20``;
* ``section.test``: an ``<IfModule>`` section, which needs an override class like any directive: a 500
  ("<IfModule not allowed here").
"""

from __future__ import annotations

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

LISTED, REFUSED, SKIPPED, SECTION = "listed.test", "refused.test", "skipped.test", "section.test"
ONLY_THE_WRAPPER = ("AllowOverride None", "AllowOverrideList FcgidWrapper")
SCENARIO = fcgidlab.Scenario(
    name="allowoverridelist",
    fcgid_max_requests=20,  # the main server's own class is covered
    vhosts=(
        fcgidlab.VirtualHost(LISTED, fcgid_max_requests=0, htaccess=(), overrides=ONLY_THE_WRAPPER),
        fcgidlab.VirtualHost(REFUSED, fcgid_max_requests=0, htaccess=("AddHandler fcgid-script .php",),
                             overrides=ONLY_THE_WRAPPER),
        fcgidlab.VirtualHost(SKIPPED, fcgid_max_requests=20, htaccess=("Options -Indexes",),
                             overrides=("AllowOverride Nonfatal=Override", "AllowOverrideList FcgidWrapper")),
        fcgidlab.VirtualHost(SECTION, fcgid_max_requests=0, overrides=ONLY_THE_WRAPPER,
                             htaccess=("<IfModule mime_module>", "AddType text/plain .txt", "</IfModule>")),
    ),
)


@pytest.fixture(scope="module")
def lab(start_lab) -> fcgidlab.Lab:
    return start_lab(SCENARIO)


@pytest.fixture(scope="module")
def served(lab: fcgidlab.Lab) -> dict[str, fcgidlab.Evidence]:
    return {
        host: fcgidlab.drive(lab, fcgidlab.Workload(requests=400, concurrency=10, host=host), time_limit=90)
        for host in (LISTED, REFUSED, SKIPPED, SECTION)
    }


def test_the_server_reads_refuses_or_skips_each_htaccess(lab: fcgidlab.Lab, served) -> None:
    assert served[LISTED].load.statuses["500"] > 0 and served[LISTED].errors["error_reading"] > 0
    assert served[REFUSED].load.statuses == {"500": 400}, served[REFUSED].load.statuses
    assert "AddHandler not allowed here" in lab.vhost_error_log(lab.vhost(REFUSED)).read_text()
    assert served[SKIPPED].load.statuses == {"200": 400}, served[SKIPPED].load.statuses
    assert served[SECTION].load.statuses == {"500": 400}, served[SECTION].load.statuses
    assert "<IfModule not allowed here" in lab.vhost_error_log(lab.vhost(SECTION)).read_text()


def test_fcgilint_says_the_same_per_vhost(lab: fcgidlab.Lab, served, fcgilint) -> None:
    assert served[LISTED].server_500s() > 0
    report = fcgilint("check", "--select", "FCG001", "--select", "FCG007", str(lab.conf))
    races = [f.get("vhost", f.get("vhosts")) for f in report["findings"] if f["rule"] == "FCG001"]
    assert races == [LISTED], report["findings"]  # refused/section.test run no PHP at all, skipped.test is covered
    htaccess = {str(lab.vhost_docroot(lab.vhost(host)) / ".htaccess"): host for host in (REFUSED, SKIPPED, SECTION)}
    refused = {htaccess[f["file"]]: f for f in report["findings"] if f["rule"] == "FCG007" and f["file"] in htaccess}
    assert refused[REFUSED]["severity"] == "error" and refused[REFUSED]["line"] == 2
    assert refused[REFUSED]["message"].startswith("AddHandler not allowed here")
    assert refused[SKIPPED]["severity"] == "warning" and refused[SKIPPED]["message"].startswith("Options is ignored")
    assert refused[SECTION]["line"] == 2 and refused[SECTION]["message"].startswith("<IfModule not allowed here")
