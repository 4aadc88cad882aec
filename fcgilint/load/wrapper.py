"""Static reading of the wrapper script that ``FcgidWrapper`` starts.

Nothing is executed. We follow the sh/bash subset wrapper scripts use in
practice (panel starters, the manual's example): assignments, ``export``,
``export VAR=...``, ``declare -x``, ``unset``, ``. file``/``source``, parameter
expansion with ``${VAR:-default}``, and the final ``exec php-cgi -c ... -d k=v``.
The simulation is run against the environment mod_fcgid hands to the wrapper,
because which value php-cgi sees depends on it: an assignment to a variable
that is already in the environment changes the environment even without
``export``; an unexported new one does not reach php-cgi at all.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from fcgilint.load.paths import PathMap
from fcgilint.source import Location, SourceError, SourceFile, read_source
from fcgilint.templates import fill, is_placeholder

MAX_SOURCED = 32  # files one wrapper may pull in with `.`/`source`: real wrappers source one or two

_CONTROL = frozenset(
    {"if", "then", "else", "elif", "fi", "case", "esac", "for", "while", "until", "do", "done", "{", "}", "function"}
)
_OPENERS = frozenset({"if", "case", "for", "while", "until"})
_CLOSERS = frozenset({"fi", "esac", "done"})
_IGNORED = frozenset(
    {"umask", "cd", "ulimit", "set", "trap", "echo", "printf", "true", ":", "test", "[", "[[", "shift"}
)


_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: ``read`` options that take a value (bash's ``help read``): the word after them is not a variable name.
_READ_VALUED = frozenset({"-a", "-d", "-i", "-n", "-N", "-p", "-t", "-u"})


def _read_names(args: list[Word]) -> list[str]:
    """The variables ``read`` assigns: its words up to a redirection, options and their values left out.

    What ``read`` stores comes from a file or a pipe at run time, so each one is unknown, never unset.
    """
    names: list[str] = []
    skip = False
    for word in args:
        text = word.text
        if skip:
            skip = False
        elif text[:1] in ("<", ">", "|", ";", "&") or (text[:1].isdigit() and text[1:2] in ("<", ">")):
            break
        elif text.startswith("-"):
            skip = text in _READ_VALUED
        elif _VARIABLE.fullmatch(text):
            names.append(text)
    return names or ["REPLY"]


@dataclass(frozen=True, slots=True)
class Word:
    """A shell word after expansion; ``known`` is False if it depended on ``$(...)`` etc."""

    text: str
    known: bool = True


@dataclass(slots=True)
class Setting:
    """A variable's value at the point php-cgi is executed, and who set it."""

    name: str
    value: str | None
    location: Location | None  # None: inherited from mod_fcgid's environment
    exported: bool
    conditional: bool = False
    note: str = ""


@dataclass(slots=True)
class PhpCall:
    """The command that runs php-cgi and the php.ini choices on its command line."""

    argv: list[str]
    location: Location
    is_exec: bool
    ini_path: str | None = None
    no_ini: bool = False
    defines: dict[str, tuple[str, Location]] = field(default_factory=dict)


@dataclass(slots=True)
class ScriptRun:
    """Result of simulating a wrapper: the environment php-cgi starts with and the call."""

    env: dict[str, Setting]
    unexported: dict[str, Setting]
    shadowed: list[Setting]
    call: PhpCall | None
    last_command: tuple[list[str], Location] | None
    notes: list[str]


# How distributions and panels name php-cgi: php-cgi, php-cgi8.2, php8.2-cgi, php5-cgi, php-fcgi5.6,
# php-cgi-7.4, php-cgi.exe; a PHP binary named by its path (/usr/local/bin/php, /opt/php/8.1/bin/php,
# /usr/bin/php82) is php-cgi when started by mod_fcgid (a CLI binary then fails in a way FCG008 cannot see).
_PHP_CGI_NAME = re.compile(r"^php[\d.]*-?f?cgi(-?[\d.]+)?(\.exe)?$|^php-cgi")
_PHP_BINARY_PATH = re.compile(r"/(cgi-bin|cgi-sys|bin|sbin)/php[\d.]*(\.exe)?$")


def looks_like_php_cgi(program: str) -> bool:
    """True for php-cgi binaries as distributions and panels name them (php-cgi8.2, php-fcgi5.6,
    /usr/lib/cgi-bin/php5, cPanel's /usr/local/cpanel/cgi-sys/php5, /usr/local/bin/php, php-cgi.exe)."""
    path = program.replace("\\", "/").lower()
    name = path.rsplit("/", 1)[-1]
    return bool(_PHP_CGI_NAME.match(name)) or bool(_PHP_BINARY_PATH.search(path))


