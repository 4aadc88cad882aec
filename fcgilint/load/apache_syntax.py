r"""Lossless parser of Apache httpd's configuration syntax.

httpd's rules are line based and simple (``server/util.c`` ``ap_cfg_getline``,
``ap_getword_conf``; ``server/config.c`` ``ap_build_config``), and we follow them
exactly rather than a general grammar:

* a physical line ending in a backslash right before the newline (``\\\r?\n``)
  continues on the next line; the backslash is dropped, the next line's
  leading blanks are kept. A doubled backslash continues too: the comment in
  ``ap_cfg_getline`` says ``[^\\]\\\r?\n``, but the code httpd 2.4 uses for
  files (``cfg_getstr``) only looks at the last character, and
  ``apache2 -t -D DUMP_CONFIG`` shows ``a\\`` + newline + ``b`` read as ``a\b``;
* leading and trailing whitespace of the logical line is ignored;
* ``#`` starts a comment only as the first non-blank character of a logical line;
  on a directive's line it is just another argument (httpd then complains about
  the argument count, which the rules report);
* arguments are split on whitespace; ``"..."`` and ``'...'`` quote, ``\\`` and
  ``\<quote>`` are the only escapes; a word ends at its closing quote;
* ``<Name args>`` opens a section and ``</Name>`` closes it, names compared
  case-insensitively. The section handlers (``server/core.c``: ``dirsection``,
  ``filesection``, ``start_ifmod``, ...) cut the opener's arguments at its *last*
  ``>`` (``ap_strrchr_c(arg, '>')``) and ignore what follows, so
  ``<Files ~ "\.php$>"`` is accepted and tests ``\.php$`` (the quote left open
  is ended by the end of the text).

Every byte of the file belongs to exactly one :class:`Line`, in order, so joining
the lines' raw text gives the file back unchanged; every argument keeps its
character span so a fix can replace exactly it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from fcgilint.source import SourceFile
from fcgilint.templates import is_template_logic


class Kind(Enum):
    """What a logical line is."""

    BLANK = "blank"
    COMMENT = "comment"
    DIRECTIVE = "directive"
    OPEN = "open"
    CLOSE = "close"


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument: its unquoted value and its span (character offsets in the file)."""

    value: str
    start: int
    end: int
    quoted: bool = False


@dataclass(slots=True)
class Line:
    """One logical line (one or more physical lines joined by ``\\`` continuations)."""

    start: int
    end: int
    lineno: int
    last_lineno: int
    kind: Kind
    name: str = ""
    args: list[Arg] = field(default_factory=list)
    name_start: int = 0
    error: str | None = None
    template: bool = False  # a template tag line (<% %>, <?php, <tmpl_if>, {% %}): logic, not config


    @property
    def key(self) -> str:
        """The case-folded directive or section name."""
        return self.name.lower()


@dataclass(slots=True)
class Section:
    """An open/close pair and the nodes between them."""

    open: Line
    close: Line | None
    children: list[Node] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.open.key


Node = Line | Section


@dataclass
class ParsedFile:
    """A parsed file: its source, every logical line, the section tree and syntax errors."""

    source: SourceFile
    lines: list[Line]
    tree: list[Node]
    errors: list[tuple[int, str]]

    def round_trip(self) -> str:
        """Concatenate the raw text of every line; equals the source text by construction."""
        return "".join(self.source.text[ln.start : ln.end] for ln in self.lines)


def _continues(text: str, nl: int) -> bool:
    """True if the newline at ``nl`` is escaped: ``\\\r?\n``, whatever precedes the backslash."""
    i = nl - 1
    if i >= 0 and text[i] == "\r":
        i -= 1
    return i >= 0 and text[i] == "\\"


def _logical_spans(text: str) -> list[tuple[int, int, int, int]]:
    """Split text into (start, end, first_line, last_line) spans of logical lines."""
    spans: list[tuple[int, int, int, int]] = []
    pos, lineno, n = 0, 1, len(text)
    while pos < n:
        start, first = pos, lineno
        while True:
            nl = text.find("\n", pos)
            if nl == -1:
                pos = n
                break
            pos = nl + 1
            lineno += 1
            if pos >= n or not _continues(text, nl):
                break
        last = lineno - 1 if text[pos - 1] == "\n" else lineno
        spans.append((start, pos, first, last))
    return spans


def _joined(text: str, start: int, end: int) -> tuple[str, Sequence[int]]:
    """Logical text of a span with continuations removed, plus each char's file offset."""
    if text.find("\n", start, end - 1) == -1:  # one physical line: offsets are a plain range
        line = text[start:end].rstrip("\r\n")
        return line, range(start, start + len(line))
    chars: list[str] = []
    offsets: list[int] = []
    i = start
    while i < end:
        ch = text[i]
        if ch == "\n" and _continues(text, i):
            if chars[-1] == "\r":
                chars.pop()
                offsets.pop()
            chars.pop()  # the escaping backslash
            offsets.pop()
        else:
            chars.append(ch)
            offsets.append(i)
        i += 1
    while chars and chars[-1] in "\r\n":
        chars.pop()
        offsets.pop()
    return "".join(chars), offsets


_PLAIN_WORD = re.compile(r"[^ \t\n\v\f\r]+")


