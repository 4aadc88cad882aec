"""What a file given as a path is, before anything reads it as httpd configuration.

A configuration repository holds more than Apache files: Dockerfiles, Perl or Python
scripts, Markdown write-ups. Read as httpd syntax, their lines become dozens of
meaningless findings, so a file is first recognised by its name, its first line and its
shape. Documents and Dockerfiles often carry Apache configuration in code blocks or
heredocs: :func:`embedded_config` keeps those parts and blanks everything else to spaces,
so the lines, columns and character offsets of what is checked stay those of the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fcgilint import knowledge


@dataclass(frozen=True)
class FileKind:
    """``kind`` decides how the file is read; ``label`` says it to the user ("a Dockerfile")."""

    kind: str  # "apache" | "wrapper" | "php-ini" | "document" | "dockerfile" | "other"
    label: str
    blocks: str = ""  # where embedded Apache config sits: "markdown", "rest", "heredoc" or "strings"


_MARKDOWN = ("a Markdown document", "markdown")
_DOCUMENTS = {
    ".md": _MARKDOWN, ".markdown": _MARKDOWN, ".mdown": _MARKDOWN, ".rst": ("a reStructuredText document", "rest"),
}
_OTHER_SUFFIXES = {
    ".py": "a Python script", ".pl": "a Perl script", ".pm": "a Perl module", ".rb": "a Ruby script",
    ".php": "a PHP script", ".js": "a JavaScript file", ".c": "a C source file", ".h": "a C header",
    ".json": "a JSON file", ".yml": "a YAML file", ".yaml": "a YAML file",
}
_INTERPRETERS = {"perl": "a Perl script", "python": "a Python script", "ruby": "a Ruby script", "php": "a PHP script",
                 "node": "a JavaScript file"}
_SHELLS = re.compile(r"\b(sh|bash|dash|ksh|zsh|busybox)\b")
_DOCKER_FIRST = re.compile(r"^\s*(FROM\s+\S+|ARG\s+\S+)", re.I)
_DOCKER_INSTRUCTION = re.compile(
    r"^\s*(RUN|COPY|ADD|ENV|EXPOSE|CMD|ENTRYPOINT|WORKDIR|USER|LABEL|VOLUME)\s", re.I | re.M)


def identify(path: Path, head: str) -> FileKind:
    """Recognise a file from its name and its first 4 KiB (``head``)."""
    name, suffix = path.name.lower(), path.suffix.lower()
    if name in ("dockerfile", "containerfile") or name.endswith(("dockerfile", ".containerfile")) or (
            name.startswith("dockerfile.") or _looks_like_dockerfile(head)):
        return FileKind("dockerfile", "a Dockerfile", "heredoc")
    if suffix in _DOCUMENTS:
        return FileKind("document", *_DOCUMENTS[suffix])
    if suffix == ".pp":  # Puppet hands Apache config to apache::custom_config in multi-line strings
        return FileKind("document", "a Puppet manifest", "strings")
    if head.startswith("#!"):
        first = head.split("\n", 1)[0]
        if _SHELLS.search(first):
            return FileKind("wrapper", "a shell script")
        for word, label in _INTERPRETERS.items():
            if word in first:
                return FileKind("other", label)
        return FileKind("wrapper", "a script")
    if suffix in _OTHER_SUFFIXES:
        return FileKind("other", _OTHER_SUFFIXES[suffix])
    if suffix == ".ini" or "[PHP]" in head:
        return FileKind("php-ini", "a php.ini")
    return FileKind("apache", "an Apache config")


def _looks_like_dockerfile(head: str) -> bool:
    """The first instruction is FROM (or ARG before FROM) and other Docker instructions follow."""
    lines = [ln for ln in head.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return bool(lines) and bool(_DOCKER_FIRST.match(lines[0])) and len(_DOCKER_INSTRUCTION.findall(head)) >= 2


_SECTIONS = ("virtualhost", "directory", "directorymatch", "files", "filesmatch", "location", "locationmatch",
             "ifmodule", "ifdefine", "ifversion")
_HTTPD_WORDS = {"loadmodule", "include", "includeoptional", "options", "servername", "documentroot", "scriptalias"}


def looks_like_apache(line: str) -> bool:
    """A line whose first word is a directive or section httpd has, mod_fcgid's above all."""
    word = line.strip().split(None, 1)[0].lower() if line.strip() else ""
    if word.startswith("<"):
        return word.lstrip("</").rstrip(">") in _SECTIONS
    return knowledge.lookup(word) is not None or word in knowledge.HTTPD_ARITY or word in _HTTPD_WORDS


