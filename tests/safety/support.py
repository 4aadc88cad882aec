"""Helpers for the attack tests: hosting-sized trees, fix runs in real subprocesses, inotify waits."""

from __future__ import annotations

import ctypes
import hashlib
import os
import select
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RACE = "<VirtualHost *:80>\n    ServerName s{i}.example\n    FcgidWrapper /usr/bin/php-cgi .php\n</VirtualHost>\n"
FIXED_LINE = "    FcgidMaxRequestsPerProcess 500\n"

#: Totals over the safety suite, printed at the end of the run (tests/safety/conftest.py).
COUNTS: Counter[str] = Counter()

IN_CLOSE_NOWRITE = 0x10
IN_MOVED_TO = 0x80


def hosting_tree(base: Path, sites: int) -> Path:
    """``etc/apache2`` with ``sites`` vhosts in their own files, each with the FCG001 race; the config directory."""
    conf_dir = base / "etc/apache2"
    (conf_dir / "sites").mkdir(parents=True)
    (conf_dir / "apache2.conf").write_text(f"ServerRoot {conf_dir}\nIncludeOptional sites/*.conf\n")
    for i in range(sites):
        (conf_dir / "sites" / f"s{i:04}.conf").write_text(RACE.format(i=i))
    return conf_dir


def fixed(i: int) -> str:
    """What the safe FCG001 fix makes of site ``i``."""
    return RACE.format(i=i).replace(".php\n", ".php\n" + FIXED_LINE)


def fix_command(*args: str) -> list[str]:
    """``fcgilint fix`` of this checkout, on FCG001 unless told (the host's own php.ini cannot add findings)."""
    select = [] if "--select" in args else ["--select", "FCG001"]
    return [sys.executable, "-m", "fcgilint", "fix", *select, *args]


def start(*args: str, cwd: Path = REPO) -> subprocess.Popen[str]:
    """A fix run in its own session, as a terminal or a service manager would start it."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(fix_command(*args), cwd=cwd, env=env, text=True, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run(*args: str, cwd: Path = REPO, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(fix_command(*args), cwd=cwd, env=env, text=True, capture_output=True, timeout=timeout,
                          check=False)
    COUNTS["inputs tried"] += 1
    COUNTS["tracebacks"] += "Traceback (most recent call last)" in done.stderr
    return done


def finish(process: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str, str]:
    """Wait for a started run; its exit code, stdout and stderr (a run that hangs fails the test)."""
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        COUNTS["hangs"] += 1
        raise
    COUNTS["inputs tried"] += 1
    COUNTS["tracebacks"] += "Traceback (most recent call last)" in err
    return process.returncode, out, err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def temp_files(base: Path) -> list[Path]:
    """Every temporary file a fix run could leave, anywhere under ``base``."""
    return [p for p in base.rglob("*fcgilint-tmp*")]


class Watch:
    """Linux inotify on one path: wait until a process has read a file, or renamed one into a directory."""

    def __init__(self, path: Path, mask: int) -> None:
        self._libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self._libc.inotify_init1(os.O_NONBLOCK)
        if self.fd < 0 or self._libc.inotify_add_watch(self.fd, os.fsencode(path), mask) < 0:
            raise OSError(ctypes.get_errno(), "inotify")

    def wait(self, timeout: float) -> bool:
        """True once an event arrived within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if select.select([self.fd], [], [], left)[0]:
                os.read(self.fd, 65536)
                return True
        return False

    def close(self) -> None:
        os.close(self.fd)
