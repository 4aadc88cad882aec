"""Wrapper forms on a real server: what php-cgi really runs with is what fcgilint reads.

``line.test`` starts php-cgi from the FcgidWrapper line itself with ``-c`` naming the site's php.ini
(post_max_size 32M; the lab's php.ini says 8M): fcgilint's FCG005 fix must make room for 32M, and
after the fix a 10 MB upload, between the two values, succeeds. ``nice.test`` starts it through
``exec nice -n 15 php-cgi $OPTS`` with ``OPTS='-c ... -d max_execution_time=7'``: the page reports
the niceness and both values, fcgilint shows the same values, and FCG001 names nice.test (its
PHP_FCGI_MAX_REQUESTS=20 against an unlimited mod_fcgid), which the server confirms with 500s.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

LINE, NICE = "line.test", "nice.test"
SITE_INI = "max_execution_time = 30\npost_max_size = 32M\nupload_max_filesize = 32M\n"
NICE_WRAPPER = (
    "#!/bin/sh\nOPTS='-c {ini} -d max_execution_time=7'\nPHP_FCGI_MAX_REQUESTS=20\nexport PHP_FCGI_MAX_REQUESTS\n"
    "exec nice -n 15 {php_cgi} $OPTS\n"
)
SCENARIO = fcgidlab.Scenario(
    name="wrapper-forms",
    vhosts=(
        fcgidlab.VirtualHost(LINE, fcgid_max_requests=500, php_ini=SITE_INI, wrapper_line='"{php_cgi} -c {ini}"'),
        fcgidlab.VirtualHost(NICE, php_ini=SITE_INI, wrapper_script=NICE_WRAPPER),
    ),
)
UPLOAD = 10_000_000


@pytest.fixture(scope="module")
def lab(start_lab) -> fcgidlab.Lab:
    return start_lab(SCENARIO)



def _show(lab: fcgidlab.Lab) -> dict[str, dict[str, dict]]:
    done = subprocess.run([sys.executable, "-m", "fcgilint", "show", "--format", "json", str(lab.conf)],
                          cwd=fcgidlab.Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return {
        scope["vhost"]: {row["name"]: row for part in scope["parts"] if part["kind"] == "class" for row in part["rows"]}
        for scope in json.loads(done.stdout)["scopes"]
    }


def _upload(lab: fcgidlab.Lab, host: str) -> fcgidlab.LoadResult:
    return fcgidlab.run_load(
        lab.port, fcgidlab.Workload(path="/upload.php", requests=1, concurrency=1, body_bytes=UPLOAD, host=host)
    )


def test_nice_and_opts_reach_php_cgi_as_fcgilint_reads_them(lab: fcgidlab.Lab, fcgilint) -> None:
    status, body = lab.get("/ini.php", NICE)
    assert status == 200 and body.split() == ["32M", "7", "nice=15"], body
    shown = _show(lab)[NICE]
    assert (shown["post_max_size"]["value"], shown["max_execution_time"]["value"]) == ("32M (33554432)", "7")
    load = fcgidlab.drive(lab, fcgidlab.Workload(requests=600, concurrency=10, host=NICE), time_limit=90)
    assert load.load.statuses["500"] > 0, load.load.statuses
    races = fcgilint("check", "--select", "FCG001", str(lab.conf))["findings"]
    # The main server's own htdocs class (the lab's default race) is reported too, as the main server.
    assert sorted((f.get("vhost") for f in races), key=str) == [None, NICE], races


def test_c_on_the_wrapper_line_and_the_fix_lets_a_10mb_upload_through(
    lab: fcgidlab.Lab, fcgilint, fcgilint_fix
) -> None:
    status, body = lab.get("/ini.php", LINE)
    assert status == 200 and body.split()[0] == "32M", body
    assert _upload(lab, LINE).statuses == {"500": 1}  # FcgidMaxRequestLen's default 128 KiB
    (finding,) = [
        f for f in fcgilint("check", "--select", "FCG005", str(lab.conf))["findings"] if f.get("vhost") == LINE
    ]
    assert "at least 33554432" in finding["message"]
    fcgilint_fix("--select", "FCG005", "--unsafe-fixes", str(lab.conf))
    lab.stop()
    lab.start()
    assert _upload(lab, LINE).statuses == {"200": 1}
