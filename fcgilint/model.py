"""Stage 2: effective values per FastCGI process class, each with its provenance.

A process class is what mod_fcgid spawns processes for: one program in one
virtual host (mod_fcgid keys classes by the program file, its command line and the
vhost since 2.3.6). The program is an ``FcgidWrapper`` command, or, with no wrapper,
the requested file itself when a vhost's PHP route reaches it through an ``Action``
(see :func:`program_classes`). For
each class we compute the value php-cgi and mod_fcgid will really use, and the
chain of settings that led there, applying the precedence of the real programs
(see the reference notes):

* mod_fcgid server values: ``FcgidCmdOptions`` for the command (options it
  leaves out fall back to *compiled-in defaults*), else the vhost's value, else
  the main server's, else the default;
* php-cgi's environment: the wrapper's own assignments, else
  ``FcgidCmdOptions ... InitialEnv``, else ``FcgidInitialEnv`` (vhost over main)
  unless suEXEC strips it, else php-cgi's default; ``SetEnv``/``PassEnv`` and
  httpd's own environment never reach php-cgi;
* php.ini: ``-d`` beats the ini files php-cgi finds, which beat PHP's defaults.
"""

from __future__ import annotations

import functools
import posixpath
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fcgilint import knowledge, progress
from fcgilint.numbers import saturated
from fcgilint.load.apache_tree import ConfigTree, Placed, VHost
from fcgilint.routes import document_root, php_route, url_path
from fcgilint.load.php_ini import IniReader, size_bytes
from fcgilint.load.wrapper import (
    PhpCall, ScriptRun, Setting, WrapperScript, looks_like_php_cgi, parse_php_args, read_wrapper,
)
from fcgilint.source import Location, SourceError
from fcgilint.templates import PLACEHOLDER, is_placeholder, opens_template


@dataclass(frozen=True, slots=True)
class Step:
    """One link of a provenance chain: what was considered and what it did."""

    text: str
    location: Location | None = None
    dropped: bool = False  # a setting mod_fcgid or suEXEC throws away before php-cgi starts

    def __str__(self) -> str:
        return f"{self.location}: {self.text}" if self.location else self.text


@dataclass(slots=True)
class Value:
    """An effective value, the place that decided it, and how it got there."""

    name: str
    raw: str | None
    number: int | None
    location: Location | None
    chain: list[Step]
    decided_by: str

    @property
    def known(self) -> bool:
        return self.number is not None


@dataclass(slots=True)
class ProcessClass:
    """One FastCGI process class: a program mod_fcgid starts, in a server scope.

    ``kind`` says how mod_fcgid comes to start it: ``wrapper`` (the ``FcgidWrapper`` command;
    ``directive`` is that line) or ``action`` (no wrapper: an ``Action`` sends the PHP request to
    a URL whose file the ``fcgid-script`` handler runs itself; ``directive`` is the ``Action`` line
    and ``origin`` the lines that led from the PHP file to the program).
    """

    directive: Placed | None
    vhost: VHost | None
    command: str
    script: WrapperScript | None
    is_php: bool
    php_binary: str | None
    values: dict[str, Value] = field(default_factory=dict)
    env: dict[str, Setting] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    cmd_options: Placed | None = None
    suexec: Placed | None = None
    run: ScriptRun | None = None
    ini_files: list[str] = field(default_factory=list)  # the php.ini files php-cgi reads, in order
    ini_reason: str | None = None  # why those (-c, PHPRC, the distribution's path, ...)
    line_call: PhpCall | None = None  # php-cgi started by the FcgidWrapper line itself, with its options
    kind: str = "wrapper"  # "wrapper" | "action"
    origin: list[Step] = field(default_factory=list)  # how a request reaches the program (kind "action")
    script_aliased: bool = False  # the program's URL is mapped by ScriptAlias: mod_fcgid then needs no ExecCGI

    @property
    def call(self) -> PhpCall | None:
        """The php-cgi command line the wrapper runs (or the FcgidWrapper line itself), if it was found."""
        return self.run.call if self.run else self.line_call

    @property
    def label(self) -> str:
        scope = self.vhost.label if self.vhost else "main server"
        return f"{self.command} in {scope}"

    @property
    def apache_known(self) -> bool:
        return self.directive is not None


