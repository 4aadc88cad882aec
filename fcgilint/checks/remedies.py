"""Remedies for the limit rules (FCG001-FCG005), computed from the model beside the checks that attach them.

A mod_fcgid server value is changed where it takes effect for the class and no
wider: the directive in force when it is in the class's own scope, else a new
line in the narrowest section (the virtual host, or the main server next to the
other mod_fcgid directives). Several classes can share that place, so the new
value is the one that satisfies all of them (the smallest request limit, the
largest timeout or body size), and the description says which classes decided.

Every edit is a span of ``SourceFile.text``; nothing here touches the disk.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fcgilint import knowledge
from fcgilint.findings import Edit, Fix
from fcgilint.knowledge import INT_MAX
from fcgilint.load.apache_syntax import Kind, Line, Section
from fcgilint.load.apache_tree import ConfigTree, Placed, VHost, ifmodule_key
from fcgilint.load.wrapper import Setting
from fcgilint.model import CMDOPTION_OF, Model, Place, ProcessClass, Value, place_of, server_value
from fcgilint.source import Location, SourceFile
from fcgilint.templates import opens_template

#: Room above the larger PHP body limit: the multipart encoding of an upload of
#: upload_max_filesize (boundaries, part headers, the other fields), and PHP's own
#: check answering first (its warning names post_max_size; mod_fcgid's 500 names nothing).
BODY_MARGIN = 1024 * 1024


def io_timeout_for(max_execution_time: int) -> int:
    """FcgidIOTimeout for a max_execution_time: 25 % more, at least 10 s more.

    On Linux php-cgi's max_execution_time counts CPU time, so a request spends
    longer than that in wall-clock time, which is what FcgidIOTimeout counts;
    the margin lets PHP's own timeout ("Maximum execution time exceeded", with
    the script's name) fire before mod_fcgid cuts the request off with a bare
    500. 30 s gives mod_fcgid's default, 40 s.
    """
    return max_execution_time + max(10, -(-max_execution_time // 4))


# The spelling FcgidCmdOptions documents for the options we may write.
OPTION_SPELLING = {"maxrequestsperprocess": "MaxRequestsPerProcess", "iotimeout": "IOTimeout"}
Want = Callable[[ProcessClass], int | None]


def newline_of(text: str) -> str:
    """The file's line ending, so an inserted line matches its neighbours."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def indent_of(text: str, line: Line) -> str:
    """Leading blanks of a logical line."""
    match = re.match(r"[ \t]*", text[line.start : line.end])
    return match.group(0) if match else ""


def set_server_value(model: Model, pc: ProcessClass, name: str, want: Want, lowering: bool, reason: str) -> Fix | None:
    """Set ``name`` at the class's place to the value every class sharing that place needs."""
    tree = model.tree
    place = place_of(pc, name)
    if tree is None or place is None:
        return None
    sharing = model.sharing(name).get(place.key, [])
    needs = [(c, n) for c in sharing if (n := want(c)) is not None]
    if not needs:
        return None
    chosen = (min if lowering else max)(n for _, n in needs)
    edits = _edits_for(tree, pc, place, name, chosen)
    if not edits:
        return None
    deciders = [c for c, n in needs if n == chosen]
    description = f"set {name} {chosen} at {place.label}: {reason}"
    if len(sharing) > 1:
        word = "smallest" if lowering else "largest"
        description += (f"; {len(sharing)} classes share this place, {chosen} is the {word} value they need "
                        f"({', '.join(c.label for c in deciders)})")
    return Fix(description, edits)


def _edits_for(tree: ConfigTree, pc: ProcessClass, place: Place, name: str, number: int) -> list[Edit]:
    if place.kind == "edit":
        placed = _directive_at(tree, pc.values[name].location, name)
        return _replace_arg(placed, 0, str(number)) if placed is not None else []
    if place.kind == "option":
        assert pc.cmd_options is not None
        return _set_option(pc.cmd_options, CMDOPTION_OF[name], str(number))
    directive = knowledge.lookup(name)
    assert directive is not None
    if place.kind == "vhost":
        assert pc.directive is not None and pc.directive.vhost is not None
        return _insert_in_vhost(pc.directive.vhost, f"{directive.name} {number}")
    return _insert_in_main(tree, pc.directive, f"{directive.name} {number}")


