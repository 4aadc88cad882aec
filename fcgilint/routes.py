"""Which handler httpd gives a request for a PHP file, per virtual host.

httpd decides a request's handler from the per-directory configuration merged for
its file: the server defaults (main server, then the vhost), ``<Directory>``
sections from the shortest path to the longest, ``<DirectoryMatch>``, then
``<Files>``/``<FilesMatch>``, then ``<Location>``/``<LocationMatch>``, each group in
config order with the vhost's sections after the main server's
(``ap_core_reorder_directories`` and ``ap_directory_walk`` in httpd's
``server/request.c``). Within that merge ``SetHandler`` (core, applied in the
fixups phase) beats the ``AddHandler`` mapping of the file's extension
(mod_mime, case-insensitive); a later ``SetHandler None`` or ``RemoveHandler``
takes a handler back. A handler no loaded module serves falls back to httpd's
default handler, which sends the file itself: the PHP source.

The request is modelled at the vhost's ``DocumentRoot`` (the first page an
admin asks about); sections that cannot be placed (a variable, ``<If>``) are
stated in the route's steps rather than guessed.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from fcgilint import regexes
from fcgilint.load.apache_tree import ConfigTree, Placed, VHost
from fcgilint.load.wrapper import is_placeholder

PHP_MODULES = frozenset({"php", "php5", "php7", "php8"})
DEFAULT_DOCUMENT_ROOT = "/usr/local/apache2/htdocs"  # httpd's compiled-in DOCUMENT_LOCATION
_PHASES = {"directory": 1, "directorymatch": 2, "files": 3, "filesmatch": 3, "location": 4, "locationmatch": 4}


@dataclass(frozen=True)
class Route:
    """The handler a PHP file gets in one scope, the line that decided it, and what runs it."""

    file: str  # the file name asked about (index.php, INDEX.PHP, ...)
    directory: str  # the directory it is asked for (the DocumentRoot)
    handler: str | None  # None: no handler, httpd's default handler sends the file
    decided_by: Placed | None
    runner: str  # "mod_fcgid" | "mod_php" | "Action <url>" | "mod_proxy_fcgi" | "source"
    wrapper: Placed | None = None  # the FcgidWrapper that mod_fcgid starts for it
    steps: list[str] = field(default_factory=list)
    action: Placed | None = None  # the Action line that sends the request on, when runner is "Action <url>"

    @property
    def exposes_source(self) -> bool:
        """httpd answers the request with the PHP file's own text."""
        return self.runner == "source"


def document_root(tree: ConfigTree, vhost: VHost | None) -> tuple[str, Placed | None]:
    """The DocumentRoot in force for a scope (vhost, else main server, else httpd's default)."""
    for scope in ([vhost] if vhost is not None else []) + [None]:
        found = [d for d in tree.scoped(("DocumentRoot",), scope) if d.args and not d.in_directory]
        if found:
            return found[-1].args[0].rstrip("/") or "/", found[-1]
    return DEFAULT_DOCUMENT_ROOT, None


def _applies(placed: Placed, vhost: VHost | None, directory: str, name: str) -> tuple[int, int] | None:
    """Merge phase and depth of a directive for ``directory/name``; None when it does not apply."""
    if placed.vhost is not None and placed.vhost is not vhost:
        return None
    phase, depth = 0, 0
    for section, _file in placed.containers:
        key = section.key
        args = [a.value for a in section.open.args]
        if key not in _PHASES or not args or any(is_placeholder(a) or "${" in a for a in args):
            return None  # <If>, <Proxy>, <Limit>, or a section we cannot place
        regex = key.endswith("match") or args[0] == "~"
        pattern = args[-1]
        if key.startswith("directory"):
            if not _directory_matches(pattern, directory, regex):
                return None
            depth = max(depth, pattern.rstrip("/").count("/") + 1)
            phase = max(phase, 2 if regex else 1)
        elif key.startswith("files"):
            if not _matches(pattern, name, regex):
                return None
            phase = max(phase, 3)
        elif not _matches(pattern, "/" + name, regex, prefix=True):
            return None
        else:
            phase = max(phase, 4)
    return phase, depth