@dataclass
class Model:
    """All process classes of what was loaded, plus the tree itself."""

    tree: ConfigTree | None
    classes: list[ProcessClass]
    unchecked: list[tuple[str, str]] = field(default_factory=list)
    # Every FcgidWrapper line and what it points at, read once for the model and FCG008.
    targets: list[WrapperTarget] = field(default_factory=list)
    # The request rate each class should sustain (.fcgilint.yaml ``rate``); None: the capacity rules' default.
    rate: float | None = None
    # Peaks measured in access logs (vhost from %v or None, log file, requests/s, when), from --evidence.
    measured: tuple[tuple[str | None, str, float, str], ...] = ()
    # Classes grouped by the place that decides a server value, built on first use by
    # :meth:`sharing` so a 5,000-class tree is grouped once, not once per class.
    _places: dict[str, dict[tuple[object, ...], list[ProcessClass]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    # Views derived from the model once per run (fcgilint.capacity), by name; never part of its value.
    derived: dict[str, object] = field(default_factory=dict, init=False, repr=False, compare=False)

    def sharing(self, name: str) -> dict[tuple[object, ...], list[ProcessClass]]:
        """Classes grouped by the place where ``name`` is decided for them (see :func:`place_of`)."""
        groups = self._places.get(name)
        if groups is None:
            groups = {}
            for pc in self.classes:
                place = place_of(pc, name)
                if place is not None:
                    groups.setdefault(place.key, []).append(pc)
            self._places[name] = groups
        return groups


SERVER_VALUES = (
    "FcgidMaxRequestsPerProcess", "FcgidIOTimeout", "FcgidBusyTimeout", "FcgidIdleTimeout",
    "FcgidProcessLifeTime", "FcgidMaxRequestLen", "FcgidMaxProcessesPerClass", "FcgidMinProcessesPerClass",
)
CMDOPTION_OF = {v: k for k, v in knowledge.CMD_OPTIONS.items()}


@dataclass(frozen=True)
class Place:
    """Where a server value for a class is decided, or would be once written.

    ``kind`` is ``edit`` (a directive in force), ``option`` (an FcgidCmdOptions
    line), ``vhost`` (insert into a <VirtualHost>) or ``main`` (insert in the
    main server). ``key`` identifies the place so classes sharing it are found.
    """

    kind: str
    key: tuple[object, ...]
    label: str


def place_of(pc: ProcessClass, name: str) -> Place | None:
    """The narrowest place where ``name`` is (or would be) decided for this class."""
    if pc.directive is None:
        return None
    value = pc.values[name]
    if pc.cmd_options is not None and name in CMDOPTION_OF:
        return Place(
            "option", ("option", pc.cmd_options.location), f"FcgidCmdOptions {pc.command} ({pc.cmd_options.location})"
        )
    home = pc.directive.vhost
    if value.location is not None and (value.decided_by == "vhost" or home is None):
        return Place("edit", ("edit", value.location), f"{value.location}")
    if home is not None:
        return Place("vhost", ("vhost", home.location), home.label)
    return Place("main", ("main",), "the main server")


@functools.lru_cache(maxsize=4096)  # a tree repeats a few values thousands of times ("500", "0", the defaults)
def atol(text: str) -> int | None:
    """C ``atol``: leading blanks, sign, digits; anything else reads as 0. None for placeholders."""
    if is_placeholder(text) or opens_template(text) or "${" in text:
        return None
    m = re.match(r"\s*([+-]?\d+)", text)
    return saturated(m.group(1)) if m else 0


def _scope_directives(tree: ConfigTree, vhost: VHost | None, directive: knowledge.Directive) -> list[Placed]:
    names = (directive.name,) + ((directive.legacy,) if directive.legacy else ())
    return [d for d in tree.scoped(names, vhost) if not d.in_directory]


def _main_server_directives(tree: ConfigTree, directive: knowledge.Directive) -> list[Placed]:
    """The main server's lines of a directive, found once per tree: every class of every vhost asks."""
    key = ("main server", directive.key)
    found = tree.derived.get(key)
    if found is None:
        tree.derived[key] = found = _scope_directives(tree, None, directive)
    return found  # type: ignore[return-value]


def server_value(tree: ConfigTree, vhost: VHost | None, name: str) -> Value:
    """The merged server value of a mod_fcgid directive for a vhost (or the main server)."""
    directive = knowledge.lookup(name)
    assert directive is not None
    chain: list[Step] = []
    chosen: Placed | None = None
    for scope in [None] if vhost is None else [None, vhost]:
        lines = _main_server_directives(tree, directive) if scope is None else _scope_directives(tree, scope, directive)
        for placed in lines:
            where = "main server" if scope is None else "virtual host"
            if chosen is not None:
                chain.append(Step(f"overrides the earlier value ({where})", placed.location))
            chain.append(Step(f"{placed.name} {' '.join(placed.args)} ({where})", placed.location))
            chosen = placed
    if chosen is None:
        chain.append(_default_step(f"{directive.name} not set: mod_fcgid default {directive.default}"))
        return Value(
            directive.name,
            str(directive.default),
            _number(directive, str(directive.default)),
            None,
            chain,
            "mod_fcgid default",
        )
    joined = " ".join(chosen.args)
    raw = joined if is_placeholder(joined) else (chosen.args[0] if chosen.args else "")  # a tag httpd split at blanks
    return Value(
        directive.name, raw, _number(directive, raw), chosen.location, chain, "vhost" if chosen.vhost else "main server"
    )


@functools.lru_cache(maxsize=256)
def _default_step(text: str) -> Step:
    """The step saying a default applies: the same for every class that leaves the setting out, so
    one object serves them all (steps are immutable; a 5,000-class model held 60,000 copies)."""
    return Step(text)


@functools.lru_cache(maxsize=4096)
def _number(directive: knowledge.Directive, raw: str) -> int | None:
    if directive.kind is knowledge.ArgKind.BYTES_STRICT:
        return saturated(raw) if re.fullmatch(r"\d+", raw) else None
    value = atol(raw)
    if directive.key == "fcgidmaxrequestsperprocess" and value == -1:
        return 0  # fcgid_conf.c L522: -1 (the 2.2 default) means unlimited
    return value


def _cmd_options(tree: ConfigTree, vhost: VHost | None, command: str) -> Placed | None:
    """The FcgidCmdOptions for this command (vhost entry wins over main server)."""
    found: Placed | None = None
    for placed in tree.visible(("FcgidCmdOptions",), vhost):
        if placed.args and placed.args[0] == command:
            if found is None or placed.vhost is not None or found.vhost is None:
                found = placed
    return found


def _parse_cmd_options(placed: Placed) -> tuple[dict[str, str], dict[str, str]]:
    options: dict[str, str] = {}
    env: dict[str, str] = {}
    args = placed.args[1:]
    for i in range(0, len(args) - 1, 2):
        key, value = args[i].lower(), args[i + 1]
        if key == "initialenv":
            name, _, val = value.partition("=")
            env[name] = val
        else:
            options[key] = value
    return options, env


def class_server_value(tree: ConfigTree, pc: ProcessClass, name: str) -> Value:
    """A server value as the class sees it, FcgidCmdOptions included."""
    option = CMDOPTION_OF.get(name)
    if pc.cmd_options is None or option is None:
        return server_value(tree, pc.vhost, name)
    options, _ = _parse_cmd_options(pc.cmd_options)
    directive = knowledge.lookup(name)
    assert directive is not None
    loc = pc.cmd_options.location
    if option in options:
        raw = options[option]
        return Value(
            name,
            raw,
            _number(directive, raw),
            loc,
            [Step(f"FcgidCmdOptions {pc.command} sets {option} {raw}", loc)],
            "FcgidCmdOptions",
        )
    step = Step(
        f"FcgidCmdOptions for {pc.command} does not set {option}: the compiled-in default {directive.default} applies, "
        "server and vhost values are ignored",
        loc,
    )
    return Value(
        name,
        str(directive.default),
        directive.default if isinstance(directive.default, int) else None,
        loc,
        [step],
        "FcgidCmdOptions default",
    )


def environ_entry(name: str, value: str) -> tuple[str, str]:
    """The variable php-cgi's environment really gets for mod_fcgid's table entry (name, value).

    httpd's ``ap_create_environment`` (server/util_script.c) writes ``name=value``, then turns every
    character of the name before the *first* '=' that is not alphanumeric into '_' (a leading digit
    too). So ``FcgidInitialEnv PHPRC=/etc/php`` (one argument: name ``PHPRC=/etc/php``, empty value)
    reaches php-cgi as ``PHPRC`` = ``/etc/php=``; seen on a real server with getenv().
    """
    entry = f"{name}={value}"
    key, _, rest = entry.partition("=")
    key = re.sub(r"[^A-Za-z0-9]", "_", key)
    return ("_" + key[1:] if key[:1].isdigit() else key), rest


def equals_form(placed: Placed) -> bool:
    """``FcgidInitialEnv NAME=value``: one argument holding '=' (mod_fcgid takes it all as the name)."""
    return len(placed.args) == 1 and "=" in placed.args[0].strip("=")


def _initenv_lines(tree: ConfigTree, vhost: VHost | None) -> list[Placed]:
    """The FcgidInitialEnv lines that apply to a server scope (main server, then the vhost's)."""
    return [p for p in tree.visible(("FcgidInitialEnv", "DefaultInitEnv"), vhost) if not p.in_directory and p.args]


def initial_env(tree: ConfigTree, pc: ProcessClass) -> tuple[dict[str, Setting], list[Step]]:
    """The environment mod_fcgid gives the wrapper, with the reasons entries were dropped."""
    steps: list[Step] = []
    if pc.cmd_options is not None:
        _, env = _parse_cmd_options(pc.cmd_options)
        loc = pc.cmd_options.location
        ignored = {environ_entry(p.args[0], "")[0] for p in _initenv_lines(tree, pc.vhost)}
        if ignored:  # only a PHP variable that is lost this way is FCG011's; the rest is provenance
            lost = bool(ignored & {"PHP_FCGI_MAX_REQUESTS", "PHP_FCGI_CHILDREN", "PHPRC", "PHP_INI_SCAN_DIR"})
            steps.append(
                Step(
                    f"FcgidCmdOptions for {pc.command}: FcgidInitialEnv is ignored for this command, only its "
                    "InitialEnv options apply",
                    loc,
                    dropped=lost,
                )
            )
        table = {k: Setting(k, v, loc, True, note="FcgidCmdOptions InitialEnv") for k, v in env.items()}
    else:
        table = {}
        for placed in _initenv_lines(tree, pc.vhost):
            scope = "vhost" if placed.vhost else "main server"
            name, value = environ_entry(placed.args[0], placed.args[1] if len(placed.args) > 1 else "")
            table[name] = Setting(name, value, placed.location, True, note=f"{placed.name} ({scope})")
    if pc.suexec is not None:
        stripped = [k for k in table if k.startswith("PHP_FCGI_") or k in ("PHPRC", "PHP_INI_SCAN_DIR")]
        for key in stripped:
            steps.append(
                Step(
                    f"{table[key].note} {key} is stripped by suEXEC (SuexecUserGroup): it never reaches php-cgi",
                    table[key].location,
                    dropped=True,
                )
            )
            del table[key]
    return table, steps


def find_suexec(tree: ConfigTree, vhost: VHost | None) -> Placed | None:
    """SuexecUserGroup in force for the scope (suexec's clean_env drops PHP_FCGI_*)."""
    if "suexec" not in tree.modules:
        return None
    found = tree.visible(("SuexecUserGroup",), vhost)
    return found[-1] if found else None


def php_env_value(pc: ProcessClass, name: str, default: int, steps: list[Step]) -> Value:
    """php-cgi's reading of a PHP_FCGI_* variable: ``atoi(getenv(name))``."""
    chain = list(steps)
    setting = pc.env.get(name)
    if setting is None:
        chain.append(_default_step(f"{name} is not in php-cgi's environment: php-cgi's default {default} applies"))
        return Value(name, None, default, None, chain, "php-cgi default")
    origin = setting.note or "wrapper assignment"
    if setting.value is None or is_placeholder(setting.value):
        chain.append(
            Step(
                f"{name} set by {origin} to a value that cannot be known statically ({setting.value or 'dynamic'})",
                setting.location,
            )
        )
        return Value(name, setting.value, None, setting.location, chain, origin)
    number = atol(setting.value)
    chain.append(
        Step(
            f"{name}={setting.value} from {origin}" + ("" if setting.note else " (overrides any inherited value)"),
            setting.location,
        )
    )
    if number is not None and not re.match(r"\s*[+-]?\d", setting.value):
        chain.append(Step(f"atoi({setting.value!r}) is 0: php-cgi treats it as unlimited"))
    return Value(name, setting.value, number, setting.location, chain, origin)


def php_ini_values(pc: ProcessClass, inis: IniReader, notes: list[str]) -> dict[str, Value]:
    """max_execution_time, post_max_size, upload_max_filesize as php-cgi will use them."""
    call = pc.call
    binary = pc.php_binary or "php-cgi"
    env_values = {k: v.value for k, v in pc.env.items()}
    wrapper_dir = pc.script.path.parent if pc.script else None
    choice = inis.locate(
        binary, call.ini_path if call else None, call.no_ini if call else False, env_values, wrapper_dir
    )
    files, problems = inis.load(choice.files)
    notes.extend(problems)
    pc.ini_files, pc.ini_reason = [ini.display for ini in files], choice.reason
    values: dict[str, Value] = {}
    found = Step(f"php.ini from {choice.reason}" if choice.files else choice.reason)  # one per class, not per key
    for key, default in knowledge.PHP_INI_DEFAULTS.items():
        chain = [found]
        raw, loc, decided = default, None, "PHP built-in default"
        for ini in files:
            if key in ini.values:
                raw, loc = ini.values[key]
                decided = ini.display
                chain.append(Step(f"{key} = {raw}", loc))
        if call and key in call.defines:
            raw, loc = call.defines[key]
            decided = "-d on the php-cgi command line"
            chain.append(Step(f"-d {key}={raw} overrides the ini files", loc))
        if decided == "PHP built-in default":
            chain.append(_default_step(f"{key} not set: PHP's built-in default {default or '(empty)'}"))
        number = atol(raw) if key in ("max_execution_time", "cgi.fix_pathinfo") else size_bytes(raw)
        values[key] = Value(key, raw, number, loc, chain, decided)
    return values


def _wrapper_command(placed: Placed) -> str:
    """First word of FcgidWrapper's command (it may be quoted with arguments)."""
    return placed.args[0].split()[0] if placed.args and placed.args[0].split() else ""


def _line_call(placed: Placed | None) -> PhpCall | None:
    """``FcgidWrapper "/usr/bin/php-cgi -c /srv/site/php.ini -d k=v" .php``: mod_fcgid splits the
    command like a shell (apr_tokenize_to_argv) and php-cgi reads its own -c, -d and -n."""
    if placed is None or not placed.args:
        return None
    try:
        argv = shlex.split(placed.args[0])
    except ValueError:
        argv = placed.args[0].split()
    return parse_php_args(argv, placed.location, is_exec=True) if argv else None


def build_class(
    tree: ConfigTree,
    placed: Placed | None,
    vhost: VHost | None,
    command: str,
    script: WrapperScript | None,
    inis: IniReader,
    kind: str = "wrapper",
) -> ProcessClass:
    """Compute every effective value for one class."""
    pc = ProcessClass(
        directive=placed, vhost=vhost, command=command, script=script, is_php=False, php_binary=None, kind=kind
    )
    if placed is not None:
        pc.cmd_options = _cmd_options(tree, vhost, command)
        pc.suexec = find_suexec(tree, vhost)
        inherited, steps = initial_env(tree, pc)
    else:
        inherited, steps = (
            {},
            [Step("checked alone: the Apache side (FcgidInitialEnv, FcgidMaxRequestsPerProcess) is not known")],
        )
    run = script.run(inherited) if script is not None and script.kind == "shell" else None
    pc.env = run.env if run else inherited
    pc.notes.extend(run.notes if run else [])
    pc.run = run
    if run and run.call:
        pc.is_php, pc.php_binary = True, run.call.argv[0]
    elif script is None and looks_like_php_cgi(command):
        pc.is_php, pc.php_binary = True, command
        pc.line_call = _line_call(placed) if kind == "wrapper" else None
    elif run is not None:
        sets_php = any(k.startswith("PHP_FCGI_") or k == "PHPRC" for k in run.env) or any(
            s.name.startswith("PHP_FCGI_") for s in run.shadowed
        )
        # A wrapper for the .php suffix runs PHP; a program an Action reaches is PHP only when it shows it.
        suffix = placed.args[1].lower() if kind == "wrapper" and placed and len(placed.args) > 1 else ""
        pc.is_php = sets_php or suffix.startswith(".php")
    pc.values["PHP_FCGI_MAX_REQUESTS"] = php_env_value(
        pc, "PHP_FCGI_MAX_REQUESTS", knowledge.PHP_DEFAULT_MAX_REQUESTS, steps
    )
    pc.values["PHP_FCGI_CHILDREN"] = php_env_value(pc, "PHP_FCGI_CHILDREN", 0, steps)
    if placed is not None:
        for name in SERVER_VALUES:
            pc.values[name] = class_server_value(tree, pc, name)
    if pc.is_php:
        pc.values.update(php_ini_values(pc, inis, pc.notes))
    return pc


@dataclass(frozen=True, slots=True)
class WrapperTarget:
    """What an FcgidWrapper line points at: a readable script, or why it is not one."""

    placed: Placed
    command: str
    script: WrapperScript | None
    problem: str | None  # "placeholder" | "missing" | "binary" | "unreadable: ..." | None


def wrapper_target(tree: ConfigTree, placed: Placed) -> WrapperTarget:
    """Resolve FcgidWrapper's command to a readable script, if it is one."""
    command = _wrapper_command(placed)
    return WrapperTarget(placed, command, *read_program(tree, command))


def read_program(tree: ConfigTree, command: str) -> tuple[WrapperScript | None, str | None]:
    """The script a program path names, or why there is none (see :attr:`WrapperTarget.problem`)."""
    if not command or is_placeholder(command) or "${" in command or opens_template(command):
        return None, "placeholder"
    host = Path(tree.paths.to_host(command))
    if not host.exists():
        return None, "missing"
    try:
        script = read_wrapper(host, tree.paths, tree.placeholders)
    except (SourceError, OSError) as exc:
        return None, f"unreadable: {exc}"
    if script.kind == "binary":
        return None, "binary"
    return script, None


@dataclass(frozen=True)
class Program:
    """A program mod_fcgid runs itself (no FcgidWrapper) for a vhost's PHP requests, and why."""

    path: str
    action: Placed
    origin: list[Step]
    script_aliased: bool


def action_program(tree: ConfigTree, vhost: VHost | None) -> Program | None:
    """The file mod_fcgid starts for the vhost's PHP when its route is an ``Action`` to a URL that
    the ``fcgid-script`` handler serves without a wrapper.

    mod_actions redirects the request to the Action's URL (plus the original path as PATH_INFO);
    that URL maps to a file (ScriptAlias/Alias, else the DocumentRoot), and when the file gets the
    ``fcgid-script`` handler and no FcgidWrapper applies, ``fcgid_handler`` (mod_fcgid.c L252-268)
    "dummies up a wrapper configuration, using the requested file as both the executable path and
    command-line": the class is that file (its inode, fcgid_bridge.c L59-63) in that vhost.
    """
    route = php_route(tree, vhost)
    if route.action is None or route.runner != f"Action {route.action.args[1]}":
        return None
    url = route.action.args[1]
    path, alias = url_path(tree, vhost, url)
    directory, name = posixpath.split(path)
    target = php_route(tree, vhost, name, directory or "/")
    if target.runner != "mod_fcgid" or target.wrapper is not None:
        return None  # mod_cgi, the source, or a wrapper (whose class the FcgidWrapper line already gives)
    origin = [Step(f"{route.action.name} {route.action.args[0]} sends the request for {route.file} to {url}",
                   route.action.location)]
    if route.decided_by is not None:
        origin.insert(0, Step(f"{route.decided_by.name} {' '.join(route.decided_by.args)} gives {route.file} the "
                              f"handler {route.handler}", route.decided_by.location))
    origin.append(
        Step(f"{alias.name} {alias.args[0]} maps {url} to {path}", alias.location)
        if alias is not None else Step(f"{url} maps below the DocumentRoot to {path}")
    )
    if target.decided_by is not None:
        origin.append(Step(f"{target.decided_by.name} {' '.join(target.decided_by.args)} applies to {name}: "
                           "mod_fcgid runs it as the FastCGI program", target.decided_by.location))
    return Program(path, route.action, origin, alias is not None and alias.key == "scriptalias")


def action_programs(tree: ConfigTree) -> list[tuple[VHost | None, Program]]:
    """Each vhost (the main server when there is none) whose PHP route reaches an Action program."""
    if not tree.named("Action") or "actions" not in tree.modules:
        return []  # no Action, no such route: nothing to walk for the other shapes
    scopes: list[VHost | None] = [*tree.vhosts] or [None]
    return [(vhost, found) for vhost in scopes if (found := action_program(tree, vhost)) is not None]


def program_classes(
    tree: ConfigTree,
    programs: list[tuple[VHost | None, Program]],
    inis: IniReader,
    seen: set[tuple[int, str]],
    unchecked: list[tuple[str, str]],
) -> list[ProcessClass]:
    """One class per vhost whose PHP route reaches a program mod_fcgid runs without a wrapper."""
    classes = []
    for vhost, found in programs:
        if (id(vhost), found.path) in seen:
            continue
        seen.add((id(vhost), found.path))
        script, problem = read_program(tree, found.path)
        if problem and not looks_like_php_cgi(found.path):
            unchecked.append(("PHP-side rules", f"{found.action.location}: the program {found.path} that this "
                              f"Action reaches is {problem}, so what php-cgi sees is unknown"))
        pc = build_class(tree, found.action, vhost, found.path, script, inis, kind="action")
        pc.origin, pc.script_aliased = found.origin, found.script_aliased
        classes.append(pc)
    return classes


def _reach(tree: ConfigTree) -> Callable[[VHost, Placed], bool]:
    """Whether a main-server FcgidWrapper serves a vhost's PHP: always at the server's top level; inside
    a <Directory> or <Files> when it is the wrapper of the vhost's PHP route, or when its plain
    ``<Directory>`` lies below the vhost's DocumentRoot (the vhost's ``/app/`` requests get it). A
    main-server ``<Directory /var/www/html>`` wrapper is nothing to a vhost serving /srv/site. The
    route is computed once per vhost, and only when such a sectioned wrapper exists."""
    routed: dict[int, tuple[Placed | None, str]] = {}

    def reaches(vhost: VHost, placed: Placed) -> bool:
        if not placed.in_directory:
            return True
        if id(vhost) not in routed:
            routed[id(vhost)] = (php_route(tree, vhost).wrapper, document_root(tree, vhost)[0].rstrip("/"))
        wrapper, root = routed[id(vhost)]
        return wrapper is placed or _directory_below(placed, root)

    return reaches


def _directory_below(placed: Placed, root: str) -> bool:
    """The directive's outermost section is a plain ``<Directory>`` strictly below ``root``."""
    section = placed.containers[0][0]
    args = [a.value for a in section.open.args]
    if section.key != "directory" or len(args) != 1:  # <DirectoryMatch>, <Directory ~ re>, <Files>, <Location>
        return False
    return args[0].rstrip("/").startswith(root + "/")


def build_model(tree: ConfigTree) -> Model:
    """One class per FcgidWrapper in each scope where it applies, and one per program an Action reaches."""
    classes: list[ProcessClass] = []
    unchecked: list[tuple[str, str]] = []
    seen: set[tuple[int, str]] = set()
    inis = IniReader(tree.paths)
    wrappers = tree.named("FcgidWrapper", "FCGIWrapper")
    progress.begin("wrapper scripts", "files", len(wrappers))
    targets = []
    for placed in wrappers:
        targets.append(wrapper_target(tree, placed))
        progress.advance()
    programs = action_programs(tree)
    reaches = _reach(tree)
    # vhosts that configure their own wrapper, or whose PHP goes to an Action's program, inherit no wrapper
    with_own = {id(t.placed.vhost) for t in targets} | {id(vhost) for vhost, _ in programs}
    progress.begin("process classes", "wrappers", len(targets))
    for target in targets:
        progress.advance()
        placed, command, script, problem = target.placed, target.command, target.script, target.problem
        if problem and not looks_like_php_cgi(command):
            unchecked.append(
                (
                    "PHP-side rules",
                    f"{placed.location}: the wrapper {command} is {problem}, so what php-cgi sees is unknown",
                )
            )
        scopes: list[VHost | None] = [placed.vhost]
        if placed.vhost is None:
            scopes += [v for v in tree.vhosts if id(v) not in with_own and reaches(v, placed)]
        for vhost in scopes:
            key = (id(vhost), command)
            if key in seen:
                continue
            seen.add(key)
            classes.append(build_class(tree, placed, vhost, command, script, inis))
    classes.extend(program_classes(tree, programs, inis, seen, unchecked))
    return Model(tree=tree, classes=classes, unchecked=unchecked, targets=targets)


# Rules that compare a PHP-side value with mod_fcgid's, and the Apache directive each one needs.
APACHE_SIDE = {
    "FCG001": "FcgidMaxRequestsPerProcess", "FCG003": "FcgidIOTimeout", "FCG004": "FcgidBusyTimeout",
    "FCG005": "FcgidMaxRequestLen",
}


def apache_side_unchecked(why: str, rules: tuple[str, ...] = tuple(APACHE_SIDE)) -> list[tuple[str, str]]:
    """One "not checked" note per rule that needs the Apache side, naming the directive it lacks."""
    return [(rule, f"{why}: the Apache side ({APACHE_SIDE[rule]}) was not given") for rule in rules]


def standalone_model(script: WrapperScript) -> Model:
    """A wrapper given alone: PHP-side values only; Apache-side rules say they cannot judge."""
    pc = build_class_standalone(script)
    return Model(tree=None, classes=[pc], unchecked=apache_side_unchecked("a wrapper alone"))


def build_class_standalone(script: WrapperScript) -> ProcessClass:
    """The class of a wrapper checked without its Apache configuration."""
    tree = ConfigTree(entry=Location(script.display, 1), paths=script.paths, server_root=str(script.path.parent))
    return build_class(tree, None, None, script.display, script, IniReader(script.paths))


def unfilled(model: Model) -> list[str]:
    """Notes for mod_fcgid directives whose value is still a placeholder: unknown, never guessed."""
    notes = []
    for placed in model.tree.directives if model.tree else ():
        names = sorted({m.group(0) for m in PLACEHOLDER.finditer(" ".join(placed.args))})
        if names and knowledge.lookup(placed.name) is not None:
            notes.append(
                f"{placed.location}: {placed.name} has template placeholder {', '.join(names)}: its value is unknown "
                "and"
                " not checked; give it with --set NAME=VALUE or 'set:' in .fcgilint.yaml"
            )
    return notes