def _directive_at(tree: ConfigTree, location: Location | None, name: str) -> Placed | None:
    directive = knowledge.lookup(name)
    assert directive is not None
    keys = {directive.key} | ({directive.legacy.lower()} if directive.legacy else set())
    for placed in tree.directives:
        if placed.location == location and placed.key in keys:
            return placed
    return None


def _replace_arg(placed: Placed, index: int, replacement: str) -> list[Edit]:
    """Replace one argument; a value built from ``${VAR}`` or a template tag is left to its owner
    (the panel renders the tag; replacing the first word of ``{tmpl_var name='x'}`` would break it)."""
    args = placed.line.args
    if index >= len(args) or "${" in args[index].value or opens_template(args[index].value):
        return []
    arg = args[index]
    return [Edit(placed.file.source.display, arg.start, arg.end, replacement)]


def _set_option(placed: Placed, option: str, number: str) -> list[Edit]:
    """Change ``Option value`` in an FcgidCmdOptions line, or append it."""
    args = placed.line.args
    for i in range(1, len(args) - 1, 2):
        if args[i].value.lower() == option:
            return _replace_arg(placed, i + 1, number)
    if not args:
        return []
    spelled = OPTION_SPELLING.get(option, option)
    return [Edit(placed.file.source.display, args[-1].end, args[-1].end, f" {spelled} {number}")]


def _insert_in_vhost(vhost: VHost, text_line: str) -> list[Edit]:
    """A new last line of the vhost's ``<IfModule mod_fcgid.c>`` block if it has one, else of the <VirtualHost>.

    A vhost that keeps its mod_fcgid directives in such a block stays readable and
    keeps loading where mod_fcgid is absent; the new line is indented like the
    block's other children.
    """
    section = _fcgid_block(vhost.section) or vhost.section
    if section.close is None:
        return []
    source = vhost.file.source
    indent = _child_indent(source, section)
    close = section.close
    return [Edit(source.display, close.start, close.start, f"{indent}{text_line}{newline_of(source.text)}")]


def _fcgid_block(section: Section) -> Section | None:
    """The last closed ``<IfModule mod_fcgid.c>`` (or ``fcgid_module``) directly inside ``section``."""
    blocks = [
        child for child in section.children
        if isinstance(child, Section) and child.key == "ifmodule" and child.close is not None and child.open.args
        and ifmodule_key(child.open.args[0].value) == "fcgid"
    ]
    return blocks[-1] if blocks else None


def _child_indent(source: SourceFile, section: Section) -> str:
    for child in section.children:
        line = child.open if isinstance(child, Section) else child
        if line.kind in (Kind.DIRECTIVE, Kind.OPEN):
            return indent_of(source.text, line)
    return indent_of(source.text, section.open) + "    "


def _insert_in_main(tree: ConfigTree, wrapper: Placed | None, text_line: str) -> list[Edit]:
    """After the last main-server mod_fcgid directive, else after the wrapper's own scope."""
    anchors = [
        d for d in tree.directives if d.vhost is None and not d.in_directory and knowledge.lookup(d.name) is not None
    ]
    if anchors:
        anchor = anchors[-1]
        return [
            _insert_after(anchor.file.source, anchor.line, indent_of(anchor.file.source.text, anchor.line), text_line)
        ]
    if wrapper is None:
        return []
    if wrapper.containers:
        outer, file = wrapper.containers[0]
        if outer.close is None:
            return []
        return [_insert_after(file.source, outer.close, indent_of(file.source.text, outer.open), text_line)]
    return [
        _insert_after(wrapper.file.source, wrapper.line, indent_of(wrapper.file.source.text, wrapper.line), text_line)
    ]


def _insert_after(source: SourceFile, line: Line, indent: str, text_line: str) -> Edit:
    """A line after ``line``; at a file end without newline, the file still ends without one."""
    nl = newline_of(source.text)
    if source.text[line.start : line.end].endswith("\n"):
        return Edit(source.display, line.end, line.end, f"{indent}{text_line}{nl}")
    return Edit(source.display, line.end, line.end, f"{nl}{indent}{text_line}")


# -- environment variables (wrapper assignments, FcgidInitialEnv) ---------------------------


def sources_of(model: Model) -> dict[str, SourceFile]:
    """Every file a remedy may edit, by display path."""
    found: dict[str, SourceFile] = {}
    if model.tree is not None:
        found.update({d: p.source for d, p in model.tree.files.items()})
    for pc in model.classes:
        if pc.script is not None and pc.script.source is not None:
            found.setdefault(pc.script.display, pc.script.source)
    return found


