"""Hostile input: every reader ends in bounded time with findings or a clear message, never a traceback.

Each case is one input that used to raise (recursion, int limits, invalid regexes, a
self-sourcing wrapper, a tagged YAML value) or hang, run through the real command line.
The fuzz test mutates real configurations with the same ingredients;
``FCGILINT_SAFETY_LONG=1`` runs it a hundred times longer.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import InputError, analyse
from tests.safety.support import COUNTS, REPO

LONG = bool(os.environ.get("FCGILINT_SAFETY_LONG"))
BOUND = 60.0  # seconds: a hang guard for any one input on a loaded 2-core machine; each takes about one


def fcgilint(*args: str, cwd: Path = REPO, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    """One real run; counted, and failed on a traceback or a hang."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "fcgilint", *args], cwd=cwd, env=env, text=True,
                              stdout=stdout, stderr=subprocess.PIPE, timeout=BOUND, check=False)
    except subprocess.TimeoutExpired:
        COUNTS["hangs"] += 1
        raise
    COUNTS["inputs tried"] += 1
    crashed = "Traceback" in done.stderr or done.returncode == 70
    COUNTS["tracebacks"] += crashed
    assert not crashed, done.stderr
    assert time.monotonic() - started < BOUND
    return done


CONFIGS = {
    "600 nested sections": "<Directory /x>\n" * 600 + "</Directory>\n" * 600,
    "1000 nested false IfModule": "<IfModule nope.c>\n" * 1000 + "</IfModule>\n" * 1000,
    "invalid IfVersion regex": "<IfVersion ~ ([>\nFcgidIOTimeout 40\n</IfVersion>\n",
    "5000-digit numbers": "FcgidMaxRequestsPerProcess " + "9" * 5000 + "\nFcgidWrapper /usr/bin/php-cgi .php\n"
    + "FcgidIOTimeout " + "1" * 5000 + "\n<IfVersion >= " + "2" * 5000 + ">\n</IfVersion>\n",
    "catastrophic FilesMatch": '<FilesMatch "^(a|a?)+$|(.*)*(.*)*(.*)*(.*)*(.*)*(.*)*(.*)*(.*)*(.*)*(.*)*x">\n'
    "    FcgidWrapper /usr/bin/php-cgi .php\n</FilesMatch>\nAddHandler fcgid-script .php\n",
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_a_hostile_config_gives_findings_not_a_traceback(tmp_path: Path, name: str) -> None:
    conf = tmp_path / "httpd.conf"
    conf.write_text(CONFIGS[name])
    done = fcgilint("check", str(conf))
    assert done.returncode in (0, 1), done.stderr
    if "nested" in name:
        assert "FCG000" in done.stdout and "nested deeper than 100 levels" in done.stdout


def test_a_wrapper_that_sources_itself_through_dot_dot(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    wrapper = tmp_path / "wrapper"
    wrapper.write_text("#!/bin/sh\n. sub/../wrapper\nexport PHP_FCGI_MAX_REQUESTS=100\nexec /usr/bin/php-cgi\n")
    wrapper.chmod(0o755)
    assert fcgilint("check", str(wrapper)).returncode in (0, 1)


def test_a_tagged_value_in_the_project_config_is_refused_at_its_place(tmp_path: Path) -> None:
    (tmp_path / ".fcgilint.yaml").write_text("fail_on: error\nselect: !!python/object:os.system [FCG001]\n")
    (tmp_path / "httpd.conf").write_text("FcgidWrapper /usr/bin/php-cgi .php\n")
    done = fcgilint("check", "httpd.conf", cwd=tmp_path)
    assert done.returncode == 2
    assert f"{tmp_path / '.fcgilint.yaml'}:2:9: YAML tag" in done.stderr


def test_stdout_on_a_full_device_is_a_message_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "httpd.conf").write_text("FcgidWrapper /usr/bin/php-cgi .php\n")
    with open("/dev/full", "w") as full:
        done = fcgilint("check", "--format", "json", str(tmp_path / "httpd.conf"), stdout=full.fileno())
    assert done.returncode == 2
    assert done.stderr.strip() == "fcgilint: cannot write the output: No space left on device"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_an_internal_error_is_one_line_and_exit_70(tmp_path: Path, fmt: str) -> None:
    import json

    (tmp_path / "httpd.conf").write_text("FcgidWrapper /usr/bin/php-cgi .php\n")
    code = ("import sys, fcgilint.checks as c\n"
            "def broken(*a, **k):\n    raise KeyError('a bug')\n"
            "c.run = broken\nfrom fcgilint.cli import main\n"
            f"sys.argv = ['fcgilint', 'check', '--format', {fmt!r}, {str(tmp_path / 'httpd.conf')!r}]\nmain()\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=BOUND,
                          check=False)
    assert done.returncode == 70
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fcgilint: internal error: KeyError: 'a bug' at fcgilint/")
    if fmt == "json":  # a machine format still gets a well-formed document, the error as its note
        document = json.loads(done.stdout)
        assert document["findings"] == [] and "internal error: KeyError" in document["notes"][0]


def test_a_fix_that_does_not_remove_its_finding_stops_and_names_it(tmp_path: Path) -> None:
    conf = tmp_path / "httpd.conf"
    original = ("<VirtualHost *:80>\n    FcgidWrapper /usr/bin/php-cgi .php\n"
                "    FcgidCmdOptions /usr/bin/php-cgi InitialEnv\n</VirtualHost>\n")
    conf.write_text(original)
    done = fcgilint("fix", "--select", "FCG001", str(conf))
    assert done.returncode == 2
    assert f"the fix of FCG001 at {conf}:3" in done.stderr and "did not remove its finding" in done.stderr
    assert conf.read_text() == original


def test_junit_output_stays_valid_xml_with_control_characters(tmp_path: Path) -> None:
    import xml.dom.minidom

    conf = tmp_path / "httpd.conf"
    conf.write_bytes(b"FcgidWrapper /usr/bin/php-cgi\x01\x1b\xed\xa0\x80 .php\nFcgidIOTimeout 4\x0b0\n")
    done = fcgilint("check", "--format", "junit", str(conf))
    document = xml.dom.minidom.parseString(done.stdout)  # raises on invalid XML
    assert document.getElementsByTagName("failure") and "\\x01" in done.stdout


def test_a_directory_include_with_3000_files_and_a_symlink_loop(tmp_path: Path) -> None:
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    for i in range(3000):
        (conf_d / f"s{i:04}.conf").write_text(f"# site {i}\n")
    (conf_d / "loop").symlink_to(".")
    conf = f"ServerRoot {tmp_path}\nInclude conf.d/\nFcgidWrapper /usr/bin/php-cgi .php\n"
    (tmp_path / "httpd.conf").write_text(conf)
    done = fcgilint("check", "--select", "FCG000", str(tmp_path / "httpd.conf"))  # httpd: 0.15 s; was 33 s here
    assert done.returncode == 1 and "the directory includes itself (a symlink loop)" in done.stdout


def test_strace_timestamps_past_year_9999(tmp_path: Path) -> None:
    """The real race capture, every -ttt stamp moved past 9999-12-31: shown as printed."""
    shifted = []
    for capture in sorted((REPO / "tests/data/captures/race-ttt-ff").glob("trace.*[0-9]")):
        target = tmp_path / capture.name
        target.write_text("".join("2534023" + line[5:] if line.startswith("17958") else line
                                  for line in capture.read_text().splitlines(keepends=True)))
        shifted.append(str(target))
    done = fcgilint("trace", *shifted)
    assert done.returncode == 1 and "253402" in done.stdout, done.stderr


def test_one_long_strace_line(tmp_path: Path) -> None:
    """8 MB (100 MB in the long run) in one line: read in linear time, bounded memory."""
    trace = tmp_path / "trace.out"
    size = (100 if LONG else 8) << 20
    trace.write_text('124 12:00:00.000001 read(3, "' + "a" * size + '", 65536) = -1 ECONNRESET (Connection reset'
                     ' by peer)\n')
    done = fcgilint("trace", "--format", "json", str(trace))
    assert done.returncode in (0, 1), done.stderr


@pytest.mark.parametrize("body, where", [("id: [\n", ":2:1: invalid YAML"),
                                         ("id: !!python/name:os.system\n", ":1:5: invalid YAML"),
                                         ("id: FCG700\n", ":1:1: missing keys"),
                                         ("id: X\nname: x\ntitle: t\nseverity: info\nrationale: r\nreference: r\n"
                                          "remedy: r\nexamples: {bad: [1]}\n", ":1:1: an example must be")])
def test_a_malformed_site_rule_file_is_named_with_line_and_column(tmp_path: Path, body: str, where: str) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules/bad.yaml").write_text(body)
    (tmp_path / ".fcgilint.yaml").write_text("rule_dirs: [rules]\n")
    (tmp_path / "httpd.conf").write_text("FcgidWrapper /usr/bin/php-cgi .php\n")
    done = fcgilint("check", "httpd.conf", cwd=tmp_path)
    assert done.returncode == 2 and f"{tmp_path / 'rules/bad.yaml'}{where}" in done.stderr, done.stderr


INGREDIENTS = [
    "<Directory /x>\n" * 150, "</Directory>\n" * 150, "<IfModule nope.c>\n" * 120, "<IfVersion ~ (*)>\n",
    "<IfVersion ~ ^2\\.[4-9]>\n", "</IfVersion>\n", "FcgidMaxRequestsPerProcess " + "8" * 4400 + "\n",
    "FcgidIOTimeout -" + "7" * 4400 + "\n", '<FilesMatch "(.*)*(.*)*(.*)*(.*)*(.*)*$y">\n', "</FilesMatch>\n",
    "FcgidWrapper /usr/bin/php-cgi .php\n", "FcgidCmdOptions /usr/bin/php-cgi InitialEnv\n",
    "FcgidInitialEnv PHP_FCGI_MAX_REQUESTS " + "9" * 5000 + "\n", "Include /../nowhere/*.conf\n",
    "<VirtualHost *:80>\n", "</VirtualHost>\n", "Define X ${X}${X}\n", "FcgidMaxRequestLen 0x2000000\n",
]


@settings(max_examples=2000 if LONG else 20, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(INGREDIENTS), min_size=1, max_size=12))
def test_mixed_hostile_configs_never_raise_and_stay_bounded(tmp_path: Path, parts: list[str]) -> None:
    conf = tmp_path / "httpd.conf"
    conf.write_text("".join(parts))
    started = time.monotonic()
    COUNTS["inputs tried"] += 1
    try:
        analyse(conf, LoadOptions())
    except InputError:
        pass
    except Exception:
        COUNTS["tracebacks"] += 1
        raise
    assert time.monotonic() - started < BOUND


def test_a_fix_that_brings_an_identical_finding_to_life_elsewhere_is_not_stuck(tmp_path: Path) -> None:
    """Fixing ``<IfModule mod_fcgid>`` makes it match, so line 3's legacy name is read: the same finding, not stuck."""
    conf = tmp_path / "httpd.conf"
    conf.write_text("MaxRequestsPerProcess 100\n<IfModule mod_fcgid>\nMaxRequestsPerProcess 100\n</IfModule>\n")
    done = fcgilint("fix", "--unsafe-fixes", "--root", str(tmp_path), str(conf))
    assert done.returncode == 0, done.stderr
    assert conf.read_text() == (
        "FcgidMaxRequestsPerProcess 100\n<IfModule mod_fcgid.c>\nFcgidMaxRequestsPerProcess 100\n</IfModule>\n")
