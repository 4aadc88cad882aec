"""Load an httpd configuration tree the way httpd reads it at start-up.

Starting at the entry file, this follows ``Include``/``IncludeOptional`` (globs
in httpd's sorted order, relative to ``ServerRoot``), applies ``Define`` and
``${VAR}`` (also from Debian's ``envvars``), evaluates ``<IfModule>``,
``<IfDefine>``, ``<IfVersion>`` and ``<IfFile>`` against a stated module set, and
records every active directive with the virtual host and per-directory sections
it sits in. Nothing here judges values; it only says what httpd would see and
where each line came from. Problems (a missing include, a loop, a syntax error)
become :class:`Problem` records, never exceptions, so one bad file does not hide
the rest of the tree.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fcgilint import progress, regexes
from fcgilint.httpd_directives import DIRECTIVES, OVERRIDES
from fcgilint.numbers import saturated
from fcgilint.knowledge import CONDITIONAL_SECTIONS, PER_DIR_SECTIONS
from fcgilint.load.apache_syntax import TOO_DEEP, Line, Node, ParsedFile, Section, parse
from fcgilint.load.paths import PathMap
from fcgilint.source import Location, SourceError, SourceFile, read_source
from fcgilint.templates import fill_words

# Modules assumed loaded when the tree does not say (a checked-out fragment has no
# LoadModule lines). mod_fcgid is assumed loaded: that is what the user asks about.
DEFAULT_MODULES = frozenset(
    {"core", "so", "http_core", "mime", "fcgid", "alias", "dir", "env", "setenvif", "log_config",
     "unixd", "authz_core", "authz_host", "auth_basic", "access_compat", "version", "headers",
     "rewrite", "ssl", "suexec", "userdir", "cgi", "actions", "mpm_event"}
)
# Named module sets (``-M debian``, ``modules: [debian]``): what a distribution's packages enable on
# a fresh install. A profile states the set in full, so a module outside it is known to be absent.
# debian: Debian 12 apache2 2.4 /etc/apache2/mods-enabled and `apache2 -l`, plus the fcgid that
# libapache2-mod-fcgid enables when installed.
MODULE_PROFILES = {
    "debian": frozenset({
        "core", "so", "watchdog", "http_core", "log_config", "logio", "version", "unixd", "access_compat", "alias",
        "auth_basic", "authn_core", "authn_file", "authz_core", "authz_host", "authz_user", "autoindex", "deflate",
        "dir", "env", "filter", "mime", "mpm_event", "negotiation", "reqtimeout", "setenvif", "status", "fcgid",
    }),
}
HTTPD_VERSION = (2, 4, 62)
MAX_INCLUDE_DEPTH = 128  # AP_MAX_INCLUDE_DEPTH in httpd


@dataclass(frozen=True)
class LoadOptions:
    """What the user states about the server: where its files are, modules, defines."""

    root: Path | None = None
    modules: frozenset[str] = frozenset()
    without_modules: frozenset[str] = frozenset()
    defines: tuple[tuple[str, str], ...] = ()
    placeholders: tuple[tuple[str, str], ...] = ()  # template values from --set, see fcgilint.templates
    suexec_docroot: str | None = None  # suexec's compiled-in AP_DOC_ROOT (suexec -V); None: by the layout
    rate: float | None = None  # requests/s each FastCGI class must sustain, see fcgilint.capacity
    # Peaks measured in access logs, (vhost from %v or None, log file, requests/s, when): see fcgilint.capacity
    measured: tuple[tuple[str | None, str, float, str], ...] = ()
    modules_exact: bool = False  # the module set is stated in full (as a profile does): others are absent


@dataclass(slots=True)
class VHost:
    """A ``<VirtualHost>`` section: the unit mod_fcgid merges server values into."""

    section: Section
    file: ParsedFile
    index: int
    server_name: str | None = None

    @property
    def location(self) -> Location:
        return Location(self.file.source.display, self.section.open.lineno)

    @property
    def name(self) -> str:
        """How findings name the vhost: its ServerName, else its address and place."""
        if self.server_name:
            return self.server_name
        addr = " ".join(a.value for a in self.section.open.args)
        return f"<VirtualHost {addr}> at {self.location}"

    @property
    def label(self) -> str:
        addr = " ".join(a.value for a in self.section.open.args)
        name = f" {self.server_name}" if self.server_name else ""
        return f"<VirtualHost {addr}>{name} ({self.location})"


@dataclass(slots=True)
class Placed:
    """An active directive with its substituted arguments and its scope."""

    line: Line
    file: ParsedFile
    args: list[str]
    vhost: VHost | None
    containers: tuple[tuple[Section, ParsedFile], ...]
    htaccess: bool = False  # read from a per-directory file (.htaccess): no fix writes there

    @property
    def key(self) -> str:
        return self.line.key

    @property
    def name(self) -> str:
        return self.line.name

    @property
    def location(self) -> Location:
        return Location(self.file.source.display, self.line.lineno)

    @property
    def in_directory(self) -> bool:
        """True inside <Directory>, <Location>, <Files> and their kin."""
        return bool(self.containers)


Containers = tuple[tuple[Section, ParsedFile], ...]
Context = tuple[VHost | None, Containers]  # where a directive takes effect: its vhost and sections


MAX_INCLUDE_DIR_DEPTH = 128  # AP_MAX_FNMATCH_DIR_DEPTH of server/util.c


@dataclass
class Problem:
    """Something httpd would refuse or that stops fcgilint from seeing part of the tree."""

    location: Location
    message: str
    kind: str  # "syntax" | "include" | "read"


@dataclass
class ConfigTree:
    """Everything loaded from one entry file."""

    entry: Location
    paths: PathMap
    server_root: str
    files: dict[str, ParsedFile] = field(default_factory=dict)
    directives: list[Placed] = field(default_factory=list)
    vhosts: list[VHost] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    defines: dict[str, str] = field(default_factory=dict)
    modules: set[str] = field(default_factory=set)
    placeholders: tuple[tuple[str, str], ...] = ()  # --set values, also for the wrappers the tree names
    links: dict[str, str] = field(default_factory=dict)  # a file's shown name -> the symlink it was reached by
    suexec_docroot: str | None = None  # where suexec runs programs (LoadOptions.suexec_docroot)
    notes: list[str] = field(default_factory=list)  # what the loading assumed (modules), said to the user
    refused: list[Refused] = field(default_factory=list)  # .htaccess lines httpd does not allow there

    # What later stages compute once per tree (the main server's value of a directive), by a key of theirs.
    derived: dict[object, object] = field(default_factory=dict, repr=False, compare=False)
    _index: dict[tuple[str, int | None], list[Placed]] | None = field(default=None, repr=False)
    _order: dict[int, int] = field(default_factory=dict, repr=False)

    def _lookup(self, key: str, scope: int | None) -> list[Placed]:
        """Directives by (name, scope), built once: rules ask per vhost, and a scan per
        question would make a 5,000-vhost tree quadratic."""
        if self._index is None:
            self._index = {}
            self._order = {id(p): i for i, p in enumerate(self.directives)}
            for placed in self.directives:
                self._index.setdefault((placed.key, None), []).append(placed)
                self._index.setdefault((placed.key, id(placed.vhost)), []).append(placed)
        return self._index.get((key, scope), [])

    def named(self, *names: str) -> list[Placed]:
        """Active directives with one of the given (case-insensitive) names, in config order."""
        return self._merged([self._lookup(n.lower(), None) for n in names])

    def scoped(self, names: tuple[str, ...], vhost: VHost | None) -> list[Placed]:
        """Like :meth:`named`, restricted to directives of one vhost (None: the main server)."""
        return self._merged([self._lookup(n.lower(), id(vhost)) for n in names])

    def visible(self, names: tuple[str, ...], vhost: VHost | None) -> list[Placed]:
        """Directives of the main server and of one vhost (what that vhost sees), in config order;
        a filter over :meth:`named` for each vhost would make a many-vhost tree quadratic."""
        scopes = [None] if vhost is None else [None, vhost]
        return self._merged([self._lookup(n.lower(), id(scope)) for scope in scopes for n in names])

    def _merged(self, lists: list[list[Placed]]) -> list[Placed]:
        found = [lst for lst in lists if lst]
        if len(found) == 1:
            return list(found[0])  # most questions find one name in one scope: nothing to interleave
        merged = [p for lst in found for p in lst]
        merged.sort(key=lambda p: self._order[id(p)])
        return merged


def module_key(name: str) -> str:
    """Normalise ``mod_fcgid.c`` / ``fcgid_module`` / ``mod_fcgid`` to ``fcgid``."""
    key = name.strip().lower()
    key = key.removesuffix(".c").removesuffix("_module")
    return key.removeprefix("mod_")


# Modules whose source file is not named after the module (``<IfModule event.c>``).
_SOURCE_FILE_MODULES = {"event": "mpm_event", "prefork": "mpm_prefork", "worker": "mpm_worker"}


def ifmodule_key(name: str) -> str | None:
    """The module ``<IfModule name>`` tests, or None when httpd can match none.

    httpd compares exactly (case-sensitively) with a module's source file name
    (``mod_fcgid.c``) or its symbol (``fcgid_module``); ``mod_fcgid``,
    ``fcgid`` or ``MOD_FCGID.C`` match nothing, so the section is skipped.
    """
    if name.endswith(".c"):
        stem = name.removesuffix(".c")
        return _SOURCE_FILE_MODULES.get(stem, stem.removeprefix("mod_"))
    if name.endswith("_module"):
        return name.removesuffix("_module")
    return None


def default_server_root(entry: str) -> str:
    """httpd's compiled-in ServerRoot guessed from the layout of the entry file."""
    path = Path(entry)
    if path.parent.name == "conf" and path.name == "httpd.conf":
        return str(path.parent.parent)  # RHEL: /etc/httpd/conf/httpd.conf
    return str(path.parent)  # Debian: /etc/apache2/apache2.conf