def set_env(model: Model, setting: Setting, name: str, value: str) -> list[Edit]:
    """Change an existing assignment of ``name`` where it is made (Apache line or wrapper line)."""
    if setting.location is None:
        return []
    placed = _env_directive(model, setting.location)
    if placed is not None:
        return _set_env_directive(placed, name, value)
    source = sources_of(model).get(setting.location.file)
    if source is None:
        return []
    start, end = _line_span(source.text, setting.location.line)
    pattern = rf"(?<![\w$]){re.escape(name)}=(\"[^\"]*\"|'[^']*'|[^\s;&|)`]*)"
    match = re.search(pattern, source.text[start:end])
    if match is None:
        return []
    return [Edit(source.display, start + match.start(1), start + match.end(1), value)]


def _env_directive(model: Model, location: Location) -> Placed | None:
    if model.tree is None:
        return None
    for placed in model.tree.directives:
        if placed.location == location and placed.key in ("fcgidinitialenv", "defaultinitenv", "fcgidcmdoptions"):
            return placed
    return None


def _set_env_directive(placed: Placed, name: str, value: str) -> list[Edit]:
    args = placed.line.args
    if placed.key == "fcgidcmdoptions":
        for arg in args:
            if arg.value.startswith(f"{name}=") and "${" not in arg.value:
                quote = placed.file.source.text[arg.start] if arg.quoted else ""
                return [Edit(placed.file.source.display, arg.start, arg.end, f"{quote}{name}={value}{quote}")]
        return []
    if not args or args[0].value != name:
        return []
    if len(args) > 1:
        return _replace_arg(placed, 1, value)
    return [Edit(placed.file.source.display, args[0].end, args[0].end, f" {value}")]


def _line_span(text: str, lineno: int) -> tuple[int, int]:
    """Character span of a physical 1-based line, without its line ending."""
    start = 0
    for _ in range(lineno - 1):
        nl = text.find("\n", start)
        if nl == -1:
            return len(text), len(text)
        start = nl + 1
    end = text.find("\n", start)
    end = len(text) if end == -1 else end
    return start, end - 1 if end > start and text[end - 1] == "\r" else end


def export_in_wrapper(model: Model, pc: ProcessClass, name: str, value: str) -> list[Edit]:
    """``export NAME=value`` in the wrapper: edit the assignment, or add one before php-cgi runs."""
    setting = pc.env.get(name)
    if setting is not None and setting.location is not None:
        return set_env(model, setting, name, value)
    call = pc.call
    if pc.script is None or pc.script.source is None or call is None or call.location.file != pc.script.display:
        return []
    source = pc.script.source
    start, end = _line_span(source.text, call.location.line)
    line = source.text[start:end]
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    return [Edit(source.display, start, start, f"{indent}export {name}={value}{newline_of(source.text)}")]


# -- the remedies, one per rule -----------------------------------------------------------


def _origin(value: Value) -> str:
    shown = value.raw if value.raw is not None else value.number
    return f"{shown} at {value.location}" if value.location else f"{shown} ({value.decided_by})"


def _php_limit(c: ProcessClass) -> int | None:
    php = c.values.get("PHP_FCGI_MAX_REQUESTS")
    return php.number if php is not None and php.number is not None and 0 < php.number <= INT_MAX else None


def max_requests(model: Model, pc: ProcessClass) -> Fix | None:
    """FCG001: FcgidMaxRequestsPerProcess = PHP_FCGI_MAX_REQUESTS, so mod_fcgid retires first."""
    php, fcgid = pc.values["PHP_FCGI_MAX_REQUESTS"], pc.values["FcgidMaxRequestsPerProcess"]
    reason = f"PHP_FCGI_MAX_REQUESTS is {_origin(php)}, FcgidMaxRequestsPerProcess was {_origin(fcgid)}"
    fix = set_server_value(model, pc, "FcgidMaxRequestsPerProcess", _php_limit, True, reason)
    if fix is not None:
        return fix
    target = str(fcgid.number or 0)
    edits = export_in_wrapper(model, pc, "PHP_FCGI_MAX_REQUESTS", target)
    if not edits:
        return None
    return Fix(
        f"set PHP_FCGI_MAX_REQUESTS={target} in the wrapper to match FcgidMaxRequestsPerProcess ({_origin(fcgid)}); "
        f"this changes how often php-cgi restarts ({reason})",
        edits,
        safe=False,
    )


