"""Checks on single directives as httpd reads them (FCG000, FCG006, FCG007, FCG013)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fcgilint import knowledge
from fcgilint.checks.registry import Hit, check
from fcgilint.findings import Edit, Fix, Severity
from fcgilint.knowledge import ArgKind, Context
from fcgilint.load.apache_syntax import Node, Section
from fcgilint.httpd_directives import OVERRIDES
from fcgilint.load.apache_tree import ConfigTree, Placed, Refused, ifmodule_key
from fcgilint.load.paths import WINDOWS_PATH
from fcgilint.templates import is_placeholder
from fcgilint.model import Model, atol, environ_entry, equals_form
from fcgilint.source import Location


@check("FCG000")
def load_problems(model: Model) -> Iterator[Hit]:
    """Missing includes, include loops and unreadable files: part of the tree is unseen."""
    if model.tree is None:
        return
    for problem in model.tree.problems:
        if problem.kind != "syntax":
            yield Hit(problem.location, problem.message, refused=True)


@check("FCG006")
def legacy_name(model: Model) -> Iterator[Hit]:
    """Pre-2.3.2 directive names still work but hide the documented name."""
    if model.tree is None:
        return
    for placed in model.tree.directives:
        directive = knowledge.lookup(placed.name)
        if directive is None or not knowledge.is_legacy(placed.name):
            continue
        line = placed.line
        edit = Edit(placed.file.source.display, line.name_start, line.name_start + len(line.name), directive.name)
        fix = Fix(f"rename {placed.name} to {directive.name}", [edit], safe=True)
        yield Hit(
            placed.location,
            f"{placed.name} is the pre-2.3.2 name of {directive.name}; httpd still accepts it, but use "
            f"{directive.name}",
            fix=fix,
        )


@check("FCG007")
def rejected_or_misread(model: Model) -> Iterator[Hit]:
    """What httpd refuses at start-up or silently reads differently from what was meant."""
    if model.tree is None:
        return
    for problem in model.tree.problems:
        if problem.kind == "syntax":
            yield Hit(problem.location, f"httpd refuses this: {problem.message}", refused=True)
    yield from (_refused_in_htaccess(r) for r in model.tree.refused)
    for placed in model.tree.directives:
        directive = knowledge.lookup(placed.name)
        yield from _trailing_comment(placed)
        if directive is not None:
            yield from _arity(placed, directive)
            yield from _context(placed, directive)
            yield from _value(placed, directive)
            if directive.key == "fcgidwrapper":
                yield from _wrapper_args(placed)
            if directive.key == "fcgidinitialenv" and equals_form(placed):
                yield _initenv_equals(placed)


def _trailing_comment(placed: Placed) -> Iterator[Hit]:
    """A '#' after a directive: httpd refuses the line when the words exceed what the directive
    takes, and otherwise silently reads them as more values (``AddHandler fcgid-script .fcgi # x``
    maps ``.#`` and ``.x`` too); which of the two is only known for directives whose arity we know."""
    args = placed.line.args
    index = next((i for i, a in enumerate(args) if i > 0 and a.value.startswith("#") and not a.quoted), None)
    if index is None:
        return
    tail = " ".join(a.value for a in args[index:])
    fix = _move_comment_fix(placed, index)
    known = knowledge.arity(placed.name)
    opening = f"'{tail}' is not a comment: httpd only starts comments at the beginning of a line"
    if known is not None and 0 <= known[1] < len(args):
        yield Hit(placed.location, f"{opening}, so {placed.name} gets {len(args)} arguments and httpd refuses to start "
                  f"({placed.name} takes at most {known[1]})", fix=fix, refused=True)
    elif known is not None:
        words = ", ".join(dict.fromkeys(f"'{a.value}'" for a in args[index:]))
        what = f"maps the {known[2]} {words} to {placed.args[0]} too" if known[2] == "extensions" else (
            f"reads {words} as more {known[2]} of {placed.name}")
        yield Hit(placed.location, f"{opening}; httpd accepts the line and {what}", fix=fix, severity=Severity.WARNING)
    else:
        yield Hit(placed.location, f"{opening}, so these words are arguments of {placed.name}: httpd refuses the "
                  "line or silently reads a different value", fix=fix, severity=Severity.WARNING)


def _move_comment_fix(placed: Placed, index: int) -> Fix:
    """Move ``# text`` to its own line above the directive, with the same indentation."""
    text = placed.file.source.text
    line = placed.line
    comment_start = line.args[index].start
    cut_from = comment_start
    while cut_from > line.name_start and text[cut_from - 1] in " \t":
        cut_from -= 1
    end = line.args[-1].end
    indent = text[line.start : line.name_start]
    newline = "\r\n" if text[line.start : line.end].endswith("\r\n") else "\n"
    comment = text[comment_start:end]
    edits = [
        Edit(placed.file.source.display, line.start, line.start, f"{indent}{comment}{newline}"),
        Edit(placed.file.source.display, cut_from, end, ""),
    ]
    return Fix(f"move '{comment}' to its own line above {placed.name}", edits, safe=True)


def _arity(placed: Placed, directive: knowledge.Directive) -> Iterator[Hit]:
    count = len(placed.args)
    if any(a.startswith("#") for a in placed.args[1:]):
        return  # reported as a trailing comment, with a fix
    if is_placeholder(" ".join(placed.args)):
        return  # a template's "{{ name }}" is one value once rendered, however many words it has now
    low, high = directive.min_args, directive.max_args
    if count < low or (high >= 0 and count > high):
        want = f"{low}" if low == high else (f"{low}-{high}" if high >= 0 else f"at least {low}")
        extra = " ('=' is not Apache syntax)" if "=" in placed.args else ""
        yield Hit(
            placed.location,
            f"{placed.name} takes {want} argument(s), {count} given: httpd refuses to start{extra}",
            refused=True,
        )


def _refused_in_htaccess(refused: Refused) -> Hit:
    """A .htaccess line AllowOverride/AllowOverrideList does not allow (the loader took it out of the tree)."""
    placed = refused.placed
    where = next((s.open.args[0].value for s, _ in reversed(placed.containers) if s.open.args), "the directory")
    remedy = ("set it in the vhost's config" if placed.key not in OVERRIDES
              else "name it in that directory's AllowOverrideList, or set it in the vhost's config")
    name = refused.shown
    if refused.fatal:
        return Hit(placed.location, f"{name} not allowed here: {refused.reason}, so httpd answers every request "
                   f"under {where} with 500 ('{name} not allowed here') and no line of this file takes "
                   f"effect; {remedy}")
    return Hit(placed.location, f"{name} is ignored: {refused.reason}; AllowOverride Nonfatal makes httpd skip "
               f"it ('{name} in .htaccess forbidden by AllowOverride'); {remedy}", severity=Severity.WARNING)


def _context(placed: Placed, directive: knowledge.Directive) -> Iterator[Hit]:
    if placed.in_directory and directive.context in (Context.SERVER, Context.SERVER_VHOST):
        section = placed.containers[-1][0].open.name
        yield Hit(
            placed.location, f"{placed.name} not allowed in <{section}> context: httpd refuses to start", refused=True
        )
    elif placed.vhost is not None and directive.context is Context.SERVER:
        yield Hit(
            placed.location,
            f"{placed.name} cannot occur within <VirtualHost> section: httpd refuses to start",
            refused=True,
        )


def _value(placed: Placed, directive: knowledge.Directive) -> Iterator[Hit]:
    if len(placed.args) != 1 or is_placeholder(placed.args[0]) or "${" in placed.args[0]:
        return
    raw = placed.args[0]
    if directive.kind is ArgKind.BYTES_STRICT and not re.fullmatch(r"\d+", raw):
        yield Hit(
            placed.location,
            f"{placed.name} requires a non-negative integer (plain bytes, no K/M/G suffix); '{raw}' makes httpd refuse "
            "to start",
            refused=True,
        )
    elif directive.kind is ArgKind.SECONDS_POSITIVE and (atol(raw) or 0) <= 0:
        yield Hit(
            placed.location, f"{placed.name} must be greater than 0; '{raw}' makes httpd refuse to start", refused=True
        )
    elif directive.kind in (ArgKind.ATOL, ArgKind.SECONDS_POSITIVE) and not re.fullmatch(r"-?\d+", raw.strip()):
        read = re.match(r"\s*-?\d+", raw)
        value = read.group(0).strip() if read else "0"
        yield Hit(
            placed.location,
            f"{placed.name} '{raw}' is read with atol() as {value}"
            + (" (unlimited)" if value == "0" and directive.key == "fcgidmaxrequestsperprocess" else "")
            + "; write the plain number",
        )
    elif directive.kind is ArgKind.FLAG and raw.lower() not in ("on", "off"):
        yield Hit(placed.location, f"{placed.name} must be On or Off; httpd refuses '{raw}'", refused=True)


def _wrapper_args(placed: Placed) -> Iterator[Hit]:
    args = placed.args
    if is_placeholder(" ".join(args)):
        return  # the words of an unrendered template tag are not the suffix httpd will see
    if (
        len(args) >= 2
        and args[1] != "virtual"
        and (not args[1].startswith(".") or args[1] == "." or "/" in args[1] or "\\" in args[1])
    ):
        yield Hit(
            placed.location,
            f"Invalid wrapper file extension '{args[1]}': it must start with '.' and contain no slash",
            refused=True,
        )
    if len(args) == 3 and args[2] != "virtual":
        yield Hit(placed.location, f"Invalid wrapper flag '{args[2]}': only 'virtual' is allowed", refused=True)


def _initenv_equals(placed: Placed) -> Hit:
    """``FcgidInitialEnv NAME=value``: httpd accepts one argument, and the variable is not what was meant."""
    word = placed.args[0]
    name, value = environ_entry(word, "")
    arg = placed.line.args[0]
    fix = None
    if not arg.quoted and "=" in placed.file.source.text[arg.start : arg.end]:
        cut = placed.file.source.text.index("=", arg.start, arg.end)
        edit = Edit(placed.file.source.display, cut, cut + 1, " ")
        fix = Fix(f"write {placed.name} {word.replace('=', ' ', 1)}", [edit], safe=True)
    message = (f"{placed.name} {word} is one argument: mod_fcgid stores a variable named '{word}' with an empty value, "
               f"and php-cgi's environment gets {name}='{value}' (with a trailing '='); write the name and the value "
               "as two words")
    return Hit(placed.location, message, fix=fix, severity=Severity.WARNING)


@check("FCG013")
def connect_timeout(model: Model) -> Iterator[Hit]:
    """FcgidConnectTimeout is only read on Windows (fcgid_proc_win.c)."""
    if model.tree is None:
        return
    if _for_windows(model.tree):
        return  # there it bounds the connect to a starting process: it does take effect
    for placed in model.tree.named("FcgidConnectTimeout", "IPCConnectTimeout"):
        yield Hit(placed.location, f"{placed.name} has no effect on Unix: mod_fcgid reads it only on Windows")


def _for_windows(tree: ConfigTree) -> bool:
    """The configuration names Windows paths (``D:/Apache24``) or programs (``php-cgi.exe``)."""
    names = ("ServerRoot", "LoadModule", "Include", "IncludeOptional", "DocumentRoot", "FcgidWrapper", "FCGIWrapper")
    words = [tree.server_root, *(a for d in tree.named(*names) for a in d.args)]
    return any(WINDOWS_PATH.match(w) or w.lower().split(" ")[0].endswith(".exe") for w in words)


@check("FCG016")
def ifmodule_never_matches(model: Model) -> Iterator[Hit]:
    """``<IfModule mod_fcgid>`` matches no module: httpd silently skips (or, negated, always keeps) it."""
    if model.tree is None:
        return
    for display, parsed in model.tree.files.items():
        for section in _sections(parsed.tree):
            if section.key != "ifmodule" or not section.open.args:
                continue
            arg = section.open.args[0]
            negated = arg.value.startswith("!")
            name = arg.value[1:] if negated else arg.value
            if ifmodule_key(name) is not None:
                continue
            right = _module_spelling(name)
            effect = "is always used" if negated else "is always skipped"
            start = arg.start + (1 if negated and not arg.quoted else 0)
            fix = Fix(
                f"write <IfModule {'!' if negated else ''}{right}>", [Edit(display, start, arg.end, right)], safe=False
            )
            yield Hit(
                Location(display, section.open.lineno),
                f"<IfModule {arg.value}> matches no module: httpd compares the name exactly with a module's source "
                "file "
                f"('{right}') or its identifier, so this section {effect}, whatever is loaded",
                fix=fix,
            )


def _sections(nodes: list[Node]) -> Iterator[Section]:
    for node in nodes:
        if isinstance(node, Section):
            yield node
            yield from _sections(node.children)


def _module_spelling(name: str) -> str:
    """The source-file spelling httpd matches: ``mod_fcgid`` and ``fcgid`` become ``mod_fcgid.c``."""
    stem = name.lower().removesuffix(".c").removesuffix("_module")
    return f"{stem if stem.startswith('mod_') else 'mod_' + stem}.c"
