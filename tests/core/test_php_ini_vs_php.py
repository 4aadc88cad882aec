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

sizes = st.tuples(st.integers(min_value=1, max_value=4096), st.sampled_from(["", "K", "M", "G", "k", "m", "g"])).map(
    lambda t: f"{t[0]}{t[1]}"
)
quoted = st.one_of(sizes, sizes.map(lambda v: f'"{v}"'), sizes.map(lambda v: f"'{v}'"))
line = st.tuples(
    st.sampled_from(KEYS), st.sampled_from([" = ", "=", " =", "= "]), quoted, st.sampled_from(["", " ; note", "   "])
).map(lambda t: "".join(t))
noise = st.sampled_from(["", "; a comment", "[PHP]", "# old-style comment"])
files = st.lists(st.one_of(line, noise), min_size=1, max_size=8)


def _php(ini: Path) -> dict[str, list[object]]:
    code = ("echo json_encode(array_map(fn($k) => [ini_get($k), ini_parse_quantity(ini_get($k))], array_combine($argv, "
            "$argv)));")
    done = subprocess.run(
        [PHP, "-c", str(ini), "-r", code, "--", *KEYS],
        env={"PHP_INI_SCAN_DIR": ""},
        capture_output=True,
        text=True,
        check=True,
        timeout=20,
    )
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


_PIECES = ["0", "1", "7", "9", "00", "0x", "0X", "0o", "0b", "ff", "1f", " ", "\t", "k", "K", "m", "M", "g", "G",
           "B", ".", "-", "+", "e3", "x", "99999999999999999999", "1.5", "08"]
quantities = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=6).map("".join)


@settings(max_examples=30, deadline=None)
@given(st.lists(quantities, min_size=50, max_size=50))
def test_any_size_string_reads_like_php_8_2(values: list[str]) -> None:
    """Prefixes, junk between number and multiplier, overflow: ``ini_parse_quantity`` of the real php decides."""
    code = "echo json_encode(array_map(fn($v) => @ini_parse_quantity($v), json_decode(stream_get_contents(STDIN))));"
    done = subprocess.run([PHP, "-n", "-r", code], input=json.dumps(values), capture_output=True, text=True,
                          check=True, timeout=20)
    theirs = json.loads(done.stdout)
    ours = [size_bytes(v) for v in values]
    differ = [(v, o, t) for v, o, t in zip(values, ours, theirs, strict=True) if (0 if o is None else o) != t]
    assert not differ, differ


def test_the_sizes_php_8_2_reads_differently_from_older_readers() -> None:
    assert size_bytes("0x2000000") == 32 * 1024 * 1024
    assert size_bytes("5MB") == 5
    assert size_bytes("1.5M") == 1024 * 1024
    assert size_bytes("9" * 5000) == -1  # out of range: PHP's overflow result, read in linear time
