"""``fcgilint trace --live`` against a private Apache + mod_fcgid + php-cgi on 127.0.0.1.

The instance comes from ``scripts/fcgidlab.py`` (own ServerRoot, pid file, logs, FcgidIPCDir
and process table under a temp dir) and is always stopped again.  ``--pid`` pins the capture
to this instance, so no other server on the machine is traced.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

import fcgidlab  # noqa: E402  (lives in scripts/, importable only after the path insert)

pytestmark = pytest.mark.real_server


@pytest.fixture
def lab():
    missing = fcgidlab.missing_components()
    if missing or shutil.which("strace") is None or os.geteuid() != 0:
        pytest.skip(f"needs root, strace and {', '.join(missing) or 'the Debian stack'}")
    instance = fcgidlab.Lab.create(fcgidlab.SCENARIOS["race"])
    try:
        instance.start()
        yield instance
    finally:
        instance.stop()
        shutil.rmtree(instance.root, ignore_errors=True)


def test_live_capture_sees_php_cgi_retire_and_leaves_the_server_running(lab, tmp_path: Path) -> None:
    main = lab.main_pid()
    assert main is not None
    output = tmp_path / "live.strace"
    trace = subprocess.Popen(
        [sys.executable, "-m", "fcgilint", "trace", "--live", "--pid", str(main), "--seconds", "12",
         "--max-mb", "200", "--output", str(output), "--format", "json"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    time.sleep(2)  # let strace attach before the load starts
    load = threading.Thread(
        target=fcgidlab.run_load,
        args=(lab.port, fcgidlab.Workload(requests=400, concurrency=4)),
        kwargs={"time_limit": 9},
    )
    load.start()
    stdout, stderr = trace.communicate(timeout=90)
    load.join(timeout=60)

    assert trace.returncode in (0, 1), stderr
    report = json.loads(stdout)
    assert output.stat().st_size > 0
    assert lab.main_pid() == main and Path(f"/proc/{main}").exists(), "the server must survive the capture"
    assert {i["php_fcgi_max_requests"] for i in report["inferred"]} == {20}
    races = sum(d["count"] for d in report["detections"] if d["kind"] == "request-limit-race")
    logged = lab.error_counts()
    # A race shows as "error reading data" or, when the write already fails, "error writing data".
    assert races <= logged.get("error_reading", 0) + logged.get("error_writing", 0)
    # Never silent: what it attached to and how to stop at once, then progress at least every 10 s.
    assert f"tracing httpd {main} and " in stderr and "Ctrl-C stops early" in stderr
    progress = [line for line in stderr.splitlines() if " s of 12 s: " in line]
    assert len(progress) >= 2 and int(progress[-1].split(": ")[1].split()[0]) > 0  # syscalls seen


def test_ctrl_c_stops_the_capture_and_reads_what_was_captured(lab, tmp_path: Path) -> None:
    import signal

    output = tmp_path / "live.strace"
    started = time.monotonic()
    trace = subprocess.Popen(
        [sys.executable, "-m", "fcgilint", "trace", "--live", "--pid", str(lab.main_pid()), "--seconds", "120",
         "--output", str(output), "--format", "json"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    time.sleep(2)
    fcgidlab.run_load(lab.port, fcgidlab.Workload(requests=60, concurrency=2), time_limit=10)
    trace.send_signal(signal.SIGINT)
    stdout, stderr = trace.communicate(timeout=60)
    assert trace.returncode in (0, 1), stderr
    assert time.monotonic() - started < 60 and "stopped by Ctrl-C" in stderr
    assert "detections" in json.loads(stdout) and output.stat().st_size > 0
