"""The parser keeps every byte and splits lines and words exactly like httpd."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from fcgilint.load.apache_syntax import Kind, parse
from fcgilint.source import SourceFile, decode


def _parse(text: str):
    return parse(SourceFile(Path("t.conf"), "t.conf", text))


def test_trailing_hash_is_an_argument_not_a_comment() -> None:
    (line,) = _parse("FcgidMaxRequestsPerProcess 500 # keep\n").lines
    assert line.kind is Kind.DIRECTIVE
    assert [a.value for a in line.args] == ["500", "#", "keep"]


def test_hash_inside_quotes_stays_in_the_argument() -> None:
    (line,) = _parse('ErrorDocument 404 "Not found #1"\n').lines
    assert [a.value for a in line.args] == ["404", "Not found #1"]


def test_continuation_joins_lines_and_keeps_positions() -> None:
    text = "FcgidWrapper /usr/bin/php-cgi \\\n    .php\nNext 1\n"
    parsed = _parse(text)
    first, second = parsed.lines
    assert (first.lineno, first.last_lineno) == (1, 2)
    assert [a.value for a in first.args] == ["/usr/bin/php-cgi", ".php"]
    assert text[first.args[1].start : first.args[1].end] == ".php"
    assert second.lineno == 3


def test_comment_with_continuation_swallows_next_line() -> None:
    parsed = _parse("# a comment \\\nFcgidIOTimeout 3\n")
    assert [ln.kind for ln in parsed.lines] == [Kind.COMMENT]


def test_crlf_and_escaped_quotes() -> None:
    (line,) = _parse('Header set X "a \\"b\\" c"\r\n').lines
    assert [a.value for a in line.args] == ["set", "X", 'a "b" c']


def test_close_tags_match_case_insensitively() -> None:
    assert _parse("<VirtualHost *:80>\n</virtualhost>\n").errors == []


def test_mismatched_and_unclosed_sections_are_reported_with_lines() -> None:
    assert _parse("<VirtualHost *:80>\n</Directory>\n").errors[0] == (2, "Expected </VirtualHost> but saw </Directory>")
    assert _parse("<IfModule x>\n").errors == [(1, "<IfModule> was not closed.")]
    assert _parse("</Files>\n").errors[0][0] == 1


def test_template_logic_lines_are_neither_sections_nor_errors() -> None:
    text = ("<tmpl_if name='php'>\n<% if @x -%>\n<?php if ($a) { ?>\n<VirtualHost *:80>\n</VirtualHost>\n<% end -%>\n</"
            "tmpl_if>\n")
    parsed = _parse(text)
    assert parsed.errors == []
    assert [n.open.name for n in parsed.tree] == ["VirtualHost"]
    assert [ln.template for ln in parsed.lines] == [True, True, True, False, False, True, True]
    assert parsed.round_trip() == text


def test_misplaced_quote_in_section_still_parses_as_httpd_does() -> None:
    (section,) = _parse('<Files ~ "\\.php$>">\n</Files>\n').tree
    assert [a.value for a in section.open.args] == ["~", "\\.php$>"]


lines = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "",
                "# c",
                "  # indented \\",
                "<IfModule mod_fcgid.c>",
                "</IfModule>",
                "\t\tFcgidIOTimeout 40",
                "X \"a b\" 'c'",
                "Y \\",
                "\\",
                "</",
                "<",
                'Z "unterminated',
            ]
        ),
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(lines, st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_round_trip_is_exact_for_any_text(body: list[str], newline: str, final_newline: bool) -> None:
    text = newline.join(body) + (newline if final_newline else "")
    parsed = _parse(text)
    assert parsed.round_trip() == text
    covered = [(ln.start, ln.end) for ln in parsed.lines]
    assert all(a[1] == b[0] for a, b in zip(covered, covered[1:], strict=False))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_round_trip_is_exact_for_any_bytes(data: bytes) -> None:
    text = decode(data)
    parsed = _parse(text)
    assert parsed.round_trip().encode("utf-8", "surrogateescape") == data