def _tokens(line: str, env: dict[str, Setting]) -> list[Word]:
    """Split one command into words with quote removal and parameter expansion."""
    if not any(c in line for c in "'\"\\$`"):  # nothing to expand or unquote
        return [Word(w) for w in line.split()]
    words: list[Word] = []
    cur: list[str] = []
    known, started, i, n = True, False, 0, len(line)
    while i < n:
        ch = line[i]
        if ch.isspace():
            if started:
                words.append(Word("".join(cur), known))
                cur, known, started = [], True, False
            i += 1
            continue
        if ch == "$":  # unquoted: the expansion is split into fields, and an empty one is no word
            i, part, ok = _expand(line, i, env)
            known &= ok
            fields = re.split(r"[ \t\n]+", part)
            cur.append(fields[0])
            for piece in fields[1:]:
                if started or "".join(cur):
                    words.append(Word("".join(cur), known))
                cur, started = [piece], False
            started = started or bool("".join(cur))
            continue
        started = True
        if ch == "'":
            end = line.find("'", i + 1)
            end = n if end == -1 else end
            cur.append(line[i + 1 : end])
            i = end + 1
        elif ch == '"':
            i, part, ok = _double_quoted(line, i + 1, env)
            cur.append(part)
            known &= ok
        elif ch == "\\" and i + 1 < n:
            cur.append(line[i + 1])
            i += 2
        elif ch == "`":
            end = line.find("`", i + 1)
            i = n if end == -1 else end + 1
            known = False
        else:
            cur.append(ch)
            i += 1
    if started:
        words.append(Word("".join(cur), known))
    return words


def _double_quoted(line: str, i: int, env: dict[str, Setting]) -> tuple[int, str, bool]:
    out: list[str] = []
    known = True
    while i < len(line) and line[i] != '"':
        if line[i] == "\\" and i + 1 < len(line) and line[i + 1] in '$`"\\':
            out.append(line[i + 1])
            i += 2
        elif line[i] == "$":
            i, part, ok = _expand(line, i, env)
            out.append(part)
            known &= ok
        else:
            out.append(line[i])
            i += 1
    return i + 1, "".join(out), known


def _value(env: dict[str, Setting], name: str) -> str | None:
    setting = env.get(name)
    return setting.value if setting else None


def _expand(line: str, i: int, env: dict[str, Setting]) -> tuple[int, str, bool]:
    """Expand ``$NAME``, ``${NAME}``, ``${NAME:-w}``, ``${NAME-w}``, ``${NAME:=w}``; ``$(..)`` is unknown."""
    if line.startswith("$(", i):
        depth, j = 0, i + 1
        while j < len(line):
            depth += {"(": 1, ")": -1}.get(line[j], 0)
            if depth == 0:
                break
            j += 1
        return j + 1, "", False
    m = re.compile(
        r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=+?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])"
    ).match(line, i)
    if not m:
        return i + 1, "$", True
    name = m.group(1) or m.group(4)
    value = _value(env, name)
    op, word = m.group(2), m.group(3) or ""
    if name in ("@", "*") or name.isdigit():
        return m.end(), "", True  # "$@": mod_fcgid passes no arguments
    if op in (":-", ":="):
        value = value if value else word
    elif op in ("-", "="):
        value = value if value is not None else word
    elif op in (":+", "+"):
        value = word if value else ""
    if value is None:
        return m.end(), "", name not in env  # unset variable: empty, as sh does
    return m.end(), value, True


def _commands(text: str) -> list[tuple[int, str]]:
    """Logical commands with their 1-based line numbers (``\\`` joins, ``;``/``&&`` split)."""
    out: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r")
        if not pending:
            start = number
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        for part in _split_separators(_strip_comment(line)):
            if part.strip():
                out.append((start, part.strip()))
    return out


def _strip_comment(line: str) -> str:
    """Drop a ``#`` comment that starts a word outside quotes."""
    if "#" not in line:
        return line
    quote = ""
    for idx, ch in enumerate(line):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (idx == 0 or line[idx - 1].isspace()):
            return line[:idx]
    return line


def _split_separators(line: str) -> list[str]:
    """Split a command line at ``;``, ``&&`` and ``||`` outside quotes."""
    if not any(c in line for c in ";&|"):
        return [line]
    parts: list[str] = []
    quote = ""
    cur: list[str] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == ";" or line.startswith("&&", i) or line.startswith("||", i):
            parts.append("".join(cur))
            cur = []
            i += 2 if ch in "&|" else 1
            continue
        cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)


