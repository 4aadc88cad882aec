"""Every format test runs inside a fresh sample repository."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.formats.helpers import chdir, make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    with chdir(make_repo(tmp_path)) as path:
        yield path