def _directory_matches(pattern: str, directory: str, regex: bool) -> bool:
    if regex:
        return _search(pattern, directory + "/")
    base = pattern.rstrip("/")
    return directory == base or directory.startswith(base + "/") or fnmatch.fnmatchcase(directory, base)


def _matches(pattern: str, text: str, regex: bool, prefix: bool = False) -> bool:
    if regex:
        return _search(pattern, text)
    if prefix:
        base = pattern.rstrip("/")
        return not base or text == base or text.startswith(base + "/")
    return fnmatch.fnmatchcase(text, pattern)


def _search(pattern: str, text: str) -> bool:
    return regexes.search(pattern, text) is True  # time-bounded: a config's regex may backtrack for minutes


def _merged(tree: ConfigTree, names: tuple[str, ...], vhost: VHost | None, directory: str, file: str) -> list[Placed]:
    """The directives that apply, in httpd's merge order (the last one wins).

    ``<Files>`` nested in a ``<Directory>`` is appended to the server's ``<Files>`` list
    by the directory merge, so it comes after every top-level one."""
    ranked = []
    for index, placed in enumerate(tree.visible(names, vhost)):  # not every vhost's lines: linear in vhosts
        rank = _applies(placed, vhost, directory, file)
        if rank is not None:
            phase, depth = rank
            nested = phase == 3 and any(s.key.startswith("directory") for s, _ in placed.containers)
            order = (phase, depth if phase == 1 else 0, nested, placed.vhost is not None and phase > 0, index)
            ranked.append((order, placed))
    return [placed for _rank, placed in sorted(ranked, key=lambda r: r[0])]


def _extension_handler(tree: ConfigTree, vhost: VHost | None, directory: str, file: str) -> Placed | None:
    """mod_mime: the AddHandler of the file's last extension still in force (RemoveHandler clears it)."""
    ext = file.rsplit(".", 1)[-1].lower() if "." in file else ""
    chosen: Placed | None = None
    for placed in _merged(tree, ("AddHandler", "RemoveHandler"), vhost, directory, file):
        words = placed.args[1:] if placed.key == "addhandler" else placed.args
        if any(w.lower().lstrip(".") == ext for w in words):
            chosen = placed if placed.key == "addhandler" else None
    return chosen


def php_route(tree: ConfigTree, vhost: VHost | None, file: str = "index.php", directory: str | None = None) -> Route:
    """The handler ``file`` gets in ``directory`` (default: the scope's DocumentRoot), and what serves it."""
    directory = directory if directory is not None else document_root(tree, vhost)[0]
    steps: list[str] = []
    decided: Placed | None = None
    handler: str | None = None
    sets = _merged(tree, ("SetHandler",), vhost, directory, file)
    if sets and sets[-1].args and sets[-1].args[0].lower() != "none":
        decided = sets[-1]
        handler = decided.args[0]
        steps.append(f"{decided.location}: SetHandler {handler} applies to {file} and beats any AddHandler")
    else:
        if sets:
            steps.append(f"{sets[-1].location}: SetHandler None takes back any SetHandler")
        decided = _extension_handler(tree, vhost, directory, file)
        handler = decided.args[0] if decided and decided.args else None
        if decided is not None:
            steps.append(f"{decided.location}: AddHandler {handler} maps the extension of {file}")
    runner, action = _runner(tree, vhost, directory, file, handler, steps)
    wrapper = fcgid_wrapper(tree, vhost, directory, file) if runner == "mod_fcgid" else None
    if runner == "mod_fcgid":
        steps.append(f"{wrapper.location}: mod_fcgid starts {wrapper.args[0]}" if wrapper else
                     f"no FcgidWrapper matches {file}: mod_fcgid runs the file itself as a FastCGI program")
    return Route(file, directory, handler, decided, runner, wrapper, steps, action)