@dataclass(slots=True)
class WrapperScript:
    """A wrapper file: readable as a shell script, or opaque (binary, other language)."""

    path: Path
    display: str
    source: SourceFile | None
    kind: str  # "shell" | "binary" | "other"
    paths: PathMap
    placeholders: tuple[tuple[str, str], ...] = ()  # --set values for a templated starter

    def run(self, inherited: dict[str, Setting]) -> ScriptRun:
        """Simulate the script against the environment mod_fcgid gives it."""
        env = {k: Setting(v.name, v.value, v.location, True, v.conditional, v.note) for k, v in inherited.items()}
        state = _Run(
            env=env,
            shadowed=[],
            call=None,
            last=None,
            notes=[],
            depth=0,
            paths=self.paths,
            placeholders=self.placeholders,
        )
        if self.source is not None and self.kind == "shell":
            state.execute(self.source, self.path, seen=set())
        exported = {k: v for k, v in state.env.items() if v.exported}
        unexported = {k: v for k, v in state.env.items() if not v.exported}
        return ScriptRun(
            env=exported,
            unexported=unexported,
            shadowed=state.shadowed,
            call=state.call,
            last_command=state.last,
            notes=state.notes,
        )


@dataclass
class _Run:
    env: dict[str, Setting]
    shadowed: list[Setting]
    call: PhpCall | None
    last: tuple[list[str], Location] | None
    notes: list[str]
    depth: int
    paths: PathMap
    placeholders: tuple[tuple[str, str], ...] = ()
    marks: set[str] = field(default_factory=set)
    done: bool = False

    def execute(self, source: SourceFile, path: Path, seen: set[str]) -> None:
        seen.add(os.path.realpath(path))
        for lineno, command in _commands(source.text):
            if self.done:
                return
            self.command(command, Location(source.display, lineno), path, seen)

    def command(self, command: str, where: Location, path: Path, seen: set[str]) -> None:
        if self.placeholders:
            command = fill(command, self.placeholders)
        templated = is_placeholder(command)
        words = [Word(w.text, w.known and not templated) for w in _tokens(command, self.env)]
        if not words:
            return
        head = words[0].text
        if head in _CONTROL or head.endswith("()"):
            self.depth += head in _OPENERS
            self.depth -= head in _CLOSERS
            rest = words[1:]
            if rest and head in ("then", "else", "do", "{"):
                self.command(" ".join(_requote(w.text) for w in rest), where, path, seen)
            return
        prefix: list[tuple[str, str, bool]] = []
        while words and (m := _ASSIGN.match(words[0].text)):
            prefix.append((m.group(1), m.group(2), words[0].known))
            words = words[1:]
        if not words:
            for name, value, known in prefix:
                self.assign(name, value if known else None, where, export=False)
            return
        self.builtin(words, prefix, where, path, seen)

    def builtin(
        self, words: list[Word], prefix: list[tuple[str, str, bool]], where: Location, path: Path, seen: set[str]
    ) -> None:
        head, args = words[0].text, words[1:]
        if head in ("export", "declare", "typeset", "readonly", "local"):
            export = head == "export" or any(w.text.startswith("-") and "x" in w.text for w in args)
            for word in args:
                if word.text.startswith("-"):
                    continue
                if m := _ASSIGN.match(word.text):
                    self.assign(m.group(1), m.group(2) if word.known else None, where, export=export)
                elif export:
                    self.mark_exported(word.text)
        elif head == "unset":
            for word in args:
                self.marks.discard(word.text)  # unset also drops the export attribute
                if word.text in self.env:
                    self.shadowed.append(self.env.pop(word.text))
        elif head == "read":
            for name in _read_names(args):
                self.assign(name, None, where, export=False)
        elif head in (".", "source") and args:
            self.source_file(args[0].text, where, path, seen)
        elif head == "exec" and args:
            self.run_program([w.text for w in args], prefix, where, is_exec=True)
            self.done = True
        elif head not in _IGNORED:
            self.run_program([w.text for w in words], prefix, where, is_exec=False)

    def assign(self, name: str, value: str | None, where: Location, export: bool) -> None:
        old = self.env.get(name)
        exported = export or name in self.marks or (old is not None and old.exported)
        if old is not None:
            self.shadowed.append(old)
        self.env[name] = Setting(name, value, where, exported, conditional=self.depth > 0)

    def mark_exported(self, name: str) -> None:
        """``export NAME``: exports it now if set, and any later assignment too."""
        self.marks.add(name)
        setting = self.env.get(name)
        if setting is not None:
            setting.exported = True

    def source_file(self, target: str, where: Location, path: Path, seen: set[str]) -> None:
        host = Path(self.paths.to_host(target)) if target.startswith("/") else path.parent / target
        if os.path.realpath(host) in seen:
            return
        if len(seen) >= MAX_SOURCED:
            self.notes.append(f"{where}: sources {target}, more than {MAX_SOURCED} files deep; not followed")
            return
        try:
            sourced = read_source(host, self.paths.display(str(host)))
        except SourceError as exc:
            self.notes.append(f"{where}: sources {target}, which cannot be read ({exc}); variables it sets are unknown")
            return
        self.execute(sourced, host, seen)

    def run_program(self, argv: list[str], prefix: list[tuple[str, str, bool]], where: Location, is_exec: bool) -> None:
        argv, prefix = _unwrap(argv, prefix)
        self.last = (argv, where)
        if not argv or not looks_like_php_cgi(argv[0]):
            return
        for name, value, known in prefix:
            self.assign(name, value if known else None, where, export=True)
        self.call = parse_php_args(argv, where, is_exec)


