"""Shared fixtures: materialise small config trees, find the shared corpus."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """The shared material beside the repository (or FCGILINT_SHARED)."""
    return Path(os.environ.get("FCGILINT_SHARED", REPO.parent / "shared"))


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every `fcgilint check` of the suite keeps its re-check cache in a directory of this session."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FCGILINT_CACHE_DIR", str(tmp_path_factory.mktemp("fcgilint-cache")))
        yield


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