def split_words(text: str, offsets: Sequence[int], pos: int) -> list[Arg]:
    """Split like httpd's ``ap_getword_conf`` from ``pos`` to the end of ``text``."""
    if not any(c in text for c in "\"'\\"):  # no quoting or escapes: words are runs of non-blanks
        return [Arg(m.group(0), offsets[m.start()], offsets[m.end() - 1] + 1) for m in _PLAIN_WORD.finditer(text, pos)]
    args: list[Arg] = []
    n = len(text)
    while True:
        while pos < n and text[pos].isspace():
            pos += 1
        if pos >= n:
            return args
        quote = text[pos] if text[pos] in "\"'" else ""
        begin = pos
        if quote:
            pos += 1
            out: list[str] = []
            while pos < n and text[pos] != quote:
                if text[pos] == "\\" and pos + 1 < n and text[pos + 1] in ("\\", quote):
                    pos += 1
                out.append(text[pos])
                pos += 1
            if pos < n:
                pos += 1
        else:
            out = []
            while pos < n and not text[pos].isspace():
                if text[pos] == "\\" and pos + 1 < n and text[pos + 1] == "\\":
                    pos += 1
                out.append(text[pos])
                pos += 1
        args.append(Arg("".join(out), offsets[begin], offsets[pos - 1] + 1, bool(quote)))


def _classify(text: str, offsets: Sequence[int], line: Line) -> None:
    """Fill kind, name and args of a logical line from its joined text."""
    stripped = text.strip()
    if not stripped:
        line.kind = Kind.BLANK
        return
    if stripped.startswith("#"):
        line.kind = Kind.COMMENT
        return
    lead = len(text) - len(text.lstrip())
    if stripped.startswith("</"):
        _classify_close(stripped, offsets[lead], line)
        return
    if stripped.startswith("<"):
        line.kind = Kind.OPEN
        m = re.match(r"<([^\s>]*)", text[lead:])
        assert m is not None
        line.name = m.group(1)
        line.name_start = offsets[lead]
        body_start = lead + m.end()
        cut = text.rfind(">", body_start)
        if cut == -1:
            line.error = f"<{line.name} directive missing closing '>'"
            line.args = split_words(text.rstrip(), offsets, body_start)
        else:
            line.args = split_words(text[:cut], offsets, body_start)
        return
    line.kind = Kind.DIRECTIVE
    m = re.match(r"\S+", text[lead:])
    assert m is not None
    line.name = m.group(0)
    line.name_start = offsets[lead]
    line.args = split_words(text.rstrip(), offsets, lead + m.end())


def _classify_close(stripped: str, start: int, line: Line) -> None:
    """A close tag is its first word, and that word must be exactly ``</Name>``.

    httpd cuts the word like any other and drops its last character as the
    ``>``: ``</IfModule >``, ``</ IfModule>`` and ``</IfModule>x`` are errors,
    while words after a correct tag (``</Directory> x``) are ignored.
    """
    line.kind = Kind.CLOSE
    word = stripped.split(None, 1)[0]
    line.name_start = start
    if word.endswith(">") and len(word) > 3:
        line.name = word[2:-1]
        return
    line.name = word[2:]
    line.error = f"</{line.name} directive missing closing '>'"


def parse_lines(source: SourceFile) -> list[Line]:
    """Cut a file into classified logical lines covering every character."""
    text = source.text
    lines: list[Line] = []
    for start, end, first, last in _logical_spans(text):
        line = Line(start=start, end=end, lineno=first, last_lineno=last, kind=Kind.BLANK)
        joined, offsets = _joined(text, start, end)
        _classify(joined, offsets, line)
        line.template = is_template_logic(joined)
        lines.append(line)
    return lines


MAX_SECTION_DEPTH = 100  # real configs nest a handful of levels; see build_tree
TOO_DEEP = f"sections nested deeper than {MAX_SECTION_DEPTH} levels"  # fcgilint's limit, not an httpd error


def build_tree(lines: list[Line]) -> tuple[list[Node], list[tuple[int, str]]]:
    """Nest sections the way ``ap_build_config`` does and collect its errors.

    Sections deeper than :data:`MAX_SECTION_DEPTH` are reported and flattened into the
    deepest one, so every walk over the tree stays far from Python's recursion limit.
    """
    root: list[Node] = []
    stack: list[Section] = []
    errors: list[tuple[int, str]] = []
    flattened = 0
    for line in lines:
        if line.template:
            continue
        if line.error:
            errors.append((line.lineno, line.error))
        target = stack[-1].children if stack else root
        if line.kind is Kind.OPEN and len(stack) >= MAX_SECTION_DEPTH:
            if not flattened:
                errors.append((line.lineno, f"{TOO_DEEP}: fcgilint reads the deeper ones as part of the "
                               "enclosing section and may miss what they mean"))
            flattened += 1
        elif line.kind is Kind.CLOSE and flattened:
            flattened -= 1
        elif line.kind is Kind.OPEN:
            section = Section(open=line, close=None)
            target.append(section)
            stack.append(section)
        elif line.kind is Kind.CLOSE:
            _close(line, stack, root, errors)
        elif line.kind is Kind.DIRECTIVE:
            target.append(line)
    for section in stack:
        errors.append((section.open.lineno, f"<{section.open.name}> was not closed."))
    return root, errors


def _close(line: Line, stack: list[Section], root: list[Node], errors: list[tuple[int, str]]) -> None:
    if not stack:
        errors.append((line.lineno, f"</{line.name}> without matching <{line.name}> section"))
        return
    top = stack[-1]
    if top.open.key != line.key:
        errors.append((line.lineno, f"Expected </{top.open.name}> but saw </{line.name}>"))
        # httpd stops here; we recover by closing the nearest matching section, if any.
        names = [s.open.key for s in stack]
        if line.key not in names:
            return
        while stack[-1].open.key != line.key:
            stack.pop()
        top = stack[-1]
    top.close = line
    stack.pop()


def parse(source: SourceFile) -> ParsedFile:
    """Parse one file into lines, a section tree and the errors httpd would raise."""
    lines = parse_lines(source)
    tree, errors = build_tree(lines)
    return ParsedFile(source=source, lines=lines, tree=tree, errors=errors)
