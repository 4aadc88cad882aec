"""``--verify`` as admins type it on Debian, against the real httpd.

``apache2 -t -f FILE`` fails on a Debian-shaped tree because nothing sources
its ``envvars``; ``apache2ctl -t`` does (``APACHE_CONFDIR`` names a tree other
than /etc/apache2). fcgilint runs the command once before writing, so a command
that already fails stops the run with nothing written instead of looking like a
failure the fix caused.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.differential.httpd_support import MODULES_DIR, free_port, missing_requirements, stub_wrapper
from tests.fix.test_safety import RACE, invoke

pytestmark = pytest.mark.skipif(
    missing_requirements() is not None or shutil.which("apache2ctl") is None,
    reason=str(missing_requirements() or "apache2ctl is not installed (Debian package apache2)"),
)


def debian_tree(base: Path) -> Path:
    """apache2.conf using envvars' variables, as Debian's does, with a vhost that has the request-limit race."""
    tree = base / "apache2"
    for folder in ("run", "lock", "log"):
        (base / folder).mkdir()
    stub_wrapper(base / "bin" / "php-wrapper")
    port = free_port()
    (tree / "envvars").parent.mkdir(parents=True)
    (tree / "envvars").write_text(
        "".join(
            f"export APACHE_{name}_DIR={base / folder}\n"
            for name, folder in (("RUN", "run"), ("LOCK", "lock"), ("LOG", "log"))
        )
        + f"export APACHE_PID_FILE={base / 'run' / 'apache2.pid'}\nexport APACHE_RUN_USER=www-data\nexport APACHE_RUN_"
          "GROUP=www-data\n"
    )
    modules = "".join(f"LoadModule {m}_module {MODULES_DIR}/mod_{m}.so\n" for m in ("mpm_event", "authz_core", "fcgid"))
    (tree / "apache2.conf").write_text(
        "Mutex file:${APACHE_LOCK_DIR} default\nPidFile ${APACHE_PID_FILE}\nServerName localhost\n"
        f"Listen 127.0.0.1:{port}\nErrorLog ${{APACHE_LOG_DIR}}/error.log\n{modules}"
        "FcgidIPCDir ${APACHE_RUN_DIR}/fcgid\nFcgidProcessTableFile ${APACHE_RUN_DIR}/fcgid_shm\n"
        f"<VirtualHost 127.0.0.1:{port}>\n    FcgidWrapper {base / 'bin' / 'php-wrapper'} .php\n</VirtualHost>\n"
    )
    return tree


def test_a_verify_command_that_already_fails_stops_before_writing(tmp_path: Path) -> None:
    tree = debian_tree(tmp_path)
    before = (tree / "apache2.conf").read_bytes()
    result = invoke("fix", "--verify", f"apache2 -t -f {tree / 'apache2.conf'}", str(tree))
    assert result.exit_code == 2, result.output
    assert (
        "already fails before any change (exit code 1); Debian's envvars was not read: use 'apache2ctl -t'"
        in result.output
    )
    assert "Config variable ${APACHE_LOCK_DIR} is not defined" in result.output  # httpd's own words come first
    assert result.output.rstrip().endswith("nothing was written")
    assert (tree / "apache2.conf").read_bytes() == before


def test_the_debian_form_passes_before_and_after_the_fix(tmp_path: Path) -> None:
    tree = debian_tree(tmp_path)
    result = invoke("fix", "--verify", f"APACHE_CONFDIR={tree} apache2ctl -t", str(tree))
    assert result.exit_code == 0, result.output
    assert "fixed FCG001" in result.output
    assert "    FcgidMaxRequestsPerProcess 500\n</VirtualHost>" in (tree / "apache2.conf").read_text()


def test_a_signal_while_verify_runs_before_writing_changes_nothing(tmp_path: Path) -> None:
    conf = tmp_path / "httpd.conf"
    conf.write_text(RACE)
    marker = tmp_path / "verifying"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fcgilint",
            "fix",
            "--select",
            "FCG001",
            "--verify",
            f"touch {marker}; sleep 60",
            str(conf),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "interrupted by SIGTERM while --verify ran before any change; nothing was written" in err
    assert conf.read_text() == RACE
