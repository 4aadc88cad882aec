"""Checks on what a request meets on its way to php-cgi.

FCG018: directives httpd cannot run without mod_php; FCG019: the chain of request-body limits
(httpd's LimitRequestBody, mod_fcgid's FcgidMaxRequestLen, PHP's post_max_size and
upload_max_filesize, memory_limit), of which the smallest decides what upload works;
FCG020: the Authorization header never reaching PHP where the configuration tries to pass it;
FCG032: an open_basedir that shuts php-cgi out of the places a request needs.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterator

from fcgilint import knowledge
from fcgilint.checks.registry import Hit, chain_of, check, scope_of, tree_check, where
from fcgilint.checks.remedies import sources_of
from fcgilint.findings import Edit, Fix, Related, Severity
from fcgilint.load.apache_syntax import ParsedFile
from fcgilint.load.apache_tree import ConfigTree, Placed
from fcgilint.load.wrapper import is_placeholder
from fcgilint.model import Model, ProcessClass, Step, Value
from fcgilint.source import Location
from fcgilint.templates import branch_depths

#: mod_php's command table (php-src sapi/apache2handler/apache_config.c, php_dir_cmds[]).
PHP_DIRECTIVES = ("php_value", "php_flag", "php_admin_value", "php_admin_flag", "PHPINIDir")
#: Modules that define those commands: mod_php under its names, LiteSpeed's mod_lsapi, mod_fakephp.
PHP_DIRECTIVE_MODULES = frozenset({"php", "php5", "php7", "php8", "lsapi", "fakephp"})
#: What php-cgi reads in place of those lines.
_WHERE_INSTEAD = (
    "set it in the php.ini php-cgi reads for this site, as '-d {name}={value}' on the wrapper's php-cgi line, "
    "or (not for php_admin_*) in a .user.ini beside the scripts, which php-cgi reads (user_ini.filename)"
)


def _in_template_branch(seen: dict[str, list[int]], parsed: ParsedFile, lineno: int) -> bool:
    """Whether a line lies inside a template conditional, which the panel may leave out.

    ``seen`` keeps each file's depths for one run of the check, so a file is scanned once.
    """
    depths = seen.get(parsed.source.display)
    if depths is None:
        depths = seen[parsed.source.display] = branch_depths(parsed.source.text)
    return lineno <= len(depths) and depths[lineno - 1] > 0


def is_htaccess(tree: ConfigTree, placed: Placed) -> bool:
    """Whether a directive sits in a per-directory file (``.htaccess`` or an ``AccessFileName``)."""
    if placed.htaccess:
        return True  # read by the loader as httpd reads per-directory files
    names = {".htaccess"} | {a for d in tree.named("AccessFileName") for a in d.args}
    return posixpath.basename(placed.location.file.replace("\\", "/")) in names


def _states_modules(tree: ConfigTree) -> bool:
    """True when the loaded files list their modules, so a missing LoadModule means a missing module."""
    return bool(tree.named("LoadModule"))


class _PhpClasses:
    """The PHP classes of a model by vhost, built once per run so a directive per vhost stays linear."""

    def __init__(self, model: Model) -> None:
        self.every = [pc for pc in model.classes if pc.is_php and pc.directive is not None]
        self.by_vhost: dict[int, list[ProcessClass]] = {}
        for pc in self.every:
            self.by_vhost.setdefault(id(pc.vhost), []).append(pc)

    def of(self, placed: Placed, htaccess: bool) -> list[ProcessClass]:
        """Classes a directive's scope reaches: all for the main server or a .htaccess, else its vhost's."""
        return self.every if htaccess or placed.vhost is None else self.by_vhost.get(id(placed.vhost), [])


def _runs_php_through_fcgid(classes: list[ProcessClass]) -> list[Related]:
    """Where PHP requests of the directive's scope go to php-cgi instead of mod_php."""
    return [Related(pc.directive.location, f"PHP runs as php-cgi here ({pc.label})") for pc in classes[:3]
            if pc.directive is not None]


def _uses_fcgid(tree: ConfigTree) -> bool:
    """Whether the loaded files hand anything to mod_fcgid (else they may well be a mod_php site's)."""
    wrappers = tree.named("FcgidWrapper", "FCGIWrapper")
    handlers = [d for d in tree.named("AddHandler", "SetHandler") if d.args and d.args[0].lower() == "fcgid-script"]
    return bool(wrappers or handlers)


