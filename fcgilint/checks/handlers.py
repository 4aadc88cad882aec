"""Checks on how requests for .php reach mod_fcgid at all (FCG009)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from fcgilint.checks import Hit, check
from fcgilint.findings import Related, Severity
from fcgilint.load.apache_tree import ConfigTree, Placed
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