def embedded_config(text: str, blocks: str) -> tuple[str, list[tuple[int, int]]]:
    """The text with everything but its Apache blocks blanked, and the (first, last) line numbers of
    the blocks kept; ``blocks`` is :attr:`FileKind.blocks`. A block counts when a line is Apache's."""
    lines = text.split("\n")
    if blocks == "heredoc":
        found = _heredocs(lines)
    elif blocks == "strings":
        found = _strings(lines)
    else:  # reST literal blocks are indented by any amount, Markdown code blocks by four columns
        found = _fenced(lines) + _indented(lines, ("\t", " ") if blocks == "rest" else ("    ", "\t"))
    kept = sorted(block for block in found if any(looks_like_apache(lines[i]) for i in range(block[0], block[1] + 1)))
    keep = {i for first, last in kept for i in range(first, last + 1)}
    masked = [line if i in keep else " " * len(line) for i, line in enumerate(lines)]
    return "\n".join(masked), [(first + 1, last + 1) for first, last in kept]


_FENCE = re.compile(r"^ {0,3}(```+|~~~+)")


def _fenced(lines: list[str]) -> list[tuple[int, int]]:
    """Markdown fenced code blocks: the lines between an opening fence and the next like it."""
    blocks: list[tuple[int, int]] = []
    opened: tuple[int, str] | None = None
    for i, line in enumerate(lines):
        match = _FENCE.match(line)
        if not match:
            continue
        if opened is None:
            opened = (i, match.group(1)[0])
        elif match.group(1)[0] == opened[1]:
            if i - 1 >= opened[0] + 1:
                blocks.append((opened[0] + 1, i - 1))
            opened = None
    return blocks


def _indented(lines: list[str], indents: tuple[str, ...]) -> list[tuple[int, int]]:
    """Indented code blocks (Markdown) and literal blocks (reST): lines starting with one of
    ``indents`` after a blank line, running on through blank lines while the indentation lasts."""
    blocks: list[tuple[int, int]] = []
    start: int | None = None
    last = 0
    fenced = {i for first, end in _fenced(lines) for i in range(first - 1, end + 2)}
    for i, line in enumerate(lines):
        indented = line.startswith(indents) and bool(line.strip()) and i not in fenced
        if start is None and indented and (i == 0 or not lines[i - 1].strip()):
            start, last = i, i
        elif start is not None and indented:
            last = i
        elif start is not None and line.strip():
            blocks.append((start, last))
            start = None
    if start is not None:
        blocks.append((start, last))
    return blocks


_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")


def _heredocs(lines: list[str]) -> list[tuple[int, int]]:
    """Heredoc bodies in a Dockerfile (``RUN cat > x.conf <<EOF`` ... ``EOF``, ``COPY <<EOF x.conf``)."""
    blocks: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        match = _HEREDOC.search(lines[i])
        if match is None:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == match.group(2)), len(lines))
        if end - 1 >= i + 1:
            blocks.append((i + 1, end - 1))
        i = end + 1
    return blocks


def _strings(lines: list[str]) -> list[tuple[int, int]]:
    """The inner lines of multi-line quoted strings (Puppet's ``content => "`` ... ``",``)."""
    blocks: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        quote = _left_open(lines[i])
        if quote is None:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if _unescaped(lines[j], quote)), len(lines))
        if end - 1 >= i + 1:
            blocks.append((i + 1, end - 1))
        i = end + 1
    return blocks


def _left_open(line: str) -> str | None:
    """The quote a line leaves open at its end, outside a ``#`` comment; None if it closes them all."""
    quote: str | None = None
    k = 0
    while k < len(line):
        char = line[k]
        if quote is None and char == "#":
            break
        if char == "\\":
            k += 2
            continue
        if char in "\"'" and quote in (None, char):
            quote = None if quote else char
        k += 1
    return quote


def _unescaped(line: str, quote: str) -> bool:
    """True if the line holds ``quote`` not preceded by a backslash."""
    return bool(re.search(rf"(?<!\\){re.escape(quote)}", line))
