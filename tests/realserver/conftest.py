"""Fixtures that run a private Apache + mod_fcgid + php-cgi from ``scripts/fcgidlab.py``.

Every instance a test starts is stopped again (httpd and any php-cgi it left) even when the test
fails, and its directory is removed.  Without the Debian packages every test here is skipped with
one line naming what is missing.
"""

from __future__ import annotations

import functools
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import fcgidlab  # noqa: E402  (lives in scripts/, importable only after the path insert)

LabFactory = Callable[[fcgidlab.Scenario], fcgidlab.Lab]


@functools.cache
def _missing() -> tuple[str, ...]:
    return tuple(fcgidlab.missing_components())


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip when the host cannot run the stack.

    Raised from this hook rather than from a fixture so that pytest reports the reason once,
    at this location, instead of once per test.
    """
    if _missing():
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
