"""FCG011 on a real server: ``SetEnv PHP_FCGI_MAX_REQUESTS`` never reaches php-cgi.

SetEnv only adds a FastCGI request parameter (the script sees it), while php-cgi reads
its limit from its process environment once, at start-up. With FcgidWrapper pointing at
php-cgi itself and one process per class, every request is answered by the same php-cgi
although SetEnv asks for a new one every 3 requests.
"""

from __future__ import annotations

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server


@pytest.fixture(scope="module")
def setenv_lab(start_lab) -> fcgidlab.Lab:
    scenario = fcgidlab.Scenario(
        name="setenv",
        limit_source="default",
        fcgid_max_requests=500,
        max_processes_per_class=1,
        extra_conf=(f"LoadModule env_module {fcgidlab.MODULE_DIR}/mod_env.so", "SetEnv PHP_FCGI_MAX_REQUESTS 3"),
    )
    return start_lab(scenario)


def test_setenv_does_not_recycle_php_cgi(setenv_lab: fcgidlab.Lab, fcgilint) -> None:
    evidence = fcgidlab.drive(setenv_lab, fcgidlab.Workload(requests=12, concurrency=1), time_limit=60)
    assert evidence.load.statuses == {"200": 12}
    assert len(set(evidence.load.pids)) == 1, "php-cgi was recycled: SetEnv reached its environment after all"
    report = fcgilint("check", "--select", "FCG011", str(setenv_lab.conf))
    (finding,) = report["findings"]
    assert finding["message"].startswith("SetEnv PHP_FCGI_MAX_REQUESTS")
