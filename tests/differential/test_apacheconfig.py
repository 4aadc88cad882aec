"""fcgilint's parser against a second, independent parser: apacheconfig's writable loader.

apacheconfig (``make_loader(writable=True, **flavors.NATIVE_APACHE, ccomments=False)``)
is a PLY grammar for Config::General-style files, not httpd's line reader. Both
must give the text back byte for byte. Where both parse, every comment, directive
(name and raw value) and section opening must agree, after applying the places
where apacheconfig is known to read Apache syntax wrongly (the project's reference
notes on parsers, section A.4):

* ``#`` anywhere on the first physical line of a directive's value starts a
  comment for apacheconfig (after the value, glued to a word, even inside
  quotes; not after a ``\\`` continuation); httpd only knows ``#`` at the start
  of a line, so for fcgilint those are arguments;
* ``Name=value`` and ``Name = value`` are Config::General separators;
* a value that starts and ends with the same quote loses those two quotes, even
  when it is two quoted words (``"a" "b"`` becomes ``a" "b``);
* close tags are never compared with open tags;
* a line that starts with ``<`` but has no ``>`` (``<?php``) is a directive for
  apacheconfig and a broken section opening for httpd;
* a ``#`` comment cut from a directive does not continue over a backslash
  before CRLF (only before LF), so the generated inputs continue lines with LF.

A new loader is built for every parse: PLY parses with the most recently built
lexer (apacheconfig bug A.5.1), so a loader built elsewhere must not leak in.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fcgilint.load.apache_syntax import Kind, ParsedFile, parse
from fcgilint.source import SourceFile
from tests.differential.httpd_support import corpus_configs

apacheconfig = pytest.importorskip(
    "apacheconfig", reason="apacheconfig is in the 'test' extra: pip install -e '.[test]'"
)

Item = tuple[str, str, str | None]
INCLUDES = ("include", "includeoptional")


def apacheconfig_parse(text: str) -> Any:
    """The writable tree, or None when apacheconfig cannot parse the text."""
    with apacheconfig.make_loader(writable=True, **apacheconfig.flavors.NATIVE_APACHE, ccomments=False) as loader:
        try:
            return loader.loads(text)
        except (apacheconfig.error.ApacheConfigError, ValueError):
            return None


def apacheconfig_items(tree: Any) -> list[Item]:
    """Comments, directives and section openings in document order."""
    items: list[Item] = []
    for node in tree:
        if type(node).__name__ == "BlockNode":
            items.append(("open", node.tag, node.arguments))
            items.extend(apacheconfig_items(node))
        elif node.typestring == "comment":
            items.append(("comment", node.name.strip(), None))
        else:
            items.append(("directive", node.name, node.value))
    return items


def fcgilint_parse(text: str) -> ParsedFile:
    return parse(SourceFile(Path("t.conf"), "t.conf", text))


def _raw_args(parsed: ParsedFile, index: int) -> str | None:
    line = parsed.lines[index]
    if not line.args:
        return None
    return parsed.source.text[line.args[0].start : line.args[-1].end]


def _unquote_whole(raw: str | None) -> str | None:
    """apacheconfig drops the first and last character of a value that starts and
    ends with the same quote, even when these are two quoted words."""
    if raw and len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    return raw


def expected_apacheconfig_items(parsed: ParsedFile) -> list[Item]:
    """What apacheconfig should list for a file fcgilint parsed, its known misreadings applied."""
    items: list[Item] = []
    for index, line in enumerate(parsed.lines):
        raw = _raw_args(parsed, index)
        if line.kind is Kind.COMMENT:
            items.append(("comment", parsed.source.text[line.start : line.end].strip(), None))
        elif line.kind is Kind.OPEN and line.error:  # "<?php": httpd refuses a '<' line without '>'
            items.append(("directive", f"<{line.name}", raw))
        elif line.kind is Kind.OPEN:
            items.append(("open", line.name, _unquote_whole(raw.removesuffix(">").rstrip() if raw else raw)))
        elif line.kind is Kind.DIRECTIVE:
            gap = parsed.source.text[line.name_start + len(line.name) : line.args[0].start] if line.args else ""
            items.extend(
                _directive_as_apacheconfig_reads_it(line.name, raw, continued=re.search(r"\\\r?\n", gap) is not None)
            )
    return items


def _directive_as_apacheconfig_reads_it(name: str, raw: str | None, continued: bool) -> list[Item]:
    """``continued``: the value starts on a continuation line, where apacheconfig sees no comments."""
    comment: list[Item] = []
    if "=" in name:  # Config::General: PHP_Value=1 is the option PHP_Value with value 1
        name, _, glued = name.partition("=")
        raw = f"{glued} {raw}" if raw and glued else (glued or raw)
    elif raw and re.match(r"=\s", raw):  # Name = value
        raw = raw[1:].lstrip()
    first_line = re.split(r"\\\r?\n", raw, maxsplit=1)[0] if raw else ""
    if name.lower() in INCLUDES:  # its own token: no comments, quotes kept
        return [("directive", name, raw)]
    if raw and "#" in first_line and not continued:  # '#' starts a comment, before any continuation
        cut = raw.index("#")
        raw, comment = raw[:cut].rstrip() or None, [("comment", raw[cut:], None)]
    return [("directive", name, _unquote_whole(raw)), *comment]


def _compare(text: str) -> bool:
    """Both round-trip; where apacheconfig parses, the items agree. True if it parsed."""
    parsed = fcgilint_parse(text)
    assert parsed.round_trip() == text
    tree = apacheconfig_parse(text)
    if tree is None:
        return False
    assert tree.dump() == text
    assert apacheconfig_items(tree) == expected_apacheconfig_items(parsed)
    return True


DOCUMENTED = {
    "trailing comment": (
        "FcgidMaxRequestsPerProcess 500 # keep in sync\n",
        ["500", "#", "keep", "in", "sync"],
        [("directive", "FcgidMaxRequestsPerProcess", "500"), ("comment", "# keep in sync", None)],
    ),
    "hash inside quotes": (
        'ErrorDocument 404 "Not found #1"\n',
        ["404", "Not found #1"],
        [("directive", "ErrorDocument", '404 "Not found'), ("comment", '#1"', None)],
    ),
    "hash glued to a word": (
        "FcgidInitialEnv A a#b\n",
        ["A", "a#b"],
        [("directive", "FcgidInitialEnv", "A a"), ("comment", "#b", None)],
    ),
    "equals glued": ("PHP_Value=1\n", [], [("directive", "PHP_Value", "1")]),
    "equals separator": ("MaxRequestLen = 2000000\n", ["=", "2000000"], [("directive", "MaxRequestLen", "2000000")]),
    "two quoted words": (
        'Alias "/errors/" "/srv/errors/"\n',
        ["/errors/", "/srv/errors/"],
        [("directive", "Alias", '/errors/" "/srv/errors/')],
    ),
}


@pytest.mark.parametrize("label", DOCUMENTED)
def test_documented_misreadings_of_apacheconfig(label: str) -> None:
    """Each known difference, stated in full: what httpd's rules give and what apacheconfig gives."""
    text, our_args, theirs = DOCUMENTED[label]
    parsed = fcgilint_parse(text)
    assert [a.value for a in parsed.lines[0].args] == our_args
    tree = apacheconfig_parse(text)
    assert tree is not None and tree.dump() == text
    assert apacheconfig_items(tree) == theirs
    assert _compare(text)


