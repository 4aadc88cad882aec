"""Fixtures that run a private Apache + mod_fcgid + php-cgi from ``scripts/fcgidlab.py``.

Every instance a test starts is stopped again (httpd and any php-cgi it left) even when the test
fails, and its directory is removed.  Without the Debian packages every ``real_server`` test is
skipped with one line naming what is missing.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

import fcgidlab  # noqa: E402  (lives in scripts/, importable only after the path insert)

LabFactory = Callable[[fcgidlab.Scenario], fcgidlab.Lab]
Fcgilint = Callable[..., dict]


@functools.cache
def _missing() -> tuple[str, ...]:
    return tuple(fcgidlab.missing_components())


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip ``real_server`` tests when the host cannot run the stack.

    Raised from this hook rather than from a fixture so that pytest reports the reason once,
    at this location, instead of once per test.  Tests that only read the committed captures
    carry no marker and run everywhere.
    """
    if item.get_closest_marker("real_server") and _missing():
        pytest.skip(f"real-server tests need {', '.join(_missing())}; scripts/install-system-deps.sh installs them")


@pytest.fixture(scope="module")
def start_lab() -> Iterator[LabFactory]:
    """Start lab instances on demand; stop and remove all of them when the module is done."""
    labs: list[fcgidlab.Lab] = []

    def start(scenario: fcgidlab.Scenario) -> fcgidlab.Lab:
        lab = fcgidlab.Lab.create(scenario)
        labs.append(lab)
        lab.start()
        return lab

    try:
        yield start
    finally:
        for lab in labs:
            lab.stop()
            shutil.rmtree(lab.root, ignore_errors=True)


def _fcgilint(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a separate process, as an admin would.

    Exit codes 0 and 1 (clean / findings) are both normal here; anything else fails the test.
    """
    done = subprocess.run(
        [sys.executable, "-m", "fcgilint", *args], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode in (0, 1), f"fcgilint {' '.join(args)} exited {done.returncode}: {done.stderr}"
    return done


@pytest.fixture(scope="session")
def fcgilint() -> Fcgilint:
    """``fcgilint ARGS --format json``, parsed."""
    return lambda *args: json.loads(_fcgilint(*args, "--format", "json").stdout)


@pytest.fixture(scope="session")
def fcgilint_fix() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``fcgilint fix ARGS`` (edits files in place)."""
    return lambda *args: _fcgilint("fix", *args)


def _pointed_at(finding: dict) -> set[str]:
    """The stripped text of every line a finding points at (its own place and its related ones)."""
    places = [(finding["file"], finding["line"])] + [(r["file"], r["line"]) for r in finding["related"]]
    return {Path(file).read_text().splitlines()[line - 1].strip() for file, line in places}


@pytest.fixture(scope="session")
def pointed_at() -> Callable[[dict], set[str]]:
    """Lets a test say which config lines a finding names, whatever order they come in."""
    return _pointed_at
