"""The php.ini reader agrees with PHP itself on the values and sizes fcgilint compares.

Generated ini files (quoting, inline comments, sections, repeated keys, K/M/G sizes) are
read by fcgilint and by ``php -c FILE``; the raw value and its byte count must match
``ini_get`` and ``ini_parse_quantity``. Skipped where the PHP command line is not installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fcgilint.load.paths import PathMap
from fcgilint.load.php_ini import read_ini, size_bytes

PHP = shutil.which("php")
pytestmark = pytest.mark.skipif(PHP is None, reason="php (command line) not installed")
KEYS = ("post_max_size", "upload_max_filesize")  # memory_limit would starve php itself

sizes = st.tuples(st.integers(min_value=1, max_value=4096), st.sampled_from(["", "K", "M", "G", "k", "m", "g"])).map(lambda t: f"{t[0]}{t[1]}")
quoted = st.one_of(sizes, sizes.map(lambda v: f'"{v}"'), sizes.map(lambda v: f"'{v}'"))
line = st.tuples(st.sampled_from(KEYS), st.sampled_from([" = ", "=", " =", "= "]), quoted, st.sampled_from(["", " ; note", "   "])).map(lambda t: "".join(t))
noise = st.sampled_from(["", "; a comment", "[PHP]", "# old-style comment"])
files = st.lists(st.one_of(line, noise), min_size=1, max_size=8)


def _php(ini: Path) -> dict[str, list[object]]:
    code = "echo json_encode(array_map(fn($k) => [ini_get($k), ini_parse_quantity(ini_get($k))], array_combine($argv, $argv)));"
    done = subprocess.run([PHP, "-c", str(ini), "-r", code, "--", *KEYS], env={"PHP_INI_SCAN_DIR": ""}, capture_output=True, text=True, check=True, timeout=20)
    return json.loads(done.stdout)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files)
def test_values_and_sizes_match_php(tmp_path: Path, lines: list[str]) -> None:
    ini = tmp_path / "php.ini"
    ini.write_text("\n".join(lines) + "\n")
    ours = read_ini(ini, PathMap()).values
    theirs = _php(ini)
    for key in KEYS:
        if key in ours:
            raw = ours[key][0]
            assert raw == theirs[key][0], (key, lines)
            assert size_bytes(raw) == theirs[key][1], (key, raw)
