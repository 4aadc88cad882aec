"""Directives httpd does not know with the modules loaded (FCG030).

httpd looks every directive up in the command tables of the loaded modules and refuses to start
on one it cannot find ("Invalid command"); in a .htaccess the request fails with a 500. The table
of what httpd and its standard modules define is generated from httpd itself
(:mod:`fcgilint.httpd_directives`). A tree that lists its modules (LoadModule lines) is judged
exactly, unless it loads a module the table does not know; a fragment only for near-misses of a
known name.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from fcgilint.checks.registry import Hit, tree_check
from fcgilint.checks.request_path import PHP_DIRECTIVES, is_htaccess
from fcgilint.findings import Severity
from fcgilint.httpd_directives import DIRECTIVES, HTTPD_VERSION
from fcgilint.load.apache_syntax import Node, ParsedFile, Section
from fcgilint.load.apache_tree import ConfigTree, Placed, ifmodule_key, module_key
from fcgilint.load.wrapper import is_placeholder
from fcgilint.model import Model

#: Modules compiled into Debian's httpd (``apache2 -l``): loaded without a LoadModule line.
STATIC_MODULES = frozenset({"core", "so", "watchdog", "http_core", "log_config", "logio", "version", "unixd"})
#: Directives of the MPMs: whichever MPM is loaded defines its own; not judged per module.
_MPM_SOURCES = frozenset({"event.c", "prefork.c", "worker.c"})
#: Source files not named after their module.
_SOURCE_MODULE = {"util_ldap.c": "ldap", "core.c": "core", "http_core.c": "http_core"}
#: How close an unknown name must be to a known one to be called its misspelling.
_TYPO_CUTOFF = 0.85
_PHP = frozenset(d.lower() for d in PHP_DIRECTIVES)
#: Share of known directive names above which a file is configuration, not prose.
_CONFIG_SHARE = 0.8


def module_of(source: str) -> str:
    """``mod_rewrite.c`` -> ``rewrite``: the key LoadModule gives the same module."""
    return _SOURCE_MODULE.get(source, source.removesuffix(".c").removeprefix("mod_"))


_KNOWN_MODULES = frozenset(module_of(s) for s in DIRECTIVES.values()) | {"mpm_event", "mpm_prefork", "mpm_worker"}


def _loaded(tree: ConfigTree) -> set[str] | None:
    """Modules a whole server configuration loads (plus the compiled-in ones); None for a part of one.

    A whole configuration loads its MPM (or, where the MPM is compiled in, says where to listen);
    a conf.d file with one LoadModule line does not tell what the main file loads.
    """
    named = {module_key(d.args[0]) for d in tree.named("LoadModule") if d.args}
    whole = any(m.startswith("mpm_") for m in named) or (named and tree.named("Listen"))
    return named | STATIC_MODULES if whole else None


def _config_like(parsed: ParsedFile) -> bool:
    """Whether a file reads as configuration: most of its directive names are known ones.

    A README, a wiki page or a Puppet manifest checked as a config yields prose words as
    directive names; those are not typos to report.
    """
    names = [line.key for line in parsed.lines if line.name and not line.template]
    unknown = sum(1 for name in names if name not in DIRECTIVES and name not in _PHP)
    return unknown <= max(1.0, (1 - _CONFIG_SHARE) * len(names))


def _conditions(parsed: ParsedFile) -> dict[int, list[str]]:
    """For each line of a file (by id), the ``<IfModule>`` arguments around it."""
    table: dict[int, list[str]] = {}

    def walk(nodes: list[Node], around: list[str]) -> None:
        for node in nodes:
            if isinstance(node, Section):
                inner = around + [node.open.args[0].value] if node.key == "ifmodule" and node.open.args else around
                walk(node.children, inner)
            else:
                table[id(node)] = around

    walk(parsed.tree, [])
    return table


class _Files:
    """What the check learns about each file once per run: its <IfModule> nesting, whether it is config."""

    def __init__(self) -> None:
        self._conditions: dict[str, dict[int, list[str]]] = {}
        self._config_like: dict[str, bool] = {}

    def conditions(self, parsed: ParsedFile) -> dict[int, list[str]]:
        display = parsed.source.display
        if display not in self._conditions:
            self._conditions[display] = _conditions(parsed)
        return self._conditions[display]

    def config_like(self, parsed: ParsedFile) -> bool:
        display = parsed.source.display
        if display not in self._config_like:
            self._config_like[display] = _config_like(parsed)
        return self._config_like[display]


def _read_by_httpd(files: _Files, placed: Placed, loaded: set[str]) -> bool:
    """Whether httpd reaches the line: its own file's <IfModule> tests hold for the modules loaded.

    The loader assumes a usual module set for <IfModule>; a tree that lists its modules is
    held to that list here, so a directive guarded by a module it does not load is not judged.
    """
    for test in files.conditions(placed.file).get(id(placed.line), []):
        negated = test.startswith("!")
        module = ifmodule_key(test.lstrip("!"))
        if module is None or (module in loaded) == negated:
            return False
    return True


def _judged(placed: Placed) -> bool:
    """A real directive name: not a template tag, placeholder or mod_php line (FCG018's)."""
    name = placed.name
    if placed.line.template or not name or is_placeholder(name) or any(c in name for c in "${}%<>@"):
        return False
    return placed.key not in _PHP


@tree_check("FCG030")
def unknown_directive(model: Model, tree: ConfigTree) -> Iterator[Hit]:
    """A directive no loaded module defines: httpd refuses to start (a .htaccess: every request a 500)."""
    loaded = _loaded(tree)
    exact = loaded is not None and loaded <= _KNOWN_MODULES
    files = _Files()
    for placed in tree.directives:
        if not _judged(placed) or (loaded is not None and not _read_by_httpd(files, placed, loaded)):
            continue
        source = DIRECTIVES.get(placed.key)
        if source is not None:
            if exact and loaded is not None and source not in _MPM_SOURCES and module_of(source) not in loaded:
                yield _missing_module(tree, placed, module_of(source))
        elif not files.config_like(placed.file):
            continue
        elif exact:
            yield Hit(placed.location, f"{_failure(tree, placed)}: no module loaded here defines {placed.name}"
                      f"{_guess(placed.key)}")
        elif (guess := _guess(placed.key)) != "":
            yield Hit(placed.location, f"{placed.name} is not a directive of httpd or its standard modules "
                      f"({HTTPD_VERSION}){guess}; misspelled, httpd refuses to start", severity=Severity.WARNING)


def _failure(tree: ConfigTree, placed: Placed) -> str:
    said = f"Invalid command '{placed.name}', perhaps misspelled or defined by a module not included"
    if is_htaccess(tree, placed):
        return f"every request where httpd reads this file fails with 500 Internal Server Error ({said})"
    return f"httpd refuses to start ({said})"


def _missing_module(tree: ConfigTree, placed: Placed, module: str) -> Hit:
    return Hit(placed.location, f"{placed.name} is a directive of mod_{module}, which this configuration does not "
               f"load: {_failure(tree, placed)}; add 'LoadModule {module}_module modules/mod_{module}.so' "
               f"(a2enmod {module}) or wrap the line in <IfModule mod_{module}.c>")


def _guess(key: str) -> str:
    close = difflib.get_close_matches(key, DIRECTIVES.keys(), n=1, cutoff=_TYPO_CUTOFF)
    return f" (did you mean {close[0]}?)" if close else ""
