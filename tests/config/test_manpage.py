"""The man page is generated from the CLI and stays in sync; shell completion works in a real bash."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PAGE = REPO / "docs" / "fcgilint.1"
REGENERATE = "python scripts/manpage.py > docs/fcgilint.1"


def generated() -> str:
    done = subprocess.run([sys.executable, "scripts/manpage.py"], cwd=REPO, capture_output=True, text=True, check=True)
    return done.stdout


def test_man_page_is_in_sync_with_the_cli() -> None:
    assert PAGE.read_text() == generated(), f"docs/fcgilint.1 is stale; run: {REGENERATE}"


@pytest.mark.skipif(shutil.which("man") is None or shutil.which("groff") is None, reason="needs man and groff")
def test_man_renders_every_command_and_option_without_warnings() -> None:
    warnings = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(PAGE)], capture_output=True, text=True)
    assert warnings.returncode == 0 and warnings.stderr == ""
    env = {**os.environ, "MANWIDTH": "200", "MANPAGER": "cat"}
    raw = subprocess.run(["man", "-l", str(PAGE)], capture_output=True, text=True, env=env, check=True).stdout
    page = re.sub(".\b", "", raw)  # man overstrikes bold and underlined letters when piped
    for needle in (
        "fcgilint check",
        "fcgilint fix",
        "fcgilint trace",
        "fcgilint explain",
        "EXIT STATUS",
        "--unsafe-fixes",
        "--write-baseline WRITE_BASELINE",
        "--format, -f FORMAT",
        "apache2ctl -t",
    ):
        assert needle in page, needle


def shim(tmp_path: Path) -> dict[str, str]:
    """An ``fcgilint`` on PATH that runs this working tree, as the installed console script would."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "fcgilint"
    script.write_text(f'#!/bin/sh\nPYTHONPATH="{REPO}" exec "{sys.executable}" -m fcgilint "$@"\n')
    script.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}:{os.environ['PATH']}", "NO_COLOR": "1"}


def complete(env: dict[str, str], *words: str) -> list[str]:
    """Load the completion script the way ~/.bashrc would, then ask bash for the candidates after ``words``."""
    program = (
        'eval "$(fcgilint --show-completion)"\n'
        f"COMP_WORDS=({' '.join(words)}); COMP_CWORD={len(words) - 1}\n"
        '_fcgilint_completion fcgilint\nprintf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(["bash", "--norc", "-c", program], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completion_offers_commands_and_options(tmp_path: Path) -> None:
    env = shim(tmp_path)
    assert {"check", "fix", "trace", "rules", "explain", "init"} <= set(complete(env, "fcgilint", "''"))
    assert complete(env, "fcgilint", "ch") == ["check"]
    assert {"--unsafe-fixes", "--backup"} <= set(complete(env, "fcgilint", "fix", "--"))
