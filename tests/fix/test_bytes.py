"""Byte-exactness: only edited lines change, whatever the line endings, encoding or layout.

The generated configurations mix what real files carry: CRLF or LF, a missing
final newline, Latin-1 bytes in comments, ``\\`` continuations, tabs, legacy
directive names (FCG006), trailing "comments" (FCG007) and a request-limit race
(FCG001), so the properties are exercised by real fixes and not only by no-ops.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fcgilint.load.apache_syntax import parse
from fcgilint.source import read_source
from tests.fix.fix_support import RULES, fix, single_pass_changes_only_edited_lines

INDENT = st.sampled_from(["", "  ", "    ", "\t"])
WORDS = st.sampled_from(["60", "500", "1000", "on", "x", '"a b"'])
COMMENTS = st.sampled_from([b"# plain", b"# caf\xe9 Latin-1", b"#\tta\xffb", b"# \xc3\xa9 utf-8"])


@st.composite
def config_line(draw: st.DrawFn) -> list[bytes]:
    """One logical line as a list of physical lines (more than one for a continuation)."""
    kind = draw(st.sampled_from(["directive", "legacy", "comment", "blank", "continued", "trailing"]))
    indent = draw(INDENT).encode()
    if kind == "comment":
        return [indent + draw(COMMENTS)]
    if kind == "blank":
        return [indent]
    name = draw(st.sampled_from(["FcgidIOTimeout", "FcgidIdleTimeout", "ServerAdmin", "FcgidMinProcessesPerClass"]))
    if kind == "legacy":
        name = draw(st.sampled_from(["IPCCommTimeout", "IdleTimeout", "MaxProcessCount", "BusyTimeout"]))
    value = draw(WORDS).encode()
    if kind == "continued":
        return [indent + name.encode() + b" \\", indent + b"  " + value]
    if kind == "trailing":
        return [indent + name.encode() + b" " + value + b" " + draw(COMMENTS)]
    return [indent + name.encode() + b" " + value]


@st.composite
def config(draw: st.DrawFn) -> bytes:
    """A whole file: lines, optionally a racing vhost, one line ending, maybe no final newline."""
    lines = [physical for logical in draw(st.lists(config_line(), max_size=12)) for physical in logical]
    if draw(st.booleans()):
        at = draw(st.integers(0, len(lines)))
        vhost = [
            b"<VirtualHost *:80>",
            draw(INDENT).encode() + b"FcgidWrapper /usr/bin/php-cgi .php",
            b"</VirtualHost>",
        ]
        lines[at:at] = vhost
    newline = draw(st.sampled_from([b"\n", b"\r\n"]))
    body = newline.join(lines)
    return body + newline if draw(st.booleans()) and lines else body


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _write(data: bytes, directory: str) -> Path:
    path = Path(directory) / "httpd.conf"
    path.write_bytes(data)
    return path


@SETTINGS
@given(config())
def test_parse_and_no_edit_keeps_identical_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = _write(data, directory)
        source = read_source(path)
        assert parse(source).round_trip().encode("utf-8", "surrogateescape") == data
        mtime = path.stat().st_mtime_ns
        unfixable = tuple(r for r in RULES if r.id in ("FCG000", "FCG013"))
        outcome = fix(path, rules=unfixable, unsafe=True)
        assert outcome.applied == [] and path.read_bytes() == data and path.stat().st_mtime_ns == mtime


@SETTINGS
@given(config())
def test_a_pass_changes_only_edited_lines(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = _write(data, directory)
        for _ in range(5):
            outcome = single_pass_changes_only_edited_lines(path, [path])
            if not outcome.applied:
                break


@SETTINGS
@given(config())
def test_fixing_twice_equals_fixing_once(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = _write(data, directory)
        fix(path, unsafe=True)
        once = path.read_bytes()
        again = fix(path, unsafe=True)
        assert again.applied == [] and path.read_bytes() == once


def _fixed(tmp_path: Path, data: bytes) -> bytes:
    path = tmp_path / "httpd.conf"
    path.write_bytes(data)
    fix(path)
    return path.read_bytes()


def test_crlf_is_kept_and_inserted_lines_use_it(tmp_path: Path) -> None:
    data = b"# caf\xe9\r\n<VirtualHost *:80>\r\n\tFcgidWrapper /usr/bin/php-cgi .php\r\n</VirtualHost>\r\n"
    assert _fixed(tmp_path, data) == data.replace(
        b"</VirtualHost>", b"\tFcgidMaxRequestsPerProcess 500\r\n</VirtualHost>"
    )


def test_missing_final_newline_stays_missing(tmp_path: Path) -> None:
    data = b"FcgidWrapper /usr/bin/php-cgi .php\nIPCCommTimeout 60"
    assert (
        _fixed(tmp_path, data)
        == b"FcgidWrapper /usr/bin/php-cgi .php\nFcgidIOTimeout 60\nFcgidMaxRequestsPerProcess 500"
    )


def test_continuation_and_latin1_survive_a_rename(tmp_path: Path) -> None:
    data = (b"# r\xe9glages\nMaxRequestsPerProcess \\\n    1000\n<Files x.php>\n  FcgidWrapper /usr/bin/php-cgi .php\n"
            b"</Files>\n")
    assert _fixed(tmp_path, data) == data.replace(
        b"MaxRequestsPerProcess \\\n    1000", b"FcgidMaxRequestsPerProcess \\\n    500"
    )


def test_trailing_comment_moves_above_with_indentation(tmp_path: Path) -> None:
    data = b"<IfModule mod_fcgid.c>\r\n    FcgidIOTimeout 60 # one minute\r\n</IfModule>"
    assert (
        _fixed(tmp_path, data) == b"<IfModule mod_fcgid.c>\r\n    # one minute\r\n    FcgidIOTimeout 60\r\n</IfModule>"
    )
