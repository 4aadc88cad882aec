"""FCG003's fix keeps a margin above max_execution_time, and the real server shows why.

max_execution_time counts CPU time on Linux, so a script that burns its whole
allowance has spent at least that long in wall-clock time, which is what
FcgidIOTimeout measures. Set to exactly max_execution_time, mod_fcgid and PHP
race; with the margin, PHP's own timeout answers first and the error log names
the script and the limit instead of mod_fcgid's bare read timeout.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

BUSY = fcgidlab.Workload(path="/busy.php", requests=1, concurrency=1)
SCENARIO = dataclasses.replace(
    fcgidlab.SCENARIOS["timeout"], name="margin", io_timeout=1, max_execution_time=2, workloads=()
)


def test_fixed_io_timeout_lets_php_report_its_own_timeout(start_lab, fcgilint_fix) -> None:
    lab = start_lab(SCENARIO)
    (lab.docroot / "busy.php").write_text("<?php\n$n = 0;\nwhile (true) { $n++; }\n")
    before = fcgidlab.drive(lab, BUSY, time_limit=30)
    assert before.load.statuses == {"500": 1}
    assert "mod_fcgid: read data timeout in 1 seconds" in lab.error_log.read_text()
    lab.stop()

    fcgilint_fix("--unsafe-fixes", "--select", "FCG003", str(lab.conf))
    assert re.search(r"^FcgidIOTimeout 12$", lab.conf.read_text(), re.M), lab.conf.read_text()  # 2 s + at least 10 s

    seen = len(lab.error_log.read_text())
    lab.start()
    fcgidlab.drive(lab, BUSY, time_limit=30)
    assert lab.wait_for(lambda: "Maximum execution time" in lab.error_log.read_text()[seen:], timeout=15)
    after = lab.error_log.read_text()[seen:]
    assert "Maximum execution time of 2 seconds exceeded" in after and "busy.php" in after
    assert "read data timeout" not in after
