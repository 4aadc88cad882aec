"""Evidence per vhost on one real server: each vhost's failures prove that vhost's findings only.

``racing.test`` exports PHP_FCGI_MAX_REQUESTS=20 with mod_fcgid unlimited (FCG001) and
``bounded.test`` matches it with FcgidMaxRequestsPerProcess 20; both set FcgidMaxRequestLen
1048576 under post_max_size 8M (FCG005, one finding each). Each has its own ErrorLog. Under
load racing.test races; bounded.test only refuses a 2 MB POST ("exceeds MaxRequestLen
(1048576)"), which before went onto both vhosts' FCG005. httpd runs under strace from the
start, so every php-cgi's ``server HOST:CMD(PID) started`` line is in the main ErrorLog.

The second lab is the contradiction: its wrapper reads PHP_FCGI_MAX_REQUESTS=5 from a file at
run time, which the static reading of the wrapper cannot see (it models PHP's default 500).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

RACING, BOUNDED = "racing.test", "bounded.test"
REQUEST_LEN = ("FcgidMaxRequestLen 1048576",)
SCENARIO = fcgidlab.Scenario(
    name="evidence-vhosts",
    vhosts=(
        fcgidlab.VirtualHost(RACING, php_max_requests=20, lines=REQUEST_LEN),
        fcgidlab.VirtualHost(BOUNDED, php_max_requests=20, fcgid_max_requests=20, lines=REQUEST_LEN),
    ),
)


def _traced(scenario: fcgidlab.Scenario, loads: list[fcgidlab.Workload]) -> Iterator[tuple[fcgidlab.Lab, dict]]:
    """Start the lab under strace, drive ``loads``, stop it (strace then has every line), yield it."""
    lab = fcgidlab.Lab.create(scenario)
    try:
        lab.start(strace=True, timeout=60.0)
        served = {}
        for work in loads:
            key = (work.host, "POST" if work.body_bytes else "GET")
            served[key] = fcgidlab.drive(lab, work, time_limit=120)
        lab.wait_for(lambda: "exit(communication error)" in lab.error_log.read_text(errors="replace"), timeout=8)
        lab.stop(timeout=60.0)
        yield lab, served
    finally:
        lab.stop(timeout=60.0)
        shutil.rmtree(lab.root, ignore_errors=True)


@pytest.fixture(scope="module")
def two_sites() -> Iterator[tuple[fcgidlab.Lab, dict]]:
    yield from _traced(SCENARIO, [
        fcgidlab.Workload(requests=400, concurrency=10, host=RACING),
        fcgidlab.Workload(requests=200, concurrency=10, host=BOUNDED),
        fcgidlab.Workload(requests=3, concurrency=1, host=BOUNDED, body_bytes=2 * 1024 * 1024),
    ])


def _inputs(lab: fcgidlab.Lab) -> list[str]:
    strace = lab.strace_dir / "strace.txt"
    logs = [lab.error_log, *(lab.vhost_error_log(v) for v in lab.scenario.vhosts)]
    return [str(strace), *(str(p) for p in logs)]


def test_the_server_did_what_each_vhost_says(two_sites: tuple[fcgidlab.Lab, dict]) -> None:
    _, served = two_sites
    assert served[(RACING, "GET")].load.statuses.get("500", 0) > 0
    assert served[(BOUNDED, "GET")].load.statuses == {"200": 200}
    assert served[(BOUNDED, "POST")].load.statuses == {"500": 3}


def test_trace_names_the_vhost_of_each_detection(two_sites: tuple[fcgidlab.Lab, dict], fcgilint) -> None:
    lab, served = two_sites
    report = fcgilint("trace", *_inputs(lab))
    races = [d for d in report["detections"] if d["kind"] == "request-limit-race"]
    assert races and {d["vhost"] for d in races} == {RACING}
    assert sum(d["count"] for d in races) <= served[(RACING, "GET")].server_500s()
    exits = [d for d in report["detections"] if d["kind"] == "process-exit:communication-error"]
    assert exits and {d["vhost"] for d in exits} == {RACING}
    assert {i["vhost"] for i in report["inferred"]} <= {RACING, BOUNDED}
    # Without the config, nothing on the line says whose ErrorLog bounded.test.error.log is ...
    (too_long,) = [d for d in report["detections"] if d["kind"] == "request-too-long"]
    assert too_long["count"] == 3 and too_long["vhost"] is None
    # ... with it, the file is bounded.test's own ErrorLog.
    with_config = fcgilint("trace", "--httpd-config", str(lab.conf), *_inputs(lab))
    (too_long,) = [d for d in with_config["detections"] if d["kind"] == "request-too-long"]
    assert too_long["vhost"] == BOUNDED
    assert {d["vhost"] for d in with_config["detections"] if d["rule"] == "FCG001"} == {RACING}


def test_check_attaches_each_vhosts_evidence_to_its_own_findings(
    two_sites: tuple[fcgidlab.Lab, dict], fcgilint
) -> None:
    lab, _ = two_sites
    evidence = [arg for path in _inputs(lab) for arg in ("--evidence", path)]
    report = fcgilint("check", "--select", "FCG001", "--select", "FCG005", str(lab.conf), *evidence)
    found = {(f["rule"], f.get("vhost")): f["evidence"] for f in report["findings"]}
    mine = {key for key in found if key[1] is not None}
    assert mine == {("FCG001", RACING), ("FCG005", RACING), ("FCG005", BOUNDED)}, report["findings"]
    assert all(found[key] == [] for key in found if key not in mine)  # the main server's class served nothing
    assert any("request-limit race" in line for line in found[("FCG001", RACING)])
    assert found[("FCG005", BOUNDED)][0].startswith("3 requests over FcgidMaxRequestLen (")
    assert found[("FCG005", RACING)] == []  # bounded.test's refusals are not racing.test's
    assert not any("bounded.test" in note for note in report["notes"])


RUNTIME = fcgidlab.Scenario(
    name="evidence-runtime-limit",
    vhosts=(
        fcgidlab.VirtualHost(
            RACING,
            wrapper_script=(
                "#!/bin/sh\nPHP_FCGI_MAX_REQUESTS=5\nexport PHP_FCGI_MAX_REQUESTS\nexec {php_cgi} -c {ini}\n"
            ),
            php_ini="max_execution_time = 30\npost_max_size = 8M\n",
        ),
        fcgidlab.VirtualHost(BOUNDED, php_max_requests=20, fcgid_max_requests=20),
    ),
)


@pytest.fixture(scope="module")
def runtime_limit() -> Iterator[tuple[fcgidlab.Lab, dict]]:
    """The server ran a wrapper with PHP_FCGI_MAX_REQUESTS=5; the wrapper checked afterwards says 500."""
    lab = fcgidlab.Lab.create(RUNTIME)
    try:
        lab.start(strace=True, timeout=60.0)
        served = {("racing", "GET"): fcgidlab.drive(lab, fcgidlab.Workload(requests=150, concurrency=5, host=RACING))}
        lab.wait_for(lambda: "exit(communication error)" in lab.error_log.read_text(errors="replace"), timeout=8)
        lab.stop(timeout=60.0)
        wrapper = lab.vhost_wrapper(lab.vhost(RACING))
        wrapper.write_text(wrapper.read_text().replace("PHP_FCGI_MAX_REQUESTS=5\n", "PHP_FCGI_MAX_REQUESTS=500\n"))
        yield lab, served
    finally:
        lab.stop(timeout=60.0)
        shutil.rmtree(lab.root, ignore_errors=True)


def test_a_lower_limit_the_capture_shows_is_what_the_fix_uses(
    runtime_limit: tuple[fcgidlab.Lab, dict], fcgilint
) -> None:
    lab, served = runtime_limit
    assert served[("racing", "GET")].load.statuses.get("500", 0) > 0
    evidence = [arg for path in _inputs(lab) for arg in ("--evidence", path)]
    report = fcgilint("check", "--select", "FCG001", str(lab.conf), *evidence)
    (finding,) = [f for f in report["findings"] if f.get("vhost") == RACING]  # the main server's class races too
    assert "exits after 500 requests" in finding["message"]
    assert any(line.startswith("trace shows php-cgi exiting after 5 requests") and "the config says 500" in line
               for line in finding["evidence"])
    assert finding["fix"]["description"].startswith("set FcgidMaxRequestsPerProcess 5 at ")
    assert "fix uses the observed 5, not the config's 500" in finding["evidence"][-1]