def _remedy(placed: Placed) -> str:
    name = placed.args[0] if placed.args else "name"
    value = placed.args[1] if len(placed.args) > 1 else "value"
    if placed.key == "phpinidir":
        return "point php-cgi at that directory with '-c' on the wrapper's php-cgi line, or PHPRC"
    return _WHERE_INSTEAD.format(name=name, value=value)


def _failure(placed: Placed, htaccess: bool) -> str:
    said = (f"Invalid command '{placed.name}', perhaps misspelled or defined by a module not included in the "
            "server configuration")
    if htaccess:
        return f"every request where httpd reads this file fails with 500 Internal Server Error ({said})"
    return f"httpd refuses to start ({said})"


@tree_check("FCG018")
def php_directive_without_mod_php(model: Model, tree: ConfigTree) -> Iterator[Hit]:
    """php_value and its kin belong to mod_php; under mod_fcgid they break the site or do nothing."""
    loaded = bool(tree.modules & PHP_DIRECTIVE_MODULES)
    stated = _states_modules(tree)
    branches: dict[str, list[int]] = {}
    php = _PhpClasses(model)
    for placed in tree.named(*PHP_DIRECTIVES):
        if _in_template_branch(branches, placed.file, placed.line.lineno):
            continue  # rendered only for some set-ups; the panel decides, not this file
        htaccess = is_htaccess(tree, placed)
        remedy = _remedy(placed)
        if loaded:
            yield from _no_effect(php.of(placed, htaccess), placed, htaccess, remedy)
        elif stated:
            yield Hit(placed.location, f"{placed.name} is a mod_php directive and mod_php is not loaded: "
                      f"{_failure(placed, htaccess)}; {remedy}",
                      fix=_move_to_command_line(model, php.of(placed, False), placed))
        elif htaccess or _uses_fcgid(tree):
            yield Hit(placed.location, f"{placed.name} is a mod_php directive, and the loaded files load no mod_php "
                      f"(no LoadModule lines; '-M php' states it): without mod_php {_failure(placed, htaccess)}; "
                      f"where mod_fcgid runs PHP, php-cgi never sees the value either way; {remedy}",
                      severity=Severity.WARNING, fix=_move_to_command_line(model, php.of(placed, False), placed))


def _move_to_command_line(model: Model, classes: list[ProcessClass], placed: Placed) -> Fix | None:
    """Remove the line and give php-cgi the value with '-d' on its wrapper's exec line.

    Only when one wrapper script serves the directive's scope; unsafe, because that wrapper may
    serve other directories too, which then get the value as well.
    """
    htaccess = model.tree is not None and is_htaccess(model.tree, placed)
    if placed.key == "phpinidir" or len(placed.args) != 2 or htaccess:
        return None  # no fix writes into a .htaccess: the site's owner keeps it
    calls = {id(pc.call): pc for pc in classes if pc.call is not None and pc.script is not None}
    if len(calls) != 1:
        return None
    (pc,) = calls.values()
    assert pc.call is not None and pc.script is not None
    source = sources_of(model).get(pc.call.location.file)
    if source is None:
        return None
    lines = source.text.splitlines(keepends=True)
    number = pc.call.location.line
    if number > len(lines):
        return None
    start = sum(len(line) for line in lines[: number - 1])
    binary = pc.call.argv[0]
    at = source.text.find(binary, start, start + len(lines[number - 1]))
    if at < 0:
        return None
    name, value = placed.args
    value = {"on": "1", "off": "0"}.get(value.lower(), value) if placed.key.endswith("flag") else value
    define = f" -d {shlex.quote(f'{name}={value}')}"
    edits = [Edit(placed.file.source.display, placed.line.start, placed.line.end, ""),
             Edit(source.display, at + len(binary), at + len(binary), define)]
    return Fix(f"remove {placed.name} {name} and run php-cgi with{define} in {pc.script.display}", edits, safe=False)


def _no_effect(classes: list[ProcessClass], placed: Placed, htaccess: bool, remedy: str) -> Iterator[Hit]:
    """mod_php is loaded, so httpd accepts the line; it only reaches PHP that mod_php runs."""
    where = _runs_php_through_fcgid(classes)
    if htaccess and placed.key.startswith("php_admin"):
        yield Hit(placed.location, f"{placed.name} is not allowed in .htaccess files: every request where httpd reads "
                  f"this file fails with 500 Internal Server Error ('{placed.name} not allowed here'); {remedy}")
    elif where:
        yield Hit(placed.location, f"{placed.name} is read by mod_php, but PHP requests here go to php-cgi through "
                  f"mod_fcgid, which never sees it: the setting has no effect; {remedy}", where,
                  severity=Severity.WARNING)


