"""Shared fixtures: materialise small config trees, find the shared corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """The shared material beside the repository (or FCGILINT_SHARED)."""
    return Path(os.environ.get("FCGILINT_SHARED", REPO.parent / "shared"))


def write_tree(base: Path, files: dict[str, str]) -> None:
    """Write files under base; scripts (``#!``) become executable like real wrappers."""
    for name, text in files.items():
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if text.startswith("#!"):
            path.chmod(0o755)


@pytest.fixture
def tree(tmp_path: Path):
    """Return a function that writes files and gives back the root."""

    def make(files: dict[str, str]) -> Path:
        write_tree(tmp_path, files)
        return tmp_path

    return make
