"""Checks on how requests for .php reach mod_fcgid at all (FCG009)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from fcgilint.checks.registry import Hit, check
from fcgilint.findings import Related, Severity
from fcgilint.load.apache_tree import ConfigTree, Placed
from fcgilint.templates import is_placeholder
from fcgilint.model import Model

_PHP_MODULES = {"php", "php5", "php7", "php8"}
_SAMPLE = "index.php"


def _section_matches(placed: Placed, name: str) -> bool:
    """True if every <Files>/<FilesMatch> around the directive matches the file name."""
    for section, _file in placed.containers:
        args = [a.value for a in section.open.args]
        key = section.key
        if key in ("filesmatch",) or (key == "files" and args[:1] == ["~"]):
            pattern = args[-1] if args else ""
            try:
                if not re.search(pattern, name):
                    return False
            except re.error:
                return False
        elif key == "files" and args and not fnmatch.fnmatchcase(name, args[0]):
            return False
    return True


def _fcgid_for_php(tree: ConfigTree) -> list[Placed]:
    adds = [d for d in tree.named("AddHandler") if d.args and d.args[0].lower() == "fcgid-script" and any(a.lower().lstrip(".") == "php" for a in d.args[1:])]
    wrappers = [d for d in tree.named("FcgidWrapper", "FCGIWrapper") if len(d.args) > 1 and d.args[1].lower() == ".php"]
    return adds + wrappers


@check("FCG009")
def php_source_exposed(model: Model) -> Iterator[Hit]:
    """A handler that beats AddHandler, or a case-sensitive wrapper suffix, lets PHP bypass mod_fcgid."""
    tree = model.tree
    if tree is None:
        return
    intents = _fcgid_for_php(tree)
    if not intents:
        return
    yield from _overriding_handlers(tree, intents)
    yield from _case_sensitive_suffix(tree)


def _overriding_handlers(tree: ConfigTree, intents: list[Placed]) -> Iterator[Hit]:
    if tree.modules & _PHP_MODULES:
        return
    fcgid_sets = [d for d in tree.named("SetHandler") if d.args and d.args[0].lower() == "fcgid-script" and _section_matches(d, _SAMPLE)]
    actions = {d.args[0].lower() for d in tree.named("Action") if d.args and "actions" in tree.modules}
    for placed in tree.named("SetHandler"):
        handler = placed.args[0].lower() if placed.args else ""
        if not handler.startswith("application/x-httpd-php") or handler.endswith("-source") or handler in actions:
            continue
        if not _section_matches(placed, _SAMPLE) or fcgid_sets:
            continue
        yield Hit(
            placed.location,
            f"SetHandler {placed.args[0]} applies to .php files and beats 'AddHandler fcgid-script .php' (SetHandler wins over AddHandler); with no module or Action for that handler, httpd serves PHP source code as plain text. Disable this file (e.g. a2disconf php*-cgi) or route .php with 'SetHandler fcgid-script' in a matching <FilesMatch>",
            [Related(i.location, "mod_fcgid is meant to run .php here") for i in intents[:3]],
        )


def _scope_key(placed: Placed) -> tuple[int, tuple[int, ...]]:
    """Identity of the vhost and per-directory sections a directive sits in."""
    return id(placed.vhost), tuple(id(section) for section, _ in placed.containers)


def _case_sensitive_suffix(tree: ConfigTree) -> Iterator[Hit]:
    adds = [d for d in tree.named("AddHandler") if d.args and d.args[0].lower() == "fcgid-script"]
    wrappers = tree.named("FcgidWrapper", "FCGIWrapper")
    catch_all = {_scope_key(w) for w in wrappers if w.args[1:2] in ([], ["virtual"]) and w.args}
    for placed in wrappers:
        if len(placed.args) < 2 or not placed.args[1].startswith("."):
            continue
        suffix = placed.args[1]
        if _scope_key(placed) in catch_all:
            continue
        add = next((a for a in adds if any(x.lower().lstrip(".") == suffix.lower().lstrip(".") for x in a.args[1:])), None)
        if add is None:
            continue
        yield Hit(
            placed.location,
            f"FcgidWrapper only matches the suffix {suffix} case-sensitively, while 'AddHandler fcgid-script' matches any case: a request for x{suffix.upper()} gets the fcgid-script handler but no wrapper, and mod_fcgid tries to run the script file itself. Add a suffix-less FcgidWrapper or route by <FilesMatch> with SetHandler",
            [Related(add.location, "AddHandler (case-insensitive)")],
            severity=Severity.WARNING,
        )


@check("FCG017")
def execcgi_missing(model: Model) -> Iterator[Hit]:
    """mod_fcgid answers 403 where the directory's Options lack ExecCGI."""
    tree = model.tree
    if tree is None:
        return
    for pc in model.classes:
        placed = pc.directive
        path = _directory_of(placed) if placed is not None else None
        if placed is None or path is None or placed.vhost is not pc.vhost:
            continue
        options = _options_for(tree, placed, path)
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
    if options.vhost not in (None, placed.vhost):
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


def _options_for(tree: ConfigTree, placed: Placed, path: str) -> tuple[bool, Placed | None] | None:
    """Whether ExecCGI is on for ``path``, and the Options line that decided; None if unknowable."""
    ranked = [(rank, o.vhost is not None, i, o) for i, o in enumerate(tree.named("Options")) if (rank := _applies(o, placed, path)) is not None]
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