def test_mismatched_close_tag_is_accepted_by_apacheconfig_only() -> None:
    text = "<VirtualHost *:80>\n  ServerName a\n</Directory>\n"
    assert fcgilint_parse(text).errors[0] == (3, "Expected </VirtualHost> but saw </Directory>")
    assert _compare(text)


def test_c_comments_are_directives_for_both_with_ccomments_off() -> None:
    """httpd refuses ``/*`` as an unknown command; with ``ccomments=False`` apacheconfig agrees that it is one."""
    text = "/* not apache */\nFcgidIOTimeout 3\n"
    assert [(ln.name, [a.value for a in ln.args]) for ln in fcgilint_parse(text).lines] == [
        ("/*", ["not", "apache", "*/"]),
        ("FcgidIOTimeout", ["3"]),
    ]
    assert _compare(text)


def test_apacheconfig_loses_an_equals_sign_with_no_value() -> None:
    """The one round-trip failure seen (a ``KEY =`` settings file, not Apache syntax):
    apacheconfig writes ``PHP_VERSION =`` back as ``PHP_VERSION``."""
    text = "PHP_VERSION =\nPHP_PEAR_DIR = /usr/share/php\n"
    assert fcgilint_parse(text).round_trip() == text
    tree = apacheconfig_parse(text)
    assert tree is not None and tree.dump() == "PHP_VERSION\nPHP_PEAR_DIR = /usr/share/php\n"


