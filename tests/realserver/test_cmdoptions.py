"""FCG012 on a real server: FcgidCmdOptions sends omitted options back to compiled-in defaults.

The server sets ``FcgidIOTimeout 2``; a ``FcgidCmdOptions`` line for the wrapper that only
gives MaxRequestsPerProcess makes mod_fcgid use the default I/O timeout of 40 s for it, so a
page that sleeps 4 s succeeds although the configured timeout is 2 s. fcgilint says the
FcgidIOTimeout line does not apply, and models the class with the default.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server


@pytest.fixture(scope="module")
def cmdoptions_lab() -> Iterator[fcgidlab.Lab]:
    root = Path(tempfile.mkdtemp(prefix="fcgidlab-"))
    wrapper = root / "bin" / "php-wrapper"  # where the lab writes its wrapper
    scenario = fcgidlab.Scenario(
        name="cmdoptions",
        io_timeout=2,
        slow_seconds=4,
        extra_conf=(f"FcgidCmdOptions {wrapper} MaxRequestsPerProcess 20",),
    )
    lab = fcgidlab.Lab.create(scenario, root=root)
    assert lab.wrapper == wrapper
    try:
        lab.start()
        yield lab
    finally:
        lab.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_io_timeout_of_the_server_does_not_apply(cmdoptions_lab: fcgidlab.Lab, fcgilint) -> None:
    evidence = fcgidlab.drive(
        cmdoptions_lab, fcgidlab.Workload(path="/slow.php", requests=1, concurrency=1), time_limit=30
    )
    assert evidence.load.statuses == {"200": 1}
    assert "read data timeout" not in cmdoptions_lab.error_log.read_text()
    report = fcgilint("check", str(cmdoptions_lab.conf))
    rules = {f["rule"] for f in report["findings"]}
    assert "FCG012" in rules and "FCG003" not in rules  # the class runs with 40 s, above max_execution_time 30
    (reset,) = [f for f in report["findings"] if f["rule"] == "FCG012" and "FcgidIOTimeout" in f["message"]]
    assert "FcgidIOTimeout 2 does not apply" in reset["message"]