# -- the request body chain (FCG019) ------------------------------------------------------------

#: What each link does to a body over its limit, in the order a request meets them.
_BREAKS = {
    "LimitRequestBody": (
        "httpd's input filter drops it: mod_fcgid hands php-cgi an empty body (CONTENT_LENGTH 0), the script "
        "runs without its POST data and the client gets 200 (other handlers answer 413); httpd logs it only at "
        "LogLevel info (AH01588)"
    ),
    "FcgidMaxRequestLen": "mod_fcgid answers 500",
    "post_max_size": "PHP throws the whole body away ($_POST and $_FILES arrive empty, the script still runs)",
    "upload_max_filesize": "PHP refuses the file (UPLOAD_ERR_INI_SIZE)",
}


def limit_request_body(tree: ConfigTree, pc: ProcessClass) -> Value:
    """LimitRequestBody for the class's requests: main server, vhost, then sections around its FcgidWrapper."""
    placed = pc.directive
    around = {id(section) for section, _ in placed.containers} if placed is not None else set()
    chosen: Placed | None = None
    chain: list[Step] = []
    for candidate in tree.visible(("LimitRequestBody",), pc.vhost):
        if not candidate.args:
            continue
        if any(id(section) not in around for section, _ in candidate.containers):
            continue  # a narrower <Location>/<Directory> than the class: it speaks of other requests
        chain.append(Step(f"LimitRequestBody {candidate.args[0]}", candidate.location))
        chosen = candidate
    if chosen is None:
        default = knowledge.LIMIT_REQUEST_BODY_DEFAULT
        chain.append(Step(f"LimitRequestBody not set: httpd's default {default} (1 GiB) since 2.4.54, "
                          "unlimited before"))
        return Value("LimitRequestBody", str(default), default, None, chain, "httpd default since 2.4.54")
    raw = chosen.args[0]
    number = int(raw) if raw.isdigit() else None
    return Value("LimitRequestBody", raw, number, chosen.location, chain, "vhost" if chosen.vhost else "main server")


def _limit(value: Value) -> float:
    """A size limit in bytes; 0 (and PHP's -1) mean none."""
    return float("inf") if value.number is None or value.number <= 0 else float(value.number)


@tree_check("FCG019")
def request_body_chain(model: Model, tree: ConfigTree) -> Iterator[Hit]:
    """The smallest of the body limits decides what upload works; say which link breaks first."""
    for pc in model.classes:
        if not pc.is_php or pc.directive is None or "post_max_size" not in pc.values:
            continue
        body = limit_request_body(tree, pc)
        post, upload = pc.values["post_max_size"], pc.values["upload_max_filesize"]
        php_accepts = _limit(post) if _limit(post) != float("inf") else _limit(upload)
        anchor = pc.directive.location
        below_fcgid = _limit(body) < _limit(pc.values["FcgidMaxRequestLen"])  # else FCG005's link breaks first
        if body.number is not None and _limit(body) < php_accepts and below_fcgid:
            yield _breaks_first(pc, body, php_accepts, anchor)
        if _limit(upload) > _limit(post):
            yield _upload_over_post(pc, post, upload, anchor)
        memory = pc.values["memory_limit"]
        if _limit(memory) < _limit(post):
            yield Hit(
                where(memory, anchor),
                f"memory_limit {memory.raw} ({memory.decided_by}) is below post_max_size {post.raw} for {pc.label}: "
                f"a form body PHP accepts can need more memory than the script may use ('Allowed memory size "
                f"exhausted', a 500); the PHP manual asks for memory_limit above post_max_size",
                _related(post), chain_of(memory, post), severity=Severity.INFO, scope=scope_of(pc),
            )


def _related(*values: Value) -> list[Related]:
    return [Related(v.location, f"{v.name} {v.raw}") for v in values if v.location]


def _chain_text(pc: ProcessClass, body: Value) -> str:
    links = [body, pc.values["FcgidMaxRequestLen"], pc.values["post_max_size"], pc.values["upload_max_filesize"]]
    return ", ".join(f"{v.name} {v.raw} ({v.decided_by})" for v in links)


