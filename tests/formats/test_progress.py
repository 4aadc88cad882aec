"""Long runs draw a progress line on a terminal's stderr, and nowhere else.

In-process runs use a stream that says it is a terminal; the subprocess run shows that a pipe
(CI, pre-commit) gets nothing, and a pseudo-terminal shows that machine formats get nothing either.
"""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fcgilint import progress
from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import analyse
from tests.conftest import REPO, write_tree


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def hosting_tree(base: Path, sites: int) -> Path:
    files = {"httpd.conf": "FcgidMaxRequestsPerProcess 500\nIncludeOptional vhosts/*.conf\n"}
    for i in range(sites):
        files[f"vhosts/site{i}.conf"] = (f"<VirtualHost *:80>\nServerName s{i}.example\n"
                                         f"FcgidWrapper {base}/w{i} .php\n</VirtualHost>\n")
        files[f"w{i}"] = "#!/bin/sh\nexport PHP_FCGI_MAX_REQUESTS=500\nexec /usr/bin/php-cgi\n"
    write_tree(base, files)
    return base / "httpd.conf"


def test_a_check_on_a_terminal_shows_each_stage_with_counts_and_an_eta(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "QUIET_SECONDS", 0.0)
    monkeypatch.setattr(progress, "UPDATES_PER_SECOND", 10**9)
    terminal = Terminal()
    with progress.showing(True, terminal):
        analyse(hosting_tree(tmp_path, 40), LoadOptions())
    lines = terminal.getvalue().split("\r")
    assert "fcgilint: config files: 41 of 41 files (100%)" in terminal.getvalue()
    assert any(line.startswith("fcgilint: config files: 20 of 41 files (48%)") and "ETA" in line for line in lines)
    assert "fcgilint: wrapper scripts: 40 of 40 files (100%)" in terminal.getvalue()
    assert any(line.startswith("fcgilint: checks: ") for line in lines)
    assert terminal.getvalue().endswith("\r")  # erased: the report starts on a clean line
    assert lines[-2].strip() == ""


def test_short_runs_and_non_terminals_show_nothing(tmp_path: Path) -> None:
    conf = hosting_tree(tmp_path, 5)
    terminal, pipe = Terminal(), io.StringIO()
    with progress.showing(True, terminal):
        analyse(conf, LoadOptions())  # well under QUIET_SECONDS
    with progress.showing(True, pipe):
        analyse(conf, LoadOptions())
    with progress.showing(False, terminal):
        analyse(conf, LoadOptions())
    assert terminal.getvalue() == "" and pipe.getvalue() == ""


def test_the_eta_follows_the_rate_so_far() -> None:
    meter = progress.Meter(Terminal())
    meter.begin("reading strace.out", "bytes", 400 << 20)
    meter.done = 100 << 20
    line = meter.line(meter.stage_started + 2.0)
    assert line == "fcgilint: reading strace.out: 100 of 400 MiB (25%), 2.0 s, ETA 6 s"


def _stderr_on_a_terminal(argv: list[str]) -> str:
    """Run with stderr on a pseudo-terminal (stdout a pipe) and return what the terminal got."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(timeout=300)
    os.close(leader)
    return seen.decode(errors="replace")


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_machine_formats_show_nothing_even_on_a_terminal(fmt: str, tmp_path: Path) -> None:
    conf = hosting_tree(tmp_path, 400)
    argv = [sys.executable, "-m", "fcgilint", "check", "--no-cache", "--format", fmt, str(conf)]
    assert "fcgilint:" not in _stderr_on_a_terminal(argv)


def test_text_on_a_terminal_shows_progress_and_a_pipe_gets_none(tmp_path: Path) -> None:
    conf = hosting_tree(tmp_path, 400)
    argv = [sys.executable, "-m", "fcgilint", "check", "--no-cache", "--format", "text", str(conf)]
    shown = _stderr_on_a_terminal(argv)
    piped = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False)
    assert piped.returncode == 1 and piped.stderr == ""  # FCG005 on every site: the check ran
    if "fcgilint: " not in shown:
        pytest.skip("the check finished within the quiet time: nothing to show")
    stage = r"(config files|wrapper scripts|process classes|checks): [\d,]+ of [\d,]+ (files|wrappers|rules)"
    assert re.search(rf"\rfcgilint: {stage} \(\d+%\), [\d.]+ s, ETA \d+ s", shown), shown
