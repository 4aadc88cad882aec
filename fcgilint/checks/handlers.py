"""Checks on how requests for .php reach mod_fcgid at all (FCG009, FCG040, FCG017), per vhost."""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterator

from fcgilint import regexes
from fcgilint.checks.registry import Hit, tree_check, vhost_scope
from fcgilint.findings import Related
from fcgilint.load.apache_tree import ConfigTree, Placed, VHost
from fcgilint.templates import is_placeholder
from fcgilint.model import Model, ProcessClass
from fcgilint.routes import document_root, fcgid_wrapper, php_route

_SAMPLE = "index.php"


def _section_matches(placed: Placed, name: str) -> bool:
    """True if every <Files>/<FilesMatch> around the directive matches the file name."""
    for section, _file in placed.containers:
        args = [a.value for a in section.open.args]
        key = section.key
        if key in ("filesmatch",) or (key == "files" and args[:1] == ["~"]):
            if not regexes.search(args[-1] if args else "", name):
                return False
        elif key == "files" and args and not fnmatch.fnmatchcase(name, args[0]):
            return False
    return True


_PHP_EXTENSIONS = ("php", "phtml", "php5", "php7", "php8")


def _php_intents(tree: ConfigTree) -> list[Placed]:
    """Lines that mean mod_fcgid should run PHP: AddHandler/SetHandler fcgid-script, FcgidWrapper .php."""
    adds = [d for d in tree.named("AddHandler") if d.args and d.args[0].lower() == "fcgid-script"
            and any(a.lower().lstrip(".") in _PHP_EXTENSIONS for a in d.args[1:])]
    sets = [d for d in tree.named("SetHandler") if d.args and d.args[0].lower() == "fcgid-script"
            and _section_matches(d, _SAMPLE) and any(s.key.startswith("files") for s, _ in d.containers)]
    wrappers = [d for d in tree.named("FcgidWrapper", "FCGIWrapper") if len(d.args) > 1 and d.args[1].lower() == ".php"]
    return adds + sets + wrappers


def _judged(tree: ConfigTree, intents: list[Placed]) -> Iterator[tuple[VHost | None, str, Placed]]:
    """Each scope and directory where PHP is meant for mod_fcgid, once, with the line that says so.

    With virtual hosts, httpd gives every request to one of them, so the main server is
    judged only when there are none; its lines reach every vhost."""
    scopes: list[VHost | None] = list(tree.vhosts) or [None]
    seen: set[tuple[int, str]] = set()
    by_scope: dict[int, list[tuple[int, Placed]]] = {}  # each vhost meets its own and the main server's lines only
    for order, intent in enumerate(intents):
        by_scope.setdefault(id(intent.vhost), []).append((order, intent))
    for vhost in scopes:
        root = document_root(tree, vhost)[0]
        mine = by_scope.get(id(None), []) + (by_scope.get(id(vhost), []) if vhost is not None else [])
        for _order, intent in sorted(mine, key=lambda item: item[0]):
            directory = _directory_of(intent) or root
            if (id(vhost), directory) not in seen:
                seen.add((id(vhost), directory))
                yield vhost, directory, intent


def _scope_words(vhost: VHost | None, directory: str) -> str:
    return f"{directory} in {vhost.label if vhost is not None else 'the main server'}"


@tree_check("FCG009")
def php_source_exposed(model: Model, tree: ConfigTree) -> Iterator[Hit]:
    """Per vhost: a .php file that httpd would send as text although mod_fcgid is meant to run it."""
    for vhost, directory, intent in _judged(tree, _php_intents(tree)):
        route = php_route(tree, vhost, _SAMPLE, directory)
        if not route.exposes_source or (route.decided_by is None and intent.key != "addhandler"):
            continue  # a wrapper with no handler line in sight: a fragment whose routing lives elsewhere
        words = _scope_words(vhost, directory)
        decided = route.decided_by
        if decided is not None and decided.key == "sethandler":
            why = (f"SetHandler {route.handler} applies to .php files and beats 'AddHandler fcgid-script' (SetHandler "
                   f"wins over AddHandler); no module or Action serves that handler")
        elif decided is not None:
            why = f"the handler of .php files is {route.handler} ({decided.name}), which no loaded module serves"
        else:
            why = "no handler applies to .php files there (the AddHandler fcgid-script is taken back)"
        message = (f"{why}, so httpd sends PHP source code as plain text for {words}. Disable the overriding handler "
                   f"(e.g. a2disconf php*-cgi) or route .php with 'SetHandler fcgid-script' in a matching <FilesMatch>")
        related = [Related(intent.location, "mod_fcgid is meant to run .php here")]
        yield Hit(decided.location if decided is not None else intent.location, message, related,
                  chain=route.steps, scope=vhost_scope(vhost, words))


@tree_check("FCG040")
def php_case_gap(model: Model, tree: ConfigTree) -> Iterator[Hit]:
    """Per vhost: .php runs through its wrapper but .PHP gets fcgid-script without one."""
    for vhost, directory, _intent in _judged(tree, _php_intents(tree)):
        wrapper = fcgid_wrapper(tree, vhost, directory, _SAMPLE)
        upper = php_route(tree, vhost, _SAMPLE.upper(), directory)
        if wrapper is None or upper.runner != "mod_fcgid" or upper.wrapper is not None:
            continue
        suffix = wrapper.args[1] if len(wrapper.args) > 1 else ""
        words = _scope_words(vhost, directory)
        message = (
            f"FcgidWrapper only matches the suffix {suffix} case-sensitively, while the fcgid-script handler matches "
            f"any case: a request for x{suffix.upper()} under {words} gets the fcgid-script handler but no wrapper, "
            f"and mod_fcgid tries to run the script file itself (a 500, or an uploaded executable run). Add a "
            f"suffix-less FcgidWrapper or route by <FilesMatch> with SetHandler"
        )
        related = [Related(upper.decided_by.location, "the handler (case-insensitive)")] if upper.decided_by else []
        yield Hit(wrapper.location, message, related, chain=upper.steps, scope=vhost_scope(vhost, words))