def max_requests_seen(model: Model, pc: ProcessClass, observed: int, reason: str) -> Fix | None:
    """FCG001 when a capture shows php-cgi exiting after ``observed`` requests, fewer than the config says.

    mod_fcgid's limit is set to what php-cgi really does (the other classes of
    the place keep their modelled limits), so it retires each process first.
    """
    def want(c: ProcessClass) -> int | None:
        return observed if c is pc else _php_limit(c)

    return set_server_value(model, pc, "FcgidMaxRequestsPerProcess", want, True, reason)


def php_children(model: Model, pc: ProcessClass) -> Fix | None:
    """FCG002: PHP_FCGI_CHILDREN=0 where it is set."""
    children = pc.values["PHP_FCGI_CHILDREN"]
    setting = pc.env.get("PHP_FCGI_CHILDREN")
    if setting is None:
        return None
    edits = set_env(model, setting, "PHP_FCGI_CHILDREN", "0")
    return Fix(f"set PHP_FCGI_CHILDREN=0 at {children.location} (was {children.raw})", edits) if edits else None


def _number(c: ProcessClass, name: str) -> int | None:
    value = c.values.get(name)
    return value.number if value is not None and value.number is not None and value.number > 0 else None


def busy_timeout(model: Model, pc: ProcessClass) -> Fix | None:
    """FCG004: FcgidBusyTimeout up to the longer of FcgidIOTimeout and max_execution_time."""
    busy = pc.values["FcgidBusyTimeout"]

    def want(c: ProcessClass) -> int | None:
        return max(
            (n for n in (_number(c, "FcgidIOTimeout"), _number(c, "max_execution_time")) if n is not None), default=None
        )

    io, met = pc.values["FcgidIOTimeout"], pc.values["max_execution_time"]
    reason = (
        f"FcgidIOTimeout is {_origin(io)}, max_execution_time is {_origin(met)}, FcgidBusyTimeout was {_origin(busy)}"
    )
    return _unsafe(set_server_value(model, pc, "FcgidBusyTimeout", want, False, reason))


def scope_busy_timeout(model: Model, vhost: VHost | None, longer: list[Value]) -> Fix | None:
    """FCG004 for a server scope without a class: FcgidBusyTimeout up to that scope's FcgidIOTimeout."""
    tree = model.tree
    need = max((v.number for v in longer if v.number is not None), default=None)
    if tree is None or need is None:
        return None
    busy = server_value(tree, vhost, "FcgidBusyTimeout")
    if busy.location is not None and (busy.decided_by == "vhost" or vhost is None):
        placed = _directive_at(tree, busy.location, "FcgidBusyTimeout")
        edits = _replace_arg(placed, 0, str(need)) if placed is not None else []
        where = f"{busy.location}"
    elif vhost is not None:
        edits, where = _insert_in_vhost(vhost, f"FcgidBusyTimeout {need}"), vhost.label
    else:
        edits, where = _insert_in_main(tree, None, f"FcgidBusyTimeout {need}"), "the main server"
    names = ", ".join(f"{v.name} is {_origin(v)}" for v in longer)
    return (
        _unsafe(Fix(f"set FcgidBusyTimeout {need} at {where}: {names}, FcgidBusyTimeout was {_origin(busy)}", edits))
        if edits
        else None
    )


def request_length(model: Model, pc: ProcessClass) -> Fix | None:
    """FCG005: FcgidMaxRequestLen up to the larger of post_max_size and upload_max_filesize, plus BODY_MARGIN."""
    length = pc.values["FcgidMaxRequestLen"]

    def want(c: ProcessClass) -> int | None:
        larger = max(
            (n for n in (_number(c, "post_max_size"), _number(c, "upload_max_filesize")) if n is not None), default=None
        )
        return larger + BODY_MARGIN if larger is not None else None

    post, upload = pc.values["post_max_size"], pc.values["upload_max_filesize"]
    reason = (
        f"post_max_size is {_origin(post)}, upload_max_filesize is {_origin(upload)}, FcgidMaxRequestLen was "
        f"{_origin(length)};"
        " 1 MiB more for the multipart encoding, so PHP's own limit answers first"
    )
    return _unsafe(set_server_value(model, pc, "FcgidMaxRequestLen", want, False, reason))


def _unsafe(fix: Fix | None) -> Fix | None:
    """Raising a limit lets longer requests or bigger bodies through: the admin decides."""
    if fix is not None:
        fix.safe = False
    return fix