def _breaks_first(pc: ProcessClass, body: Value, php_accepts: float, anchor: Location) -> Hit:
    wanted = "no limit" if php_accepts == float("inf") else str(int(php_accepts))
    since = "" if body.location else " (the default became 1 GiB in httpd 2.4.54: uploads that worked before fail)"
    message = (
        f"a request body for {pc.label} meets, in order, {_chain_text(pc, body)}: the first to break is "
        f"LimitRequestBody {body.raw}{since}: a body over {body.raw} bytes never reaches PHP, which accepts "
        f"{wanted}: {_BREAKS['LimitRequestBody']}; raise LimitRequestBody to at least {wanted} (0 is unlimited) "
        f"where the uploads are handled"
    )
    post = pc.values["post_max_size"]
    return Hit(where(body, anchor), message, _related(post), chain_of(body, post), scope=scope_of(pc))


def _upload_over_post(pc: ProcessClass, post: Value, upload: Value, anchor: Location) -> Hit:
    message = (
        f"upload_max_filesize {upload.raw} ({upload.decided_by}) is larger than post_max_size {post.raw} "
        f"({post.decided_by}) for {pc.label}: post_max_size breaks first, and a file between the two is lost "
        f"silently: {_BREAKS['post_max_size']}; set post_max_size above upload_max_filesize"
    )
    return Hit(where(post, anchor), message, _related(upload), chain_of(post, upload), severity=Severity.WARNING,
               scope=scope_of(pc))


# -- open_basedir (FCG032) --------------------------------------------------------------------

#: Where PHP puts uploads and session files when nothing says otherwise (php_get_temporary_directory).
_SYSTEM_TEMP = "/tmp"


def _basedir_entries(raw: str) -> list[str]:
    """open_basedir's entries: ':'-separated (';' on Windows); each is a path prefix."""
    separator = ";" if ";" in raw or re.match(r"^[A-Za-z]:[\\/]", raw) else ":"
    return [entry.strip().strip('"') for entry in raw.split(separator) if entry.strip()]


def _allowed(path: str, entries: list[str]) -> bool:
    """php_check_specific_open_basedir: an entry is a prefix ('/var/www' also allows '/var/www2');
    '.' is the script's own directory, taken here as anything below the document root."""
    return any(entry == "." or path == entry.rstrip("/") or path.startswith(entry) for entry in entries)


def _document_root(tree: ConfigTree, pc: ProcessClass) -> Placed | None:
    """The DocumentRoot of the class's vhost, else the main server's."""
    for scope in ([pc.vhost] if pc.vhost is not None else []) + [None]:
        found = [d for d in tree.scoped(("DocumentRoot",), scope) if not d.in_directory and d.args]
        if found:
            return found[-1]
    return None


def _upload_dir(pc: ProcessClass) -> tuple[str, Value | None] | None:
    """Where uploads go when upload_tmp_dir is unset: sys_temp_dir, else $TMPDIR, else /tmp.

    Only that fallback is held to open_basedir (php_open_temporary_fd_ex with
    PHP_TMP_FILE_OPEN_BASEDIR_CHECK_ON_FALLBACK); an upload_tmp_dir that is set is used as is.
    """
    if (pc.values["upload_tmp_dir"].raw or "").strip():
        return None
    system = pc.values["sys_temp_dir"]
    if (system.raw or "").strip():
        return (system.raw or "").strip(), system
    tmpdir = pc.env.get("TMPDIR")
    return (tmpdir.value if tmpdir and tmpdir.value else _SYSTEM_TEMP), None


def _needed_paths(tree: ConfigTree, pc: ProcessClass) -> list[tuple[str, str, Value | Placed | None]]:
    """(what fails, path, where the path was set) for each place php-cgi must reach."""
    needed: list[tuple[str, str, Value | Placed | None]] = []
    root = _document_root(tree, pc)
    if root is not None and root.args[0].startswith("/"):
        needed.append(("php-cgi cannot open the scripts of the DocumentRoot: every request answers 404 'No input "
                       "file specified.'", root.args[0].rstrip("/") or "/", root))
    upload = _upload_dir(pc)
    if upload is not None:
        needed.append(("upload_tmp_dir is unset, so uploads go to the system's temporary directory, which PHP then "
                       "checks: every file upload fails ($_FILES error 6, 'File upload error - unable to create a "
                       "temporary file')", upload[0].rstrip("/") or "/", upload[1]))
    return [(what, path, at) for what, path, at in needed if path.startswith("/") and "${" not in path]