def _runner(
    tree: ConfigTree, vhost: VHost | None, directory: str, file: str, handler: str | None, steps: list[str]
) -> tuple[str, Placed | None]:
    """Which module serves the handler (and the Action line, for an Action); the source when none does."""
    if handler is None:
        steps.append(f"no handler for {file}: httpd's default handler sends the file itself")
        return "source", None
    key = handler.lower()
    if key == "fcgid-script" and "fcgid" in tree.modules:
        return "mod_fcgid", None
    if key.startswith("proxy:"):
        return "mod_proxy_fcgi", None  # another FastCGI server (php-fpm); fcgilint does not model it
    if "actions" in tree.modules:
        actions = [a for a in _merged(tree, ("Action",), vhost, directory, file) if a.args and a.args[0].lower() == key]
        if actions and len(actions[-1].args) > 1:
            steps.append(f"{actions[-1].location}: Action {handler} sends the request to {actions[-1].args[1]}")
            return f"Action {actions[-1].args[1]}", actions[-1]
    if key.startswith("application/x-httpd-php") and not key.endswith("-source") and tree.modules & PHP_MODULES:
        return "mod_php", None
    steps.append(f"no loaded module serves the handler {handler}: httpd's default handler sends the file itself")
    return "source", None


_ALIASES = ("Alias", "ScriptAlias")


def url_path(tree: ConfigTree, vhost: VHost | None, url: str) -> tuple[str, Placed | None]:
    """The file a URL-path maps to, and the Alias/ScriptAlias line that mapped it (None: the DocumentRoot).

    mod_alias tries the vhost's aliases before the main server's (``merge_alias_config`` puts the
    overrides first) and takes the first one that matches in each list (``try_alias_list``); a
    match is a prefix ending at a path segment (``alias_matches``), and the rest of the URL is
    appended to the target. ``AliasMatch``/``ScriptAliasMatch`` and the one-argument form inside
    ``<Location>`` are not followed: the URL then maps below the DocumentRoot, as stated in the step.
    """
    for scope in ([vhost] if vhost is not None else []) + [None]:
        for placed in tree.scoped(_ALIASES, scope):
            if placed.in_directory or len(placed.args) < 2:
                continue
            rest = _alias_rest(placed.args[0], url)
            if rest is not None:
                return placed.args[1].rstrip("/") + rest if rest else placed.args[1], placed
    return document_root(tree, vhost)[0].rstrip("/") + "/" + url.lstrip("/"), None


def _alias_rest(fake: str, url: str) -> str | None:
    """What is left of ``url`` after the alias prefix ``fake`` (runs of slashes count as one), or None."""
    fake, url = _squeeze(fake), _squeeze(url)
    if not url.startswith(fake):
        return None
    rest = url[len(fake):]
    if fake.endswith("/"):
        return "/" + rest if rest else ""
    return rest if not rest or rest.startswith("/") else None


def _squeeze(path: str) -> str:
    while "//" in path:
        path = path.replace("//", "/")
    return path


def fcgid_wrapper(tree: ConfigTree, vhost: VHost | None, directory: str, file: str) -> Placed | None:
    """The FcgidWrapper for the file: mod_fcgid looks up the file's extension exactly (case-sensitive)
    in the merged wrappers, then the suffix-less one (``get_wrapper_info``, fcgid_conf.c)."""
    extension = "." + file.rsplit(".", 1)[-1] if "." in file else None
    by_suffix: dict[str | None, Placed] = {}
    for placed in _merged(tree, ("FcgidWrapper", "FCGIWrapper"), vhost, directory, file):
        suffix = placed.args[1] if len(placed.args) > 1 and placed.args[1].startswith(".") else None
        by_suffix[suffix] = placed
    return by_suffix.get(extension) or by_suffix.get(None)
