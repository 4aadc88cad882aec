"""Wherever PHP_FCGI_MAX_REQUESTS comes from, php-cgi recycles at exactly that many requests.

The interval is read from the client side: info.php reports getmypid() and each php-cgi process
serves at most its limit before exiting, so the busiest pids served exactly the limit.
"""

from __future__ import annotations

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

CASES = {
    # wrapper script exports PHP_FCGI_MAX_REQUESTS=20
    "wrapper": ("race", fcgidlab.Workload(requests=400, concurrency=10)),
    # FcgidInitialEnv PHP_FCGI_MAX_REQUESTS 20, wrapper silent about it
    "initialenv": ("initialenv", fcgidlab.Workload(requests=400, concurrency=10)),
    # FcgidWrapper /usr/bin/php-cgi .php: PHP's built-in 500; one process per class so the
    # load crosses the limit twice
    "php-default": ("php-default", fcgidlab.Workload(requests=1100, concurrency=4)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_recycling_interval_matches_the_configured_limit(case: str, start_lab) -> None:
    scenario_name, work = CASES[case]
    scenario = fcgidlab.SCENARIOS[scenario_name]
    lab = start_lab(scenario)
    evidence = fcgidlab.drive(lab, work, time_limit=60)

    assert evidence.load.sent == work.requests and not evidence.load.timed_out
    served = fcgidlab.requests_per_pid(evidence.load.pids)
    limit = scenario.effective_php_limit
    assert max(served.values()) == limit, served
    assert sum(n == limit for n in served.values()) >= 2, served


@pytest.mark.parametrize(
    ("scenario_name", "where", "text"),
    [
        ("race", "wrapper", "export PHP_FCGI_MAX_REQUESTS"),
        ("initialenv", "conf", "FcgidInitialEnv PHP_FCGI_MAX_REQUESTS 20"),
        ("php-default", "conf", f"FcgidWrapper {fcgidlab.PHP_CGI} .php"),
    ],
)
def test_each_variant_sets_the_limit_only_where_it_claims(scenario_name: str, where: str, text: str, tmp_path) -> None:
    lab = fcgidlab.Lab(tmp_path, fcgidlab.SCENARIOS[scenario_name], port=8080)
    files = {"wrapper": lab.render_wrapper(), "conf": lab.render_httpd_conf()}
    assert text in files[where]
    other = files["conf" if where == "wrapper" else "wrapper"]
    assert "PHP_FCGI_MAX_REQUESTS" not in other