EDGE_CASES = [
    "# Example vhost\nDefine DOCROOT /var/www/example\n<IfModule mod_fcgid.c>\n  FcgidInitialEnv PHP_FCGI_MAX_REQUESTS "
    "500\n  FcgidIOTimeout 120\n</IfModule>\n",
    '<VirtualHost *:80>\n  ServerAlias www.example.com \\\n      alt.example.com\n  <Directory "${DOCROOT}/htdocs">\n  '
    '  FcgidWrapper "/var/www/php-fcgi/php-wrapper" .php virtual\n  </Directory>\n</VirtualHost>\n',
    "FcgidInitialEnv B\tc\r\n\tFcgidBusyTimeout 9 \r\n<ifmodule mod_fcgid.c>\r\nFcgidIdleTimeout 5\r\n</IFMODULE>\r\n",
    'LogFormat "%h \\"%r\\" %>s" common\nHeader set X-A \'b c\'\nFcgidIOTimeout\n',
    '<Files ~ "\\.php$">\n  SetHandler fcgid-script\n</Files>\n<FilesMatch \\.php$>\nFcgidWrapper /usr/bin/php-cgi .'
    'php\n</FilesMatch>\n',
    "Include conf.d/*.conf # extra\nIncludeOptional sites/*.conf\n",
    "  # indented comment\n\n\nFcgidMaxRequestLen 1073741824",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_agree(text: str) -> None:
    assert _compare(text)


CORPUS_FILES = corpus_configs()


@pytest.mark.skipif(not CORPUS_FILES, reason="shared corpus not present (set FCGILINT_SHARED)")
def test_corpus_files_agree_where_both_parse() -> None:
    """Every file round-trips through fcgilint; most also through apacheconfig, and agree."""
    parsed = [_compare(path.read_bytes().decode("utf-8", "surrogateescape")) for path in CORPUS_FILES]
    assert sum(parsed) >= len(parsed) // 2, "apacheconfig parsed fewer than half of the corpus files"


NAMES = st.sampled_from(
    [
        "FcgidIOTimeout",
        "FcgidInitialEnv",
        "FcgidWrapper",
        "AddHandler",
        "ServerName",
        "fcgidmaxrequestsperprocess",
        "MaxRequestLen",
        "Header",
    ]
)
WORDS = st.sampled_from(
    [
        "500",
        "/usr/bin/php-cgi",
        ".php",
        "virtual",
        "a=b",
        "PHP_FCGI_MAX_REQUESTS",
        '"x y"',
        "'q'",
        '"a #b"',
        "#c",
        "${VAR}",
        "10M",
        "a\\\\b",
    ]
)
BLANKS = st.sampled_from([" ", "  ", "\t", " \t "])
ENDINGS = st.sampled_from(["\n", "\r\n"])


@st.composite
def _directive(draw: st.DrawFn) -> str:
    words = draw(st.lists(WORDS, max_size=3))
    parts = [draw(NAMES)]
    for word in words:
        parts.append(draw(st.sampled_from([draw(BLANKS), f"{draw(BLANKS)}\\\n{draw(BLANKS)}"])) + word)
    return draw(st.sampled_from(["", "  ", "\t"])) + "".join(parts) + draw(ENDINGS)


@st.composite
def _config(draw: st.DrawFn, depth: int = 0) -> str:
    out = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(
            st.sampled_from(
                ["directive", "directive", "comment", "blank", "section"] if depth < 2 else ["directive", "comment"]
            )
        )
        if kind == "directive":
            out.append(draw(_directive()))
        elif kind == "comment":
            out.append(draw(st.sampled_from(["# note\n", "  #indented\n", "#\n"])))
        elif kind == "blank":
            out.append("\n")
        else:
            name, arg = draw(
                st.sampled_from(
                    [
                        ("IfModule", "mod_fcgid.c"),
                        ("VirtualHost", "*:80"),
                        ("Directory", '"/var/www/a b"'),
                        ("Files", "*.php"),
                    ]
                )
            )
            out.append(f"<{name} {arg}>\n{draw(_config(depth + 1))}</{draw(st.sampled_from([name, name.lower()]))}>\n")
    return "".join(out)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_config())
def test_generated_configs_agree(text: str) -> None:
    _compare(text)
