"""PHP sent by an Action to a program that mod_fcgid runs itself (no FcgidWrapper), on a real server.

Two vhosts of one instance, both with a program that exports PHP_FCGI_MAX_REQUESTS=20:

* ``action.test``: ``AddHandler php-fcgi .php`` + ``Action php-fcgi /fcgi-bin/php-wrapper``, the
  program under ``ScriptAlias /fcgi-bin/`` with ``SetHandler fcgid-script`` in its <Directory>; mod_fcgid
  is unlimited, so it races;
* ``fcgi.test``: ``Action application/x-httpd-php /fcgi-bin/php.fcgi`` with ``AddHandler fcgid-script
  .fcgi`` (which beats ScriptAlias's cgi-script), and ``FcgidMaxRequestsPerProcess 20``: covered.

mod_fcgid logs each program it starts with its vhost (``server HOST:/path started``), which is the
class fcgilint must find; only action.test answers 500s, only action.test gets FCG001, and the fix
(into that vhost) removes the race.
"""

from __future__ import annotations

import re

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

RACING, COVERED = "action.test", "fcgi.test"
SCENARIO = fcgidlab.Scenario(
    name="action",
    fcgid_max_requests=20,  # the main server's own class is covered: only the vhosts' verdicts differ
    vhosts=(
        fcgidlab.VirtualHost(RACING, php_max_requests=20, fcgid_max_requests=0, route="action"),
        fcgidlab.VirtualHost(COVERED, php_max_requests=20, fcgid_max_requests=20, route="action-fcgi"),
    ),
)


@pytest.fixture(scope="module")
def lab(start_lab) -> fcgidlab.Lab:
    return start_lab(SCENARIO)


@pytest.fixture(scope="module")
def served(lab: fcgidlab.Lab) -> dict[str, fcgidlab.Evidence]:
    return {
        host: fcgidlab.drive(lab, fcgidlab.Workload(requests=600, concurrency=10, host=host), time_limit=90)
        for host in (RACING, COVERED)
    }


def test_the_action_routed_programs_are_the_classes_mod_fcgid_starts(
    lab: fcgidlab.Lab, served: dict[str, fcgidlab.Evidence], fcgilint
) -> None:
    started = set(re.findall(r"server (\S+):(\S+)\(\d+\) started", lab.error_log.read_text()))
    programs = {(v.name, str(lab.vhost_program(v))) for v in SCENARIO.vhosts}
    assert programs <= started, started
    shown = fcgilint("show", str(lab.conf))
    classes = {
        (scope["vhost"], part["title"].removeprefix("process class "))
        for scope in shown["scopes"] for part in scope["parts"] if part["kind"] == "class"
    }
    assert programs <= classes, classes


def test_only_the_uncovered_action_vhost_races_and_fcg001_names_it(
    lab: fcgidlab.Lab, served: dict[str, fcgidlab.Evidence], fcgilint
) -> None:
    racing, covered = served[RACING], served[COVERED]
    assert covered.load.statuses == {"200": 600}, covered.load.statuses
    assert racing.load.statuses["500"] > 0 and racing.errors["error_reading"] + racing.errors["error_writing"] > 0
    report = fcgilint("check", "--select", "FCG001", str(lab.conf))
    assert [f.get("vhost", f.get("vhosts")) for f in report["findings"]] == [RACING], report["findings"]
    (race,) = report["findings"]
    assert str(lab.vhost_program(lab.vhost(RACING))) in race["message"] and race["fix"]["safe"]


def test_the_fix_removes_the_race(lab: fcgidlab.Lab, served: dict[str, fcgidlab.Evidence], fcgilint,
                                  fcgilint_fix) -> None:
    assert served[RACING].server_500s() > 0
    fcgilint_fix("--select", "FCG001", str(lab.conf))
    assert fcgilint("check", "--select", "FCG001", str(lab.conf))["findings"] == []
    lab.stop()
    lab.start()
    after = fcgidlab.drive(lab, fcgidlab.Workload(requests=600, concurrency=10, host=RACING), time_limit=90)
    assert after.load.statuses == {"200": 600}, after.load.statuses


ALIASED, SCRIPT_ALIASED = "alias.test", "scriptalias.test"
NO_EXECCGI = fcgidlab.Scenario(
    name="action-execcgi",
    fcgid_max_requests=20,
    vhosts=(
        fcgidlab.VirtualHost(ALIASED, fcgid_max_requests=20, route="action", program_alias="Alias",
                             program_exec_cgi=False),
        fcgidlab.VirtualHost(SCRIPT_ALIASED, fcgid_max_requests=20, route="action", program_exec_cgi=False),
    ),
)


def test_an_action_program_needs_execcgi_unless_scriptaliased(start_lab, fcgilint) -> None:
    """mod_fcgid.c L194: 403 without ExecCGI where the program lies, unless its URL was ScriptAliased."""
    lab = start_lab(NO_EXECCGI)
    assert lab.get("/info.php", ALIASED)[0] == 403
    assert "does not have ExecCGI enabled" in lab.vhost_error_log(lab.vhost(ALIASED)).read_text()
    assert lab.get("/info.php", SCRIPT_ALIASED)[0] == 200
    denied = fcgilint("check", "--select", "FCG017", str(lab.conf))["findings"]
    assert [f.get("vhost") for f in denied] == [ALIASED], denied
    assert str(lab.vhost_program(lab.vhost(ALIASED)).parent) in denied[0]["message"]
