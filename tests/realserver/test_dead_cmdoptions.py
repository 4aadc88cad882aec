"""FCG031 on a real server: FcgidCmdOptions take effect only for the exact program mod_fcgid starts.

Two labs differ in one word: IOTimeout 1 on the php-cgi binary (which the wrapper execs, but
mod_fcgid starts the wrapper) is never read, so a 3-second script answers 200; the same line on
the wrapper's path cuts it off with a 500.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

SLOW = fcgidlab.Workload(path="/slow.php?s=3", requests=1, concurrency=1)


def _lab(target: str) -> fcgidlab.Lab:
    """The lab's root is chosen first, so the FcgidCmdOptions line can name its wrapper."""
    root = Path(tempfile.mkdtemp(prefix="fcgidlab-"))
    command = fcgidlab.PHP_CGI if target == "binary" else str(root / "bin" / "php-wrapper")
    line = f"FcgidCmdOptions {command} IOTimeout 1 MaxRequestsPerProcess 20"
    scenario = fcgidlab.Scenario(name=f"cmdoptions-{target}", fcgid_max_requests=20, extra_conf=(line,))
    lab = fcgidlab.Lab.create(scenario, root=root)
    lab.start()
    return lab


@pytest.fixture(scope="module")
def labs():
    started: list[fcgidlab.Lab] = []

    def start(target: str) -> fcgidlab.Lab:
        started.append(_lab(target))
        return started[-1]

    try:
        yield start
    finally:
        for lab in started:
            lab.stop()
            shutil.rmtree(lab.root, ignore_errors=True)


def test_options_for_the_binary_are_never_read(labs, fcgilint) -> None:
    lab = labs("binary")
    assert fcgidlab.drive(lab, SLOW, time_limit=30).load.statuses == {"200": 1}  # IOTimeout 1 did not apply
    (finding,) = fcgilint("check", "--select", "FCG031", str(lab.conf))["findings"]
    assert f"FcgidCmdOptions {fcgidlab.PHP_CGI} is never used" in finding["message"]


def test_options_for_the_wrapper_apply(labs, fcgilint) -> None:
    lab = labs("wrapper")
    assert fcgidlab.drive(lab, SLOW, time_limit=30).load.statuses == {"500": 1}  # read data timeout in 1 seconds
    assert "read data timeout in 1 seconds" in lab.error_log.read_text()
    assert fcgilint("check", "--select", "FCG031", str(lab.conf))["findings"] == []
