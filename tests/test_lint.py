"""The project passes its own gates: ruff (pyflakes, syntax, bugbear, lines <= 120 characters) and mypy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing() -> None:
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff not installed (it is in the test extra)")
    done = subprocess.run(
        [ruff, "check", "--output-format", "concise", "fcgilint", "tests", "bench", "scripts"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_package_compiles_without_warnings() -> None:
    done = subprocess.run(
        [sys.executable, "-W", "error", "-m", "compileall", "-q", "-f", str(REPO / "fcgilint")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_nothing() -> None:
    mypy = shutil.which("mypy")
    if mypy is None:
        pytest.skip("mypy not installed (it is in the test extra)")
    done = subprocess.run([mypy], cwd=REPO, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