@tree_check("FCG032")
def open_basedir_excludes(model: Model, tree: ConfigTree) -> Iterator[Hit]:
    """open_basedir that leaves out the DocumentRoot or the directory uploads fall back to."""
    for pc in model.classes:
        basedir = pc.values.get("open_basedir")
        if not pc.is_php or pc.directive is None or basedir is None or not (basedir.raw or "").strip():
            continue
        if is_placeholder(basedir.raw or ""):
            continue
        entries = _basedir_entries(basedir.raw or "")
        for what, path, at in _needed_paths(tree, pc):
            if _allowed(path, entries) or is_placeholder(path):
                continue
            related = [Related(at.location, f"{path}")] if at is not None and at.location is not None else []
            severity = Severity.ERROR if "DocumentRoot" in what else None
            yield Hit(
                where(basedir, pc.directive.location),
                f"open_basedir {basedir.raw} ({basedir.decided_by}) leaves out {path} for {pc.label}: {what}; PHP "
                f"logs 'open_basedir restriction in effect. File({path}...) is not within the allowed path(s)'; "
                f"add {path} to open_basedir",
                related, chain_of(basedir), severity=severity, scope=scope_of(pc),
            )


# -- Authorization (FCG020) -------------------------------------------------------------------

_PASSES = re.compile(r"\bE=HTTP_AUTHORIZATION:", re.I)


def _tries_to_pass(placed: Placed) -> bool:
    """A RewriteRule or SetEnvIf that copies the Authorization header into HTTP_AUTHORIZATION."""
    if placed.key == "rewriterule":
        return any(_PASSES.search(arg) for arg in placed.args[2:])
    return placed.key in ("setenvif", "setenvifnocase") and bool(placed.args) and \
        placed.args[0].lower() == "authorization" and any("HTTP_AUTHORIZATION" in a for a in placed.args[2:])


def _encloses(outer: Placed, inner: Placed) -> bool:
    """``outer`` sits in the same vhost and in the same sections as ``inner``, or in enclosing ones."""
    mine = [id(section) for section, _ in inner.containers]
    theirs = [id(section) for section, _ in outer.containers]
    return outer.vhost is inner.vhost and mine[: len(theirs)] == theirs


def _by_vhost(placed: list[Placed]) -> dict[int, list[Placed]]:
    """Directives by the id of their vhost (None for the main server), in config order."""
    found: dict[int, list[Placed]] = {}
    for one in placed:
        found.setdefault(id(one.vhost), []).append(one)
    return found


def _engine_on(engines: dict[int, list[Placed]], rule: Placed) -> bool:
    """Whether RewriteEngine is On where the rule is (the last RewriteEngine of its context decides)."""
    state = False
    for engine in engines.get(id(rule.vhost), []):
        if engine.args and _encloses(engine, rule):
            state = engine.args[0].lower() == "on"
    return state


def _passers(tree: ConfigTree, engines: dict[int, list[Placed]]) -> set[int]:
    """Ids of the vhosts (None: the main server, which reaches all) where something hands the header on."""
    found: set[int] = set()
    for placed in tree.named("CGIPassAuth", "FcgidPassHeader", "RewriteRule", "SetEnvIf", "SetEnvIfNoCase"):
        if not placed.args:
            continue
        if (placed.key == "cgipassauth" and placed.args[0].lower() == "on") \
                or (placed.key == "fcgidpassheader" and placed.args[0].lower() == "authorization") \
                or (placed.key != "rewriterule" and _tries_to_pass(placed)) \
                or (placed.key == "rewriterule" and _tries_to_pass(placed) and _engine_on(engines, placed)):
            found.add(id(placed.vhost))
    return found


@check("FCG020")
def authorization_not_passed(model: Model) -> Iterator[Hit]:
    """An attempt to hand the Authorization header to PHP that cannot work, with nothing else passing it."""
    tree = model.tree
    if tree is None or not any(pc.is_php for pc in model.classes):
        return
    engines = _by_vhost(tree.named("RewriteEngine"))
    passed = _passers(tree, engines)
    for rule in tree.named("RewriteRule"):
        if not _tries_to_pass(rule) or _engine_on(engines, rule) or passed & {id(None), id(rule.vhost)}:
            continue
        yield Hit(
            rule.location,
            "this RewriteRule is meant to hand the Authorization header to PHP, but RewriteEngine is not On where it "
            "stands, so it never runs: mod_fcgid, like CGI, leaves the header out of php-cgi's variables, and an "
            "application that authenticates with it (HTTP Basic in PHP, bearer tokens, WebDAV) sees no credentials; "
            "add 'RewriteEngine On' beside it, or pass the header with 'CGIPassAuth On' (httpd 2.4.13 and later) "
            "or 'FcgidPassHeader Authorization'",
        )