class _Loader:
    """Walks files depth-first, carrying httpd's start-up state."""

    def __init__(self, tree: ConfigTree, options: LoadOptions) -> None:
        self.tree = tree
        self.options = options
        self.stack: list[str] = []
        self.reported: set[str] = set()
        self.forgiven: set[tuple[str, int]] = set()
        self.envvars: dict[str, str] = {}
        self.in_htaccess = False
        # sections of the .htaccess being read (their open line, last line): httpd checks them like directives
        self.htaccess_sections: list[tuple[Placed, int | None]] = []
        stated = {module_key(m) for m in options.modules}
        profiles = stated & MODULE_PROFILES.keys()
        base = frozenset().union(*(MODULE_PROFILES[p] for p in profiles)) if profiles else DEFAULT_MODULES
        self.exact = options.modules_exact or bool(profiles)
        self.known = (stated - profiles) | {module_key(m) for m in options.without_modules}
        tree.modules.update((base | (stated - profiles)) - {module_key(m) for m in options.without_modules})
        tree.defines.update(dict(options.defines))
        self.assumed: dict[str, Location] = {}  # assumed modules an <IfModule> depended on, and where first

    # -- files ---------------------------------------------------------------
    def load_file(self, config_path: str, origin: Location | None, context: Context = (None, ())) -> None:
        """Walk one file. An included file's directives take effect in the section the
        ``Include`` stands in (httpd reads it in place), hence ``context``."""
        progress.advance()
        host = self.tree.paths.to_host(config_path)
        real = os.path.realpath(host)
        if real in self.stack:
            chain = " -> ".join(self.tree.paths.display(p) for p in [*self.stack, real])
            self._problem(origin, f"Include loop: {chain}", "include")
            return
        if len(self.stack) >= MAX_INCLUDE_DEPTH:
            self._problem(origin, f"Exceeded the maximum include depth of {MAX_INCLUDE_DEPTH}", "include")
            return
        display = self._display(host, real)
        parsed = self.tree.files.get(display)
        if parsed is None:
            try:
                parsed = parse(read_source(Path(host), display))
            except SourceError as exc:
                self._problem(origin, str(exc), "read")
                return
            self.tree.files[display] = parsed
        first = display not in self.reported
        self.reported.add(display)
        if first:
            self._syntax_problems(parsed, lambda message: not message.endswith(" was not closed."))
        self.stack.append(real)
        self.walk(parsed.tree, parsed, *context)
        self.stack.pop()
        if first:
            self._syntax_problems(parsed, lambda message: message.endswith(" was not closed."))

    def _display(self, host: str, real: str) -> str:
        """A file reached through a symlink (sites-enabled -> sites-available) is named by the file
        itself, the one an edit changes, when that lies in the checked tree; the link is recorded."""
        if real == os.path.abspath(host) or not self.tree.paths.inside(real):
            return self.tree.paths.display(host)
        display = self.tree.paths.display(real)
        self.tree.links.setdefault(display, self.tree.paths.display(host))
        return display

    def _syntax_problems(self, parsed: ParsedFile, wanted: Callable[[str], bool]) -> None:
        """Record a file's syntax errors; unclosed sections only once the walk has shown
        which of them httpd forgives (see :meth:`_forgive_unclosed`)."""
        display = parsed.source.display
        for lineno, message in parsed.errors:
            if wanted(message) and (display, lineno) not in self.forgiven:
                kind = "read" if message.startswith(TOO_DEEP) else "syntax"
                self.tree.problems.append(Problem(Location(display, lineno), message, kind))

    def _forgive_unclosed(self, node: Section, file: ParsedFile) -> None:
        """httpd reads the body of a true ``<IfModule>``/``<IfDefine>``/... with
        ``ap_build_cont_config``, which stops quietly at the end of the file: a true
        conditional left open, and any section left open inside it, is no error
        (a false one is: ``ap_soak_end_container`` wants its end tag)."""
        pending: list[Section] = [node]
        while pending:
            section = pending.pop()
            if section.close is None:
                self.forgiven.add((file.source.display, section.open.lineno))
            pending.extend(child for child in section.children if isinstance(child, Section))

    def _problem(self, origin: Location | None, message: str, kind: str) -> None:
        where = origin or self.tree.entry
        self.tree.problems.append(Problem(where, message, kind))

    # -- nodes ---------------------------------------------------------------
    def walk(
        self,
        nodes: list[Node],
        file: ParsedFile,
        vhost: VHost | None,
        containers: tuple[tuple[Section, ParsedFile], ...],
    ) -> None:
        for node in nodes:
            if isinstance(node, Section):
                self.section(node, file, vhost, containers)
            else:
                self.directive(node, file, vhost, containers)

    def section(
        self, node: Section, file: ParsedFile, vhost: VHost | None, containers: tuple[tuple[Section, ParsedFile], ...]
    ) -> None:
        key = node.key
        args = self.arguments(node.open)
        if self.in_htaccess:
            opened = Placed(line=node.open, file=file, args=args, vhost=vhost, containers=containers, htaccess=True)
            self.htaccess_sections.append((opened, node.close.lineno if node.close is not None else None))
        if key in CONDITIONAL_SECTIONS:
            guessed = self._guessed_module(key, args, Location(file.source.display, node.open.lineno))
            if self.condition(key, args):
                if node.close is None:
                    self._forgive_unclosed(node, file)
                self.walk(node.children, file, vhost, containers)
            elif node.close is None and guessed is not None:
                self._forgive_unclosed(node, file)  # httpd refuses this only without the module
                note = (f"{Location(file.source.display, node.open.lineno)}: <{node.open.name} {args[0]}> is not "
                        f"closed: httpd accepts that only if {guessed} is loaded, which is not known here; say "
                        f"-M {guessed} or --without-module {guessed}")
                if note not in self.tree.notes:  # a file included twice is walked twice
                    self.tree.notes.append(note)
        elif key == "virtualhost":
            host = VHost(section=node, file=file, index=len(self.tree.vhosts))
            self.tree.vhosts.append(host)
            self.walk(node.children, file, host, containers)
        elif key in PER_DIR_SECTIONS:
            self.walk(node.children, file, vhost, (*containers, (node, file)))
        else:
            self.walk(node.children, file, vhost, containers)

    def directive(
        self, line: Line, file: ParsedFile, vhost: VHost | None, containers: tuple[tuple[Section, ParsedFile], ...]
    ) -> None:
        args = self.arguments(line)
        placed = Placed(line=line, file=file, args=args, vhost=vhost, containers=containers, htaccess=self.in_htaccess)
        self.tree.directives.append(placed)
        key = line.key
        location = placed.location
        if key == "define" and args:
            self.tree.defines[args[0]] = args[1] if len(args) > 1 else ""
        elif key == "undefine" and args:
            self.tree.defines.pop(args[0], None)
        elif key == "serverroot" and args and not vhost:
            self.tree.server_root = args[0]
            self._read_envvars()
        elif key == "servername" and args and vhost:
            vhost.server_name = args[0]
        elif key == "loadmodule" and args:
            self.tree.modules.add(module_key(args[0]))
            self.known.add(module_key(args[0]))
        elif key in ("include", "includeoptional") and args:
            self.include(args[0], key == "includeoptional", location, (vhost, containers))

    # -- semantics -----------------------------------------------------------
    def include(self, pattern: str, optional: bool, origin: Location, context: Context) -> None:
        absolute = (
            pattern
            if pattern.startswith("/") or re.match(r"^[A-Za-z]:[/\\]", pattern)
            else f"{self.tree.server_root.rstrip('/')}/{pattern}"
        )
        host = self.tree.paths.to_host(absolute)
        if glob.has_magic(host):
            matches = sorted(m for m in glob.glob(host) if os.path.isfile(m) or os.path.isdir(m))
            progress.expect(len(matches))
            if not matches and not optional:
                self._problem(origin, f"No matches for the wildcard pattern {pattern}", "include")
            for match in matches:
                self._include_path(match, origin, context)
        elif os.path.exists(host):
            progress.expect(1)
            self._include_path(host, origin, context)
        elif not optional:
            self._problem(origin, f"Could not open configuration file {pattern}: No such file or directory", "include")

    def _include_path(self, host: str, origin: Location, context: Context, within: tuple[str, ...] = ()) -> None:
        """A file, or a directory read like ``ap_dir_nofnmatch``: every entry, sorted, recursively.

        A directory reached again inside itself (a symlink loop) is reported once and not
        re-read: httpd fails there after 40 levels of links, and re-reading every file at
        each level would multiply the work by the depth.
        """
        if os.path.isdir(host):
            real = os.path.realpath(host)
            if real in within or len(within) >= MAX_INCLUDE_DIR_DEPTH:
                self._problem(origin, f"{host}: the directory includes itself (a symlink loop); httpd stops with "
                              "'Too many levels of symbolic links'", "include")
                return
            entries = sorted(os.listdir(host))
            progress.expect(len(entries) - 1)  # the directory itself was expected as one
            for entry in entries:
                self._include_path(os.path.join(host, entry), origin, context, (*within, real))
            return
        self.load_file(self.tree.paths.to_config(host), origin, context)

    def _guessed_module(self, key: str, args: list[str], where: Location) -> str | None:
        """The module an ``<IfModule>`` tests when neither the tree nor the user says whether it is
        loaded (it is assumed or unknown); assumed ones are remembered for the note that lists them."""
        module = ifmodule_key(args[0].lstrip("!")) if key == "ifmodule" and args else None
        if module is None or module in self.known or self.exact:
            return None
        if module in self.tree.modules and module != "fcgid":  # mod_fcgid's presence is what is asked about
            self.assumed.setdefault(module, where)
        return module

    def assumption_note(self) -> None:
        """Say which modules were assumed loaded because an <IfModule> needed them."""
        if self.assumed:
            names = ", ".join(f"{m} ({where})" for m, where in sorted(self.assumed.items()))
            self.tree.notes.append(
                f"assumed loaded, as no LoadModule says so: {names}; state the server's modules with "
                "-M debian (its default set), -M NAME or --without-module NAME")

    def condition(self, key: str, args: list[str]) -> bool:
        if not args:
            return False
        arg = args[0]
        negate = arg.startswith("!")
        name = arg[1:] if negate else arg
        if key == "ifmodule":
            result = ifmodule_key(name) in self.tree.modules
        elif key == "ifdefine":
            result = name in self.tree.defines
        elif key == "ifversion":
            result = version_matches(args)
            negate = False
        elif key == "iffile":
            result = os.path.exists(
                self.tree.paths.to_host(name if name.startswith("/") else f"{self.tree.server_root}/{name}")
            )
        else:  # IfDirective / IfSection: assume the directive exists
            result = True
        return result != negate

    def arguments(self, line: Line) -> list[str]:
        """A line's arguments: template placeholders the user gave values for filled
        (fcgilint.templates), then ``${VAR}`` substituted."""
        return [self.substitute(a) for a in fill_words([a.value for a in line.args], self.options.placeholders)]

    def substitute(self, value: str) -> str:
        """Replace ``${VAR}`` from Define, then envvars; unknown names stay literal as in httpd."""
        if "${" not in value:
            return value

        def repl(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in self.tree.defines:
                return self.tree.defines[name]
            return self.envvars.get(name, match.group(0))

        return re.sub(r"\$\{([A-Za-z0-9_.:-]+)\}", repl, value)

    def _read_envvars(self) -> None:
        """Debian's apache2ctl sources ``$ServerRoot/envvars``; httpd then sees those variables."""
        host = Path(self.tree.paths.to_host(f"{self.tree.server_root}/envvars"))
        if not host.is_file():
            return
        try:
            text = read_source(host).text
        except SourceError:
            return
        for match in re.finditer(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(['\"]?)([^'\"\n]*)\2\s*$", text, re.M):
            self.envvars[match.group(1)] = re.sub(
                r"\$\{?(\w+)\}?", lambda m: self.envvars.get(m.group(1), ""), match.group(3)
            )


def version_matches(args: list[str]) -> bool:
    """Evaluate ``<IfVersion [op] version>`` against the httpd version we model."""
    if len(args) == 1:
        op, want = "=", args[0]
    else:
        op, want = args[0].lstrip("!"), args[1]
        if args[0].startswith("!"):
            return not version_matches([op, want])
    if op in ("~",) or want.startswith("/"):
        pattern = want.strip("/")
        return regexes.search(pattern, ".".join(map(str, HTTPD_VERSION))) is True  # httpd refuses an invalid one
    given = [saturated(p) for p in re.findall(r"\d+", want)[:3]]
    parts = tuple(given + [0] * (3 - len(given)))  # mod_version: omitted minor/patch are 0, so "2.4" is 2.4.0
    have = HTTPD_VERSION
    return {
        "=": have == parts,
        "==": have == parts,
        ">": have > parts,
        ">=": have >= parts,
        "<": have < parts,
        "<=": have <= parts,
    }.get(op, False)


def load_tree(entry: Path, options: LoadOptions, source: SourceFile | None = None) -> ConfigTree:
    """Load the tree rooted at ``entry`` (a host path), read from disk or given as ``source`` (the
    Apache part of a document). Raises SourceError if entry is unreadable."""
    paths = PathMap(options.root)
    config_entry = paths.to_config(str(entry))
    display = paths.display(str(entry))
    parsed = parse(source or read_source(entry, display))  # an unreadable entry is a usage error, not a finding
    tree = ConfigTree(entry=Location(display, 1), paths=paths, server_root=default_server_root(config_entry),
                      placeholders=options.placeholders, suexec_docroot=options.suexec_docroot)
    tree.files[display] = parsed
    loader = _Loader(tree, options)
    progress.begin("config files", "files", 1)
    loader._read_envvars()
    loader.load_file(config_entry, None)
    read_htaccess(loader)
    loader.assumption_note()
    return tree


# -- per-directory files -----------------------------------------------------------------------
# httpd reads AccessFileName (.htaccess) in every directory of a request's path where AllowOverride
# allows something (2.4's default: None). fcgilint reads those of each vhost's DocumentRoot and of each
# plain <Directory> path the configuration names, not deeper: deeper files belong to the site's content,
# which a configuration check does not walk. Their directives take effect inside the <Directory> that
# allows them, after its own lines, as httpd merges them.


def _directory_path(section: Section) -> str | None:
    args = [a.value for a in section.open.args]
    if section.key != "directory" or len(args) != 1 or args[0] == "~" or "${" in args[0] or "*" in args[0]:
        return None
    return args[0].rstrip("/") or "/"


Override = tuple[str, Placed]  # an AllowOverride(List) line and the <Directory> path it is in
_CLASS_NAMES = {"authconfig": "AuthConfig", "fileinfo": "FileInfo", "indexes": "Indexes", "limit": "Limit",
                "options": "Options"}
_ALL_CLASSES = frozenset(_CLASS_NAMES)


@dataclass(frozen=True)
class Refused:
    """A .htaccess line httpd does not allow there, and what it does about it."""

    placed: Placed
    reason: str  # e.g. "AllowOverride None (file:line) does not include FileInfo, and ..."
    fatal: bool  # True: every request under the directory is a 500; False: Nonfatal=Override ignores it
    section: bool = False  # an <IfModule>, <Files>, ... line (httpd names it with its '<')

    @property
    def shown(self) -> str:
        return f"<{self.placed.name}" if self.section else self.placed.name


@dataclass(frozen=True)
class Overrides:
    """What a .htaccess in one directory may hold: AllowOverride's classes and AllowOverrideList's names.

    httpd 2.4 keeps the two apart (each inherited from the nearest <Directory> that sets it) and
    reads the file when either allows something. A directive is allowed when its override class
    (``cmd->req_override``, from ``apache2 -L``) is among AllowOverride's, or AllowOverrideList names
    it; otherwise the request is a 500 "NAME not allowed here", or with ``Nonfatal=Override`` (or
    ``All``) the line is skipped. Checked on the real server: AllowOverrideList does not admit a
    directive that no .htaccess may hold (``FcgidMaxRequestsPerProcess not allowed here``).
    """

    classes: frozenset[str]
    names: frozenset[str]
    nonfatal: bool
    override: Placed | None
    listed: Placed | None

    @property
    def reads(self) -> bool:
        return bool(self.classes or self.names)

    def refuses(self, placed: Placed) -> str | None:
        """Why httpd refuses the directive in this .htaccess; None when it is allowed or not known."""
        key = placed.key
        if key not in DIRECTIVES or (key in self.names and key in OVERRIDES):
            return None  # a module this build lacks (FCG030's), or named by AllowOverrideList
        needs = OVERRIDES.get(key)
        if needs is not None and (("*" in needs and self.classes) or self.classes & set(needs)):
            return None
        if needs is None:
            return f"{placed.name} is not allowed in a .htaccess at all"
        wanted = "any class" if "*" in needs else " or ".join(_CLASS_NAMES.get(c, c) for c in needs)
        return f"{self._said(self.override, 'AllowOverride', 'None')} does not include {wanted}, and " \
               f"{self._said(self.listed, 'AllowOverrideList', 'None')} does not name {placed.name}"

    @staticmethod
    def _said(placed: Placed | None, name: str, default: str) -> str:
        if placed is None:
            return f"{name} {default} (httpd's default)"
        return f"{placed.name} {' '.join(placed.args)} ({placed.location})"


def _override(overrides: list[Override], path: str) -> tuple[Overrides, Containers] | None:
    """What AllowOverride and AllowOverrideList (each the nearest one in force) let a .htaccess in
    ``path`` hold, and the <Directory> whose lines it joins; None when no section speaks of it."""
    best: dict[str, tuple[int, int, Placed]] = {}
    for index, (base, placed) in enumerate(overrides):
        if path == base or path.startswith(base.rstrip("/") + "/"):
            rank = (base.count("/"), index)
            held = best.get(placed.key)
            if held is None or rank >= held[:2]:
                best[placed.key] = (*rank, placed)
    if not best:
        return None
    override, listed = (best[k][2] if k in best else None for k in ("allowoverride", "allowoverridelist"))
    words = {a.lower() for a in override.args} if override is not None else set()
    classes = {w.partition("=")[0] for w in words} & _ALL_CLASSES | (_ALL_CLASSES if "all" in words else set())
    nonfatal = bool(words & {"nonfatal=override", "nonfatal=all"})
    names = {a.lower().lstrip("<") for a in listed.args} - {"none"} if listed is not None else set()
    nearest = max(best.values(), key=lambda b: b[:2])[2]
    return Overrides(frozenset(classes), frozenset(names), nonfatal, override, listed), nearest.containers


def _overrides(tree: ConfigTree, vhost: VHost | None) -> list[Override]:
    found = []
    for placed in tree.scoped(("AllowOverride", "AllowOverrideList"), vhost):
        section = next((s for s, _ in reversed(placed.containers) if s.key == "directory"), None)
        base = _directory_path(section) if section is not None else None
        if base is not None:
            found.append((base, placed))
    return found


def read_htaccess(loader: _Loader) -> None:
    """Read the .htaccess of each vhost's DocumentRoot and configured <Directory>, as httpd would.

    A main-server <Directory> is read once, for the main server, whose lines reach every vhost;
    a vhost's DocumentRoot and own <Directory> paths are read for that vhost. One pass over the
    directives, one lookup per scope: the work grows with the tree, not with vhosts times lines."""
    tree = loader.tree
    names = [d.args[0] for d in tree.scoped(("AccessFileName",), None) if d.args] or [".htaccess"]
    dirs: dict[int, dict[str, None]] = {}
    for placed in tree.directives:
        for section, _file in placed.containers:
            if (path := _directory_path(section)) is not None:
                dirs.setdefault(id(placed.vhost), {})[path] = None
    main = _overrides(tree, None)
    reads: list[tuple[str, Context, Overrides]] = []
    for vhost in [None, *tree.vhosts]:
        overrides = main if vhost is None else main + _overrides(tree, vhost)
        root = _document_root(tree, vhost) if vhost is not None or not tree.vhosts else None
        for path in dict.fromkeys([*([root] if root else []), *dirs.get(id(vhost), {})]):
            decided = _override(overrides, path)
            if decided is not None and decided[0].reads:
                reads += [(f"{path.rstrip('/')}/{name}", (vhost, decided[1]), decided[0]) for name in names]
    loader.in_htaccess = True
    for config_path, context, allowed in reads:
        if os.path.isfile(tree.paths.to_host(config_path)):
            start = len(tree.directives)
            loader.htaccess_sections = []
            loader.load_file(config_path, None, context)
            _enforce(tree, start, allowed, loader.htaccess_sections)
    loader.in_htaccess = False
    tree._index = None  # the lookups index the directives read so far


def _unmatched(section: Placed, allowed: Overrides) -> str:
    """What Nonfatal=Override does to a refused section: skips its opening line, so the closing one fails."""
    if not allowed.nonfatal:
        return ""
    return (f"; Nonfatal=Override skips only the opening line, and the closing one then fails "
            f"('</{section.name}> without matching <{section.name}> section')")


def _enforce(tree: ConfigTree, start: int, allowed: Overrides, sections: list[tuple[Placed, int | None]]) -> None:
    """Apply AllowOverride/AllowOverrideList to the lines just read from one .htaccess.

    A refused line or section (``<IfModule>`` needs any override class, ``<Files>`` too) makes httpd
    fail every request of the directory, so the file never takes effect; under Nonfatal=Override a
    refused line is skipped alone, but a refused section is not: only its opening line is skipped,
    and its closing line then fails ("</IfModule> without matching <IfModule> section"). All three
    checked on the real server. What is refused leaves the tree and is kept in ``tree.refused``
    for FCG007, in line order; lines inside a refused section are not judged (httpd stops there)."""
    read = tree.directives[start:]
    found = [Refused(p, why + _unmatched(p, allowed), True, section=True) for p, _end in sections
             if (why := allowed.refuses(p)) is not None]
    fatal = not allowed.nonfatal or bool(found)
    spans = [(p.file, p.line.lineno, end if end is not None else p.line.lineno) for p, end in sections
             if any(r.placed is p for r in found)]

    def inside(placed: Placed) -> bool:  # httpd never looks into a section it refused
        return any(placed.file is f and first < placed.line.lineno <= last for f, first, last in spans)

    kept = [p for p in read if not inside(p)]
    found += [Refused(p, why, fatal) for p in kept if (why := allowed.refuses(p)) is not None]
    if not found:
        return
    found.sort(key=lambda r: r.placed.line.lineno)
    tree.refused += found
    dropped = {id(r.placed) for r in found}
    tree.directives[start:] = [] if fatal else [p for p in kept if id(p) not in dropped]


def _document_root(tree: ConfigTree, vhost: VHost | None) -> str | None:
    for scope in ([vhost] if vhost is not None else []) + [None]:
        found = [d for d in tree.scoped(("DocumentRoot",), scope) if d.args and not d.in_directory]
        if found:
            return found[-1].args[0].rstrip("/") or "/"
    return None
