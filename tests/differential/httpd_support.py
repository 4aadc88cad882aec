"""Run the real httpd on an input and compare what it built with what fcgilint loaded.

``apache2 -t -D DUMP_CONFIG`` (mod_info) prints the configuration httpd kept after
evaluating ``<IfModule>``/``<IfDefine>``/``<IfVersion>``, following includes and
substituting ``${VAR}``: a ``# In file: PATH`` line when the file changes, a
``# N:`` line before each directive (N is the *last* physical line of the
logical line), then the directive name as registered by its module and its
arguments as raw text (quotes and escapes still in). Sections are printed as
indented ``<Name args>`` / ``</Name>`` lines; conditional sections are not printed.

The input is never started as a server: only ``-t``. Everything it writes goes to
a temporary directory; ``Listen`` names 127.0.0.1 and a port that was free.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fcgilint import knowledge
from fcgilint.checks.directives import load_problems, rejected_or_misread
from fcgilint.load.apache_tree import DEFAULT_MODULES, ConfigTree, LoadOptions, load_tree, module_key
from fcgilint.model import build_model
from fcgilint.pipeline import sniff

MODULES_DIR = Path("/usr/lib/apache2/modules")
# Compiled into Debian's apache2 (``apache2 -l``): present without LoadModule.
STATIC_MODULES = frozenset({"core", "so", "watchdog", "http_core", "log_config", "logio", "version", "unixd"})
REQUIRED_MODULES = ("mpm_event", "authz_core", "mime", "info", "fcgid")
# More modules so that real-world files load; each one is loaded only if installed.
CORPUS_MODULES = (
    "authn_core", "authz_host", "authz_user", "authn_file", "auth_basic", "access_compat", "alias", "dir", "env",
    "setenvif", "rewrite", "headers", "actions", "cgid", "suexec", "userdir", "expires", "filter", "deflate",
    "include", "negotiation", "status", "autoindex",
)
TIMEOUT = 30
CORPUS = Path(os.environ.get("FCGILINT_SHARED", Path(__file__).resolve().parents[2].parent / "shared")) / "corpus"
WRAPPER = '#!/bin/sh\nexec /usr/bin/php-cgi "$@"\n'


# Corpus files that are documents, scripts or settings rather than Apache configuration.
NOT_APACHE = {".md", ".rst", ".txt", ".dist", ".c", ".ini", ".pp", ".sh"}


def corpus_configs() -> list[Path]:
    """The corpus files written in Apache's syntax (templates included), or [] without a corpus."""
    if not CORPUS.is_dir():
        return []
    return [
        p for p in sorted(CORPUS.iterdir())
        if p.name != "INDEX.md" and p.suffix not in NOT_APACHE and "Dockerfile" not in p.name and sniff(p) == "apache"
    ]


def stub_wrapper(path: Path) -> None:
    """An executable wrapper: mod_fcgid stats FcgidWrapper targets while reading the config."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(WRAPPER, encoding="utf-8")
    path.chmod(0o755)


def missing_requirements() -> str | None:
    """Why the httpd comparison cannot run here, or None when it can."""
    if shutil.which("apache2") is None:
        return "apache2 is not installed (Debian package apache2; see scripts/install-system-deps.sh)"
    absent = [m for m in REQUIRED_MODULES if not (MODULES_DIR / f"mod_{m}.so").is_file()]
    if absent:
        return (
            "apache2 modules missing: "
            + ", ".join(f"mod_{m}" for m in absent)
            + " (mod_info gives DUMP_CONFIG, mod_fcgid is under test)"
        )
    return None


def free_port() -> int:
    """A loopback port nothing listens on now (httpd -t never binds it anyway)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Entry:
    """One mod_fcgid directive as a parser saw it: where, which, with what arguments."""

    file: str
    line: int
    name: str
    args: tuple[str, ...]


@dataclass
class HttpdVerdict:
    """What ``apache2 -t`` said and, when it accepted the input, what DUMP_CONFIG listed."""

    ok: bool
    messages: str
    dump: list[Entry]


