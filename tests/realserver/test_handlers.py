"""FCG009 on a real server: a handler that beats mod_fcgid serves PHP source as text.

The first lab adds Debian's php*-cgi.conf snippet (``SetHandler application/x-httpd-php``
for .php, no Action) next to ``AddHandler fcgid-script .php``: httpd answers with the
script's source. The second routes .php with ``SetHandler fcgid-script`` in a matching
``<FilesMatch>``, which is the remedy: the same request runs PHP. A request for ``.PHP``
gets the fcgid-script handler from the case-insensitive AddHandler but no wrapper, so
mod_fcgid starts the script file itself (FCG040).
"""

from __future__ import annotations


import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

DEBIAN_PHP_CGI_CONF = (
    '<FilesMatch ".+\\.ph(?:ar|p|tml)$">',
    "    SetHandler application/x-httpd-php",
    "</FilesMatch>",
)
ROUTED_TO_FCGID = ('<FilesMatch "\\.php$">', "    SetHandler fcgid-script", "</FilesMatch>")



@pytest.fixture(scope="module")
def exposed_lab(start_lab) -> fcgidlab.Lab:
    scenario = fcgidlab.Scenario(name="handler-exposed", fcgid_max_requests=20, extra_conf=DEBIAN_PHP_CGI_CONF)
    return start_lab(scenario)


@pytest.fixture(scope="module")
def routed_lab(start_lab) -> fcgidlab.Lab:
    scenario = fcgidlab.Scenario(
        name="handler-routed", fcgid_max_requests=20, extra_conf=DEBIAN_PHP_CGI_CONF + ROUTED_TO_FCGID
    )
    return start_lab(scenario)


def test_sethandler_beats_addhandler_and_the_source_is_served(exposed_lab: fcgidlab.Lab, fcgilint) -> None:
    status, body = exposed_lab.get("/info.php", timeout=10)
    assert status == 200 and body.startswith("<?php"), body[:80]
    report = fcgilint("check", "--select", "FCG009", str(exposed_lab.conf))
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert len(errors) == 1 and "SetHandler application/x-httpd-php" in errors[0]["message"]


def test_routing_php_with_sethandler_runs_it(routed_lab: fcgidlab.Lab, fcgilint) -> None:
    status, body = routed_lab.get("/info.php", timeout=10)
    assert status == 200 and not body.startswith("<?php") and body.strip().isdigit(), body[:80]
    report = fcgilint("check", "--select", "FCG009", str(routed_lab.conf))
    assert [f for f in report["findings"] if f["severity"] == "error"] == []


def test_upper_case_suffix_gets_the_handler_but_no_wrapper(exposed_lab: fcgidlab.Lab, fcgilint) -> None:
    script = exposed_lab.docroot / "INFO.PHP"
    script.write_text((exposed_lab.docroot / "info.php").read_text())
    script.chmod(0o755)  # uploaded files often are; mod_fcgid then starts the script itself
    # mod_fcgid retries the spawn once a second while the script dies at exec; measured 0-13 s before the 500
    status, _ = exposed_lab.get("/INFO.PHP", timeout=90)
    assert status == 500
    assert f"{script}(" in exposed_lab.error_log.read_text()  # "mod_fcgid: server ...:/.../INFO.PHP(PID) started"
    report = fcgilint("check", "--select", "FCG040", str(exposed_lab.conf))
    assert any(f["severity"] == "warning" and "case-sensitively" in f["message"] for f in report["findings"])
