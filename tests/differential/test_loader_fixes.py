"""Loader behaviour the httpd comparison corrected, pinned without needing httpd.

Each expectation was read from ``apache2 -t -D DUMP_CONFIG`` (httpd 2.4.71,
mod_fcgid 2.3.9); the differential tests re-check them where httpd is installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fcgilint.load.apache_syntax import parse
from fcgilint.load.apache_tree import LoadOptions, ifmodule_key, load_tree, version_matches
from fcgilint.source import SourceFile


def _words(text: str) -> list[list[str]]:
    parsed = parse(SourceFile(Path("t.conf"), "t.conf", text))
    return [[ln.name, *(a.value for a in ln.args)] for ln in parsed.lines if ln.name]


def test_doubled_backslash_before_newline_still_continues() -> None:
    assert _words("FcgidPassHeader a\\\\\nb\nFcgidIOTimeout 5\n") == [
        ["FcgidPassHeader", "a\\b"],
        ["FcgidIOTimeout", "5"],
    ]
    assert _words("FcgidInitialEnv A a\\\\\r\n  b\n") == [["FcgidInitialEnv", "A", "a\\", "b"]]


@pytest.mark.parametrize(("name", "key"), [
    ("mod_fcgid.c", "fcgid"), ("fcgid_module", "fcgid"), ("core.c", "core"), ("event.c", "mpm_event"),
    ("mod_fcgid", None), ("fcgid", None), ("mod_fcgid.so", None), ("MOD_FCGID.C", None), ("FCGID_MODULE", None),
])
def test_ifmodule_names_match_like_httpd(name: str, key: str | None) -> None:
    assert ifmodule_key(name) == key


def test_ifmodule_comparison_is_case_sensitive(tmp_path: Path) -> None:
    conf = tmp_path / "httpd.conf"
    conf.write_text(
        "<IfModule MOD_FCGID.C>\nFcgidIOTimeout 1\n</IfModule>\n<IfModule mod_fcgid>\nFcgidIOTimeout 2\n</IfModule>\n"
        "<IfModule mod_fcgid.c>\nFcgidIOTimeout 3\n</IfModule>\n"
    )
    tree = load_tree(conf, LoadOptions())
    assert [d.args for d in tree.directives] == [["3"]]


@pytest.mark.parametrize(("args", "expected"), [
    (["2.4"], False), (["2"], False), (["=", "2.4"], False), (["!=", "2.4"], True),
    ([">=", "2.4"], True), (["<", "2.4"], False), ([">", "2.4"], True), (["~", "^2\\.4"], True),
])
def test_ifversion_fills_omitted_parts_with_zero(args: list[str], expected: bool) -> None:
    assert version_matches(args) is expected


@pytest.mark.parametrize("close", ["</IfModule >", "</ IfModule>", "</IfModule>x"])
def test_close_tag_must_be_one_word_ending_in_bracket(close: str) -> None:
    parsed = parse(SourceFile(Path("t.conf"), "t.conf", f"<IfModule mod_fcgid.c>\nFcgidIOTimeout 3\n{close}\n"))
    assert parsed.errors and parsed.errors[0][0] == 3


def test_words_after_a_close_tag_are_ignored() -> None:
    assert parse(SourceFile(Path("t.conf"), "t.conf", "<Directory /tmp>\n</Directory> x\n")).errors == []


def _problems(tmp_path: Path, text: str) -> list[str]:
    conf = tmp_path / "httpd.conf"
    conf.write_text(text)
    return [p.message for p in load_tree(conf, LoadOptions(defines=(("ON", ""),))).problems]


def test_unclosed_true_conditional_at_end_of_file_is_accepted(tmp_path: Path) -> None:
    assert _problems(tmp_path, "<IfModule mod_fcgid.c>\n<Directory /tmp>\nFcgidWrapper /w\n") == []
    assert _problems(tmp_path, "<IfDefine ON>\nFcgidIOTimeout 3\n") == []


def test_unclosed_false_conditional_or_section_outside_one_is_refused(tmp_path: Path) -> None:
    assert _problems(tmp_path, "<IfDefine OFF>\nFcgidIOTimeout 3\n") == ["<IfDefine> was not closed."]
    assert _problems(tmp_path, "<Directory /tmp>\n<IfModule mod_fcgid.c>\nFcgidWrapper /w\n") == [
        "<Directory> was not closed."
    ]


@pytest.mark.parametrize(("opener", "args"), [
    ('<Files ~ "\\.php$>"', ["~", "\\.php$"]),  # the quote misplaced after the bracket: httpd reads \.php$
    ('<Directory "/srv/a>b">', ["/srv/a>b"]),
    ("<Directory /srv>junk", ["/srv"]),  # words after the last '>' are dropped
])
def test_section_opener_is_cut_at_its_last_bracket(opener: str, args: list[str]) -> None:
    name = opener[1:].split()[0]
    parsed = parse(SourceFile(Path("t.conf"), "t.conf", f"{opener}\nFcgidIOTimeout 3\n</{name}>\n"))
    assert parsed.errors == []
    assert [a.value for a in parsed.lines[0].args] == args
