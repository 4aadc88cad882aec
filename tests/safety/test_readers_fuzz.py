"""Every reader on random and mutated input: a result or its documented error, in bounded time.

The seeds are real files (the example server of ``examples/seed``, a built-in rule, the
starter ``.fcgilint.yaml``); mutations cut, repeat, splice bytes and insert hostile tokens.
``FCGILINT_SAFETY_LONG=1`` runs each a hundred times longer.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fcgilint.load.paths import PathMap
from fcgilint.load.php_ini import read_ini
from fcgilint.load.wrapper import read_wrapper
from fcgilint.project_config import ConfigError, load_config
from fcgilint.rules import RuleError, load_rule
from fcgilint.source import SourceError
from tests.safety.support import COUNTS, REPO

LONG = bool(os.environ.get("FCGILINT_SAFETY_LONG"))
BOUND = 30.0  # seconds: a hang guard, each input takes milliseconds
SEED = REPO / "examples/seed"
SEEDS = {
    "wrapper": (SEED / "usr/local/bin/php-wrapper").read_bytes(),
    "php.ini": (SEED / "etc/php/8.2/cgi/php.ini").read_bytes(),
    "rule": (REPO / "rules/FCG001.yaml").read_bytes(),
    "project": b"root: .\nselect: [FCG001, FCG002]\nfail_on: error\nset: {DOMAIN: example.org}\n",
}
HOSTILE = [b"\x00", b"\xff\xfe", b"9" * 5000, b"\\\n", b". ./php-wrapper\n", b"!!python/object:os.system ", b"&a [*a",
           b"{{{{", b"${" * 50, b"\"" * 3, b"[PATH=/x]\n", b"post_max_size = 0x" + b"f" * 80 + b"G\n", b"\r"]


def mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    """The seed cut at a random place, with random or hostile pieces spliced in."""
    piece = st.one_of(st.binary(max_size=64), st.sampled_from(HOSTILE))
    return st.tuples(st.integers(0, len(seed)), st.integers(0, len(seed)), st.lists(piece, max_size=6)).map(
        lambda t: seed[: min(t[:2])] + b"".join(t[2]) + seed[max(t[:2]):])


def _read(kind: str, path: Path) -> None:
    readers: dict[str, Callable[[], object]] = {
        "wrapper": lambda: read_wrapper(path, PathMap()),
        "php.ini": lambda: read_ini(path, PathMap()),
        "rule": lambda: load_rule(path),
        "project": lambda: load_config(path),
    }
    readers[kind]()


def _exercise(tmp_path: Path, kind: str, data: bytes) -> None:
    names = {"wrapper": "php-wrapper", "php.ini": "php.ini", "rule": "R.yaml", "project": ".fcgilint.yaml"}
    path = tmp_path / names[kind]
    path.write_bytes(data)
    path.chmod(0o755)
    COUNTS["inputs tried"] += 1
    started = time.monotonic()
    try:
        _read(kind, path)
    except (SourceError, ConfigError, RuleError):
        pass
    except Exception:
        COUNTS["tracebacks"] += 1
        raise
    elapsed = time.monotonic() - started
    COUNTS["hangs"] += elapsed > BOUND
    assert elapsed < BOUND


@settings(max_examples=4000 if LONG else 40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(sorted(SEEDS)).flatmap(lambda kind: st.tuples(st.just(kind), mutated(SEEDS[kind]))))
def test_mutated_files_are_read_or_refused_clearly(tmp_path: Path, case: tuple[str, bytes]) -> None:
    _exercise(tmp_path, *case)


@settings(max_examples=2000 if LONG else 20, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(sorted(SEEDS)), st.binary(max_size=2048))
def test_random_bytes_are_read_or_refused_clearly(tmp_path: Path, kind: str, data: bytes) -> None:
    _exercise(tmp_path, kind, data)