@tree_check("FCG017")
def execcgi_missing(model: Model, tree: ConfigTree) -> Iterator[Hit]:
    """mod_fcgid answers 403 where the directory's Options lack ExecCGI."""
    index = OptionsIndex(tree)
    for pc in model.classes:
        placed = pc.directive
        path = _requests_dir(pc)
        if placed is None or path is None or placed.vhost is not pc.vhost:
            continue
        options = _options_for(index, placed, path)
        if options is None:
            continue
        enabled, last = options
        if enabled:
            continue
        related = [Related(last.location, "the Options in force")] if last is not None else []
        yield Hit(
            placed.location,
            f"Options for <Directory {path}> do not include ExecCGI (httpd's default is FollowSymlinks only): "
            f"mod_fcgid refuses to run {pc.command} for requests here and httpd answers 403; add 'Options +ExecCGI'",
            related,
        )


def _requests_dir(pc: ProcessClass) -> str | None:
    """The directory whose Options mod_fcgid checks for the class's requests (``fcgid_handler``,
    mod_fcgid.c L194: ExecCGI there, unless the URL was ScriptAliased): the FcgidWrapper's <Directory>,
    or the directory of the program an Action reaches."""
    if pc.kind == "action":
        return None if pc.script_aliased else (posixpath.dirname(pc.command) or "/")
    return _directory_of(pc.directive) if pc.directive is not None else None


def _directory_of(placed: Placed) -> str | None:
    """The path of the innermost <Directory> around a directive, if it is a plain path."""
    for section, _file in reversed(placed.containers):
        if section.key == "directory":
            args = [a.value for a in section.open.args]
            if len(args) != 1 or args[0] == "~" or is_placeholder(args[0]) or "${" in args[0]:
                return None
            return args[0].rstrip("/") or "/"
    return None


_UNKNOWN = -1


def _applies(options: Placed, placed: Placed, path: str) -> int | None:
    """Merge rank of an Options directive for requests under ``path``: None when it does not
    apply, :data:`_UNKNOWN` when its section cannot be placed (a variable or placeholder)."""
    if options.vhost is not None and options.vhost is not placed.vhost:
        return None
    rank = 0
    for section, _file in options.containers:
        if section.key == "directory":
            raw = section.open.args[0].value if section.open.args else "~"
            if raw == "~":
                return None
            if "${" in raw or is_placeholder(raw):
                return _UNKNOWN
            arg = raw.rstrip("/")
            if arg and not (path == arg or path.startswith(arg + "/")):
                return None
            rank = max(rank, arg.count("/") + 1)
        elif section.key in ("files", "filesmatch"):
            if not _section_matches(options, _SAMPLE):
                return None
            rank = max(rank, 1000)  # <Files> sections are merged after every <Directory>
        else:
            return None  # <Location> and the like: not modelled, stay silent
    return rank


class OptionsIndex:
    """The tree's Options lines by vhost and by the path of their <Directory>, so that each class looks
    only at the lines of its own vhost and the main server whose directory is its path or a parent
    of it: comparing every class with every Options line made a 5,000-site tree quadratic."""

    def __init__(self, tree: ConfigTree) -> None:
        self.lines: dict[tuple[int, str | None], list[tuple[int, Placed]]] = {}
        for order, options in enumerate(tree.named("Options")):
            self.lines.setdefault((id(options.vhost), _directory_key(options)), []).append((order, options))

    def candidates(self, placed: Placed, path: str) -> list[tuple[int, Placed]]:
        """A superset of the Options lines that apply under ``path`` (``_applies`` decides), in config order."""
        keys = {None, "", path, *(path[:cut] for cut, char in enumerate(path) if char == "/")}
        scopes = {id(None), id(placed.vhost)}
        return sorted(item for scope in scopes for key in keys for item in self.lines.get((scope, key), ()))


def _directory_key(options: Placed) -> str | None:
    """The plain path of the <Directory> around an Options line as ``_applies`` compares it; None when
    there is none or it cannot be placed (every class then considers the line)."""
    for section, _file in options.containers:
        if section.key == "directory":
            raw = section.open.args[0].value if section.open.args else "~"
            return None if raw == "~" or "${" in raw or is_placeholder(raw) else raw.rstrip("/")
    return None


def _options_for(index: OptionsIndex, placed: Placed, path: str) -> tuple[bool, Placed | None] | None:
    """Whether ExecCGI is on for ``path``, and the Options line that decided; None if unknowable."""
    ranked = [
        (rank, o.vhost is not None, i, o)
        for i, o in index.candidates(placed, path)
        if (rank := _applies(o, placed, path)) is not None
    ]
    if any(rank == _UNKNOWN for rank, *_ in ranked):
        return None
    enabled, last = False, None
    for _rank, _in_vhost, _i, options in sorted(ranked, key=lambda r: r[:3]):
        words = [w.lower() for w in options.args]
        if not words or any(is_placeholder(w) for w in words):
            return None
        signed = [w[0] in "+-" for w in words]
        if any(signed) and not all(signed):
            return None  # httpd 2.4 refuses the mix; FCG007 territory, not ours
        if not any(signed):
            enabled = any(w in ("all", "execcgi") for w in words)
        elif "+execcgi" in words or "+all" in words:
            enabled = True
        elif "-execcgi" in words:
            enabled = False
        last = options
    return enabled, last