class Server:
    """A private ServerRoot in a temporary directory with a minimal main config.

    The main config loads the MPM, mod_info (for DUMP_CONFIG), mod_fcgid and what
    the input needs, points mod_fcgid's runtime files into the directory, and
    Includes the input, so the input's own line numbers stay as written.
    """

    def __init__(self, work: Path, modules: Iterable[str] = ()) -> None:
        self.work = work
        self.run_dir = work / "run"
        self.run_dir.mkdir(parents=True, exist_ok=True)
        wanted = [*REQUIRED_MODULES, *modules]
        self.modules = tuple(m for m in dict.fromkeys(wanted) if (MODULES_DIR / f"mod_{m}.so").is_file())
        self.main = work / "httpd.conf"

    def write_main(self, include: Path) -> Path:
        """The main config that Includes ``include`` (a file or a directory)."""
        lines = [
            f'ServerRoot "{self.work}"',
            "ServerName localhost",
            f'PidFile "{self.run_dir}/httpd.pid"',
            f'ErrorLog "{self.run_dir}/error.log"',
            f'DefaultRuntimeDir "{self.run_dir}"',
            f"Listen 127.0.0.1:{free_port()}",
            *(f"LoadModule {m}_module {MODULES_DIR}/mod_{m}.so" for m in self.modules),
            f'FcgidIPCDir "{self.run_dir}/fcgidsock"',
            f'FcgidProcessTableFile "{self.run_dir}/fcgid_shm"',
            f'Include "{include}"',
        ]
        self.main.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return self.main

    def loaded(self) -> frozenset[str]:
        """Module keys httpd has: the compiled-in ones and those the main config loads."""
        return STATIC_MODULES | frozenset(self.modules)

    def load_options(
        self, defines: Iterable[str] = (), extra_modules: Iterable[str] = (), root: Path | None = None
    ) -> LoadOptions:
        """fcgilint's options for the same server.

        fcgilint deliberately assumes a set of common modules (mod_fcgid above all)
        when no LoadModule says otherwise; here httpd's module set is known in full,
        so the assumed modules httpd lacks are switched off and every other is absent.
        """
        have = self.loaded() | {module_key(m) for m in extra_modules}
        return LoadOptions(root=root, modules=have, without_modules=DEFAULT_MODULES - have,
                           defines=tuple((d, "") for d in defines), modules_exact=True)

    def check(self, defines: Iterable[str] = (), env: dict[str, str] | None = None, dump: bool = True) -> HttpdVerdict:
        """``apache2 -t`` (with ``-D DUMP_CONFIG`` when ``dump``) on the main config."""
        argv = ["apache2", "-t", "-f", str(self.main)]
        for name in defines:
            argv += ["-D", name]
        if dump:
            argv += ["-D", "DUMP_CONFIG"]
        environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C", **(env or {})}
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=TIMEOUT, check=False, env=environ, cwd=self.work
        )
        ok = done.returncode == 0 and "Syntax OK" in done.stderr + done.stdout
        return HttpdVerdict(ok=ok, messages=done.stderr.strip(), dump=parse_dump(done.stdout) if ok and dump else [])


_IN_FILE = re.compile(r"^\s*# In file: (.*)$")
_LINE = re.compile(r"^\s*#\s*(\d+):$")


def parse_dump(text: str) -> list[Entry]:
    """The mod_fcgid directives of a DUMP_CONFIG listing, in order, with file and line."""
    entries: list[Entry] = []
    file, line = "", 0
    for raw in text.splitlines():
        if match := _IN_FILE.match(raw):
            file = match.group(1)
            continue
        if match := _LINE.match(raw):
            line = int(match.group(1))
            continue
        stripped = raw.strip()
        if not stripped or stripped.startswith("<"):
            continue
        name, _, rest = stripped.partition(" ")
        if knowledge.lookup(name) is not None:
            entries.append(Entry(os.path.realpath(file), line, name.lower(), tuple(getword_conf_all(rest))))
    return entries


def getword_conf_all(line: str) -> list[str]:
    """All words of ``line`` as httpd's ``ap_getword_conf`` (server/util.c) cuts them.

    A port of the C code, kept separate from fcgilint's splitter on purpose: it
    reads DUMP_CONFIG's raw argument text, and it is the reference fcgilint's
    words are compared with.
    """
    words: list[str] = []
    pos, n = 0, len(line)
    while True:
        while pos < n and line[pos].isspace():
            pos += 1
        if pos >= n:
            return words
        quote = line[pos] if line[pos] in "\"'" else ""
        if quote:
            end = pos + 1
            while end < n and line[end] != quote:
                end += 2 if line[end] == "\\" and end + 1 < n and line[end + 1] in (quote, "\\") else 1
            words.append(_substring_conf(line[pos + 1 : end], quote))
            pos = end + 1 if end < n else end
        else:
            end = pos
            while end < n and not line[end].isspace():
                end += 1
            words.append(_substring_conf(line[pos:end], ""))
            pos = end


def _substring_conf(text: str, quote: str) -> str:
    """httpd's ``substring_conf``: ``\\\\`` (and ``\\<quote>`` inside quotes) lose the backslash."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and (text[i + 1] == "\\" or (quote and text[i + 1] == quote)):
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out)


def fcgilint_load(main: Path, options: LoadOptions) -> ConfigTree:
    """fcgilint's view of the same server: the main config and everything it includes."""
    return load_tree(main, options)


def fcgilint_entries(tree: ConfigTree, exclude: Path | None = None) -> list[Entry]:
    """The mod_fcgid directives fcgilint lists as active, located like DUMP_CONFIG.

    httpd numbers a continued directive by its last physical line; fcgilint
    records both and reports the first, so the last is compared here.
    """
    skip = os.path.realpath(exclude) if exclude else None
    entries = []
    for placed in tree.directives:
        if knowledge.lookup(placed.name) is None:
            continue
        file = os.path.realpath(placed.file.source.display)
        if file == skip:
            continue
        entries.append(Entry(file, placed.line.last_lineno, placed.key, tuple(placed.args)))
    return entries


def fcgilint_refusals(tree: ConfigTree) -> list[str]:
    """What fcgilint marks as refused by httpd: the ``refused`` hits of FCG000 and FCG007.

    These are the findings ``--select``/``--ignore`` cannot hide, so the real
    httpd is the judge of the flag.
    """
    model = build_model(tree)
    return [
        f"{hit.location}: {hit.message}" for hit in [*load_problems(model), *rejected_or_misread(model)] if hit.refused
    ]
