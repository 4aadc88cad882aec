"""Checks on what a request meets on its way to php-cgi: directives httpd cannot run (FCG018)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from fcgilint.checks.registry import Hit, check
from fcgilint.findings import Related, Severity
from fcgilint.load.apache_syntax import ParsedFile
from fcgilint.load.apache_tree import ConfigTree, Placed
from fcgilint.model import Model
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
    names = {".htaccess"} | {a for d in tree.named("AccessFileName") for a in d.args}
    return posixpath.basename(placed.location.file.replace("\\", "/")) in names


def _states_modules(tree: ConfigTree) -> bool:
    """True when the loaded files list their modules, so a missing LoadModule means a missing module."""
    return bool(tree.named("LoadModule"))


def _runs_php_through_fcgid(model: Model, placed: Placed, htaccess: bool) -> list[Related]:
    """Where PHP requests of the directive's scope go to php-cgi instead of mod_php."""
    found = []
    for pc in model.classes:
        if pc.is_php and pc.directive is not None and (htaccess or placed.vhost in (None, pc.vhost)):
            found.append(Related(pc.directive.location, f"PHP runs as php-cgi here ({pc.label})"))
    return found[:3]


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


@check("FCG018")
def php_directive_without_mod_php(model: Model) -> Iterator[Hit]:
    """php_value and its kin belong to mod_php; under mod_fcgid they break the site or do nothing."""
    tree = model.tree
    if tree is None:
        return
    loaded = bool(tree.modules & PHP_DIRECTIVE_MODULES)
    stated = _states_modules(tree)
    branches: dict[str, list[int]] = {}
    for placed in tree.named(*PHP_DIRECTIVES):
        if _in_template_branch(branches, placed.file, placed.line.lineno):
            continue  # rendered only for some set-ups; the panel decides, not this file
        htaccess = is_htaccess(tree, placed)
        remedy = _remedy(placed)
        if loaded:
            yield from _no_effect(model, placed, htaccess, remedy)
        elif stated:
            yield Hit(placed.location, f"{placed.name} is a mod_php directive and mod_php is not loaded: "
                      f"{_failure(placed, htaccess)}; {remedy}")
        elif htaccess or _uses_fcgid(tree):
            yield Hit(placed.location, f"{placed.name} is a mod_php directive, and the loaded files load no mod_php "
                      f"(no LoadModule lines; '-M php' states it): without mod_php {_failure(placed, htaccess)}; "
                      f"where mod_fcgid runs PHP, php-cgi never sees the value either way; {remedy}",
                      severity=Severity.WARNING)


def _no_effect(model: Model, placed: Placed, htaccess: bool, remedy: str) -> Iterator[Hit]:
    """mod_php is loaded, so httpd accepts the line; it only reaches PHP that mod_php runs."""
    where = _runs_php_through_fcgid(model, placed, htaccess)
    if htaccess and placed.key.startswith("php_admin"):
        yield Hit(placed.location, f"{placed.name} is not allowed in .htaccess files: every request where httpd reads "
                  f"this file fails with 500 Internal Server Error ('{placed.name} not allowed here'); {remedy}")
    elif where:
        yield Hit(placed.location, f"{placed.name} is read by mod_php, but PHP requests here go to php-cgi through "
                  f"mod_fcgid, which never sees it: the setting has no effect; {remedy}", where,
                  severity=Severity.WARNING)
