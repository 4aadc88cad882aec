"""The worker ceiling fcgilint computes against what real httpd says it applies (``apache2 -t`` warnings).

httpd adjusts MaxRequestWorkers at start-up (a multiple of ThreadsPerChild, within ServerLimit x
ThreadsPerChild, ThreadsPerChild within ThreadLimit; prefork within ServerLimit) and says so in
AH00513/AH00515/AH00519/AH00180 warnings ending in "decreasing to N"; without a warning it keeps the
value as written.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fcgilint import capacity
from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import analyse
from tests.differential.httpd_support import MODULES_DIR, TIMEOUT, free_port, missing_requirements

pytestmark = pytest.mark.skipif(missing_requirements() is not None, reason=str(missing_requirements()))
_WORKERS = re.compile(
    r"MaxRequestWorkers of (\d+).*?(?:de|in)creasing (?:MaxRequestWorkers )?to (?:nearest multiple )?(\d+)"
)


def _httpd_workers(work: Path, mpm: str, lines: list[str], written: int) -> int:
    conf = work / "httpd.conf"
    conf.write_text("\n".join([
        f'ServerRoot "{work}"', "ServerName localhost", f"Listen 127.0.0.1:{free_port()}",
        f'PidFile "{work}/pid"', f'ErrorLog "{work}/error.log"', f'DefaultRuntimeDir "{work}"',
        f"LoadModule mpm_{mpm}_module {MODULES_DIR}/mod_mpm_{mpm}.so",
        f"LoadModule authz_core_module {MODULES_DIR}/mod_authz_core.so", *lines, "",
    ]))
    command = ["apache2", "-t", "-f", str(conf)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert "Syntax OK" in done.stderr, done.stderr
    cuts = _WORKERS.findall(done.stderr)
    return int(cuts[-1][1]) if cuts else written


def _fcgilint_workers(work: Path) -> float | None:
    result = analyse(work / "httpd.conf", LoadOptions(root=None))
    cap = capacity.of(result.model)
    assert cap is not None
    return cap.workers.ceiling.number


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    threads=st.integers(1, 80), workers=st.integers(1, 900), servers=st.integers(1, 30),
)
def test_threaded_worker_ceiling_matches_httpd(tmp_path_factory, threads: int, workers: int, servers: int) -> None:
    work = tmp_path_factory.mktemp("mpm")
    lines = [f"ServerLimit {servers}", f"ThreadsPerChild {threads}", f"MaxRequestWorkers {workers}"]
    expected = _httpd_workers(work, "event", lines, workers)
    (work / "httpd.conf").write_text((work / "httpd.conf").read_text() + "FcgidWrapper /usr/bin/php-cgi .php\n")
    assert _fcgilint_workers(work) == expected


@pytest.mark.parametrize(("workers", "servers"), [(150, None), (400, 300), (400, None), (20, 10)])
def test_prefork_worker_ceiling_matches_httpd(tmp_path: Path, workers: int, servers: int | None) -> None:
    lines = ([f"ServerLimit {servers}"] if servers else []) + [f"MaxRequestWorkers {workers}"]
    expected = _httpd_workers(tmp_path, "prefork", lines, workers)
    assert _fcgilint_workers(tmp_path) == expected
