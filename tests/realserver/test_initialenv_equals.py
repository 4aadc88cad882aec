"""``FcgidInitialEnv NAME=value`` (one argument) on a real server: httpd accepts it, and php-cgi's
environment gets NAME with the value and a trailing '=' (``ap_create_environment`` cuts the entry
``NAME=value=`` at its first '='), so ``PHP_FCGI_MAX_REQUESTS=3`` still recycles php-cgi every 3
requests while ``FOO=bar`` reaches PHP as ``bar=``. fcgilint reads both the same way.
"""

from __future__ import annotations


import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

ENV_PAGE = (
    "<?php\nheader('Content-Type: text/plain');\necho json_encode([getenv('PHP_FCGI_MAX_REQUESTS'), getenv('FOO')]);\n"
)


@pytest.fixture(scope="module")
def equals_lab(start_lab) -> fcgidlab.Lab:
    scenario = fcgidlab.Scenario(
        name="initialenv-equals",
        limit_source="default",
        max_processes_per_class=1,
        extra_conf=("FcgidInitialEnv PHP_FCGI_MAX_REQUESTS=3", "FcgidInitialEnv FOO=bar"),
    )
    lab = start_lab(scenario)
    (lab.docroot / "env.php").write_text(ENV_PAGE)
    return lab



def test_php_cgi_sees_the_value_with_a_trailing_equals_sign(equals_lab: fcgidlab.Lab, fcgilint) -> None:
    status, body = equals_lab.get("/env.php")
    assert (status, body) == (200, '["3=","bar="]')
    report = fcgilint("check", str(equals_lab.conf))
    misread = [f for f in report["findings"] if f["rule"] == "FCG007" and "is one argument" in f["message"]]
    assert sorted(f["message"].split(" is one argument")[0] for f in misread) == [
        "FcgidInitialEnv FOO=bar", "FcgidInitialEnv PHP_FCGI_MAX_REQUESTS=3"]
    assert all(f["severity"] == "warning" and f["fix"]["safe"] for f in misread)
    assert "FCG010" not in {f["rule"] for f in report["findings"]}


def test_the_limit_still_applies_and_races(equals_lab: fcgidlab.Lab, fcgilint) -> None:
    evidence = fcgidlab.drive(equals_lab, fcgidlab.Workload(requests=15, concurrency=1), time_limit=60)
    served = fcgidlab.requests_per_pid(evidence.load.pids)
    assert max(served.values()) == 3 and sum(n == 3 for n in served.values()) >= 2, served
    report = fcgilint("check", "--select", "FCG001", str(equals_lab.conf))
    (race,) = report["findings"]
    assert race["message"].startswith("php-cgi exits after 3 requests")