# Programs that run the rest of their command line (``exec nice -n 15 php-cgi``), and how many
# words their options take; ``env`` also sets the variables named before the program.
_RUNNERS = {"nice": {"-n": 1}, "ionice": {"-c": 1, "-n": 1}, "nohup": {}, "setsid": {}, "env": {"-u": 1},
            "chrt": {}, "taskset": {}, "command": {}, "builtin": {}, "stdbuf": {"-i": 1, "-o": 1, "-e": 1}}


def _unwrap(argv: list[str], prefix: list[tuple[str, str, bool]]) -> tuple[list[str], list[tuple[str, str, bool]]]:
    """The program a runner command line really starts, with the variables ``env`` sets for it."""
    prefix = list(prefix)
    while argv and argv[0].rsplit("/", 1)[-1] in _RUNNERS:
        takes = _RUNNERS[argv[0].rsplit("/", 1)[-1]]
        rest = argv[1:]
        while rest and (rest[0].startswith("-") or _ASSIGN.match(rest[0])):
            if m := _ASSIGN.match(rest[0]):
                prefix.append((m.group(1), m.group(2), True))
            rest = rest[1 + takes.get(rest[0], 0):]
        if argv[0].rsplit("/", 1)[-1] in ("chrt", "taskset") and rest:
            rest = rest[1:]  # the priority or CPU mask before the program
        argv = rest
    return argv, prefix


def _requote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'" if re.search(r"\s|[$`\"']", text) else text


def parse_php_args(argv: list[str], where: Location, is_exec: bool) -> PhpCall:
    """Read php-cgi's own options: ``-c`` (php.ini), ``-n`` (no php.ini), ``-d key=value``."""
    call = PhpCall(argv=argv, location=where, is_exec=is_exec)
    i = 1
    while i < len(argv):
        arg = argv[i]
        value: str | None = None
        if arg in ("-c", "--php-ini", "-d", "--define") and i + 1 < len(argv):
            value = argv[i + 1]
            i += 1
        elif arg.startswith("-c") and len(arg) > 2:
            arg, value = "-c", arg[2:]
        elif arg.startswith("-d") and len(arg) > 2:
            arg, value = "-d", arg[2:]
        if arg in ("-c", "--php-ini") and value is not None:
            call.ini_path = value
        elif arg in ("-d", "--define") and value is not None:
            key, _, val = value.partition("=")
            call.defines[key.strip()] = (val.strip().strip("\"'"), where)
        elif arg == "-n":
            call.no_ini = True
        i += 1
    return call


def read_wrapper(host: Path, paths: PathMap, placeholders: tuple[tuple[str, str], ...] = ()) -> WrapperScript:
    """Classify and read a wrapper target; raises SourceError if it cannot be read at all."""
    display = paths.display(str(host))
    if not host.is_file():
        raise SourceError(f"{display}: not a regular file")
    with host.open("rb") as handle:
        data = handle.read(4096)
    if b"\0" in data or data.startswith(b"\x7fELF") or data.startswith(b"MZ"):
        return WrapperScript(host, display, None, "binary", paths)
    source = read_source(host, display)
    first = source.text.split("\n", 1)[0]
    if first.startswith("#!") and not re.search(r"\b(sh|bash|dash|ksh|zsh|busybox)\b", first):
        return WrapperScript(host, display, source, "other", paths)
    return WrapperScript(host, display, source, "shell", paths, placeholders)
