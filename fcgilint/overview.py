"""``fcgilint show``: what the model believes, per virtual host, before any rule judges it.

Like ``apachectl -S`` for PHP: for the main server and each ``<VirtualHost>``, the
handler a PHP file gets, then each process class mod_fcgid spawns there (wrapper,
php-cgi, the php.ini chosen and why) and the values the rules compare, each with
the file:line that decided it. The view is a list of scopes, each a list of
:class:`Part` made by the functions in :data:`PARTS`; a new view of the same
model is one more function in that list, and every format of ``show`` picks it up
(:class:`fcgilint.report.Overview`, rendered by :mod:`fcgilint.formats`):
:func:`capacity_parts` adds what each class sustains and holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fcgilint import capacity
from fcgilint.load.apache_tree import VHost
from fcgilint.model import Model, ProcessClass, Value
from fcgilint.routes import document_root, php_route
from fcgilint.source import Location


@dataclass(frozen=True)
class Row:
    """One fact: a name, its value, where it was decided, and by what."""

    name: str
    value: str
    location: Location | None = None
    why: str = ""

    def to_json(self) -> dict[str, Any]:
        where = self.location
        return {"name": self.name, "value": self.value, "file": where.file if where else None,
                "line": where.line if where else None, "why": self.why}


@dataclass
class Part:
    """A titled group of rows in one scope (the .php route, one process class, ...)."""

    kind: str
    title: str
    rows: list[Row] = field(default_factory=list)
    location: Location | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "file": self.location.file if self.location else None,
                "line": self.location.line if self.location else None, "rows": [r.to_json() for r in self.rows]}


@dataclass
class ScopeView:
    """The main server (``vhost`` None) or one virtual host."""

    vhost: VHost | None
    parts: list[Part]

    @property
    def title(self) -> str:
        return self.vhost.label if self.vhost is not None else "main server"

    def to_json(self) -> dict[str, Any]:
        where = self.vhost.location if self.vhost is not None else None
        return {"vhost": self.vhost.name if self.vhost is not None else None, "title": self.title,
                "file": where.file if where else None, "line": where.line if where else None,
                "parts": [p.to_json() for p in self.parts]}


PartFn = Callable[[Model, VHost | None], list[Part]]
ROUTE_FILES = ("index.php", "index.PHP", "index.phtml")
LIMITS = (
    ("request limit", ("PHP_FCGI_MAX_REQUESTS", "FcgidMaxRequestsPerProcess")),
    ("timeouts", ("FcgidIOTimeout", "FcgidBusyTimeout", "max_execution_time")),
    ("body limits", ("FcgidMaxRequestLen", "post_max_size", "upload_max_filesize")),
)


def route_part(model: Model, vhost: VHost | None) -> list[Part]:
    """The handler each PHP file name gets at the scope's DocumentRoot."""
    tree = model.tree
    if tree is None:
        return []
    directory, placed = document_root(tree, vhost)
    rows = [Row("DocumentRoot", directory, placed.location if placed else None, "" if placed else "httpd's default")]
    for name in ROUTE_FILES:
        route = php_route(tree, vhost, name)
        served = _served(route.runner, route.wrapper is not None)
        handler = f"handler {route.handler}" if route.handler else "no handler"
        where = route.decided_by.location if route.decided_by else None
        wrapper = f", wrapper {route.wrapper.args[0]} ({route.wrapper.location})" if route.wrapper else ""
        rows.append(Row(name, served, where, f"{handler}{wrapper}"))
    return [Part("route", ".php route", rows)]


def _served(runner: str, wrapped: bool) -> str:
    if runner == "source":
        return "its source, as a static file"
    if runner == "mod_fcgid" and not wrapped:
        return "mod_fcgid, no FcgidWrapper: the file itself is started as the FastCGI program"
    return runner


def _value_row(value: Value | None, name: str) -> Row:
    if value is None:
        return Row(name, "not known")
    if value.raw is None:
        if value.number is not None:
            shown = f"{value.number} (unset)"
        else:  # set where the model cannot read it (a run-time ``read``, a command substitution)
            shown = "unset" if value.location is None else "unknown (decided at run time)"
    else:
        shown = value.raw
        if value.number is not None and str(value.number) != value.raw.strip():
            shown += f" ({value.number})"
    why = "" if value.location is not None and value.decided_by == value.location.file else value.decided_by
    return Row(name, shown, value.location, why)


STARTED_AS = {
    "wrapper": "the FcgidWrapper command",
    "action": "the file an Action reaches, run by mod_fcgid itself (no FcgidWrapper)",
}


def class_parts(model: Model, vhost: VHost | None) -> list[Part]:
    """Each process class of the scope: what runs, which php.ini, and the values the rules compare."""
    return [_class_part(pc) for pc in model.classes if pc.vhost is vhost]


def _class_part(pc: ProcessClass) -> Part:
    where = pc.directive.location if pc.directive is not None else None
    call = pc.call
    rows = [Row("started as", STARTED_AS.get(pc.kind, pc.kind), where)]
    rows.extend(Row("route", step.text, step.location) for step in pc.origin)
    binary = call.argv[0] if call else (pc.php_binary or "not found")
    why = "" if pc.is_php else "not recognised as php-cgi"
    rows.append(Row("php-cgi", binary, call.location if call else None, why))
    if pc.is_php:
        rows.append(Row("php.ini", ", ".join(pc.ini_files) or "none", None, pc.ini_reason or ""))
    if pc.cmd_options is not None:
        rows.append(Row("FcgidCmdOptions", " ".join(pc.cmd_options.args[1:]), pc.cmd_options.location))
    for _group, names in LIMITS:
        rows.extend(_value_row(pc.values.get(n), n) for n in names if n in pc.values)
    return Part("class", f"process class {pc.command}", rows, where)


def capacity_parts(model: Model, vhost: VHost | None) -> list[Part]:
    """What each class of the scope sustains and holds; for the main server also the server-wide limits."""
    cap = capacity.of(model)
    if cap is None:
        return []
    parts = [_server_capacity(cap)] if vhost is None and cap.classes else []
    for cc in (c for c in cap.classes if c.pc.vhost is vhost):
        pc = cc.pc
        rows = [
            Row("recycle length", cc.recycle.shown, _recycler_location(pc, cc.recycle.number), cc.recycle.why),
            Row("sustainable rate", cc.rate.shown, None, "R x TimeScore / (SpawnScore + TerminationScore)"),
            Row("burst from idle", cc.burst.shown, None, "R x SpawnScoreUpLimit / SpawnScore"),
            Row("process ceiling", cc.processes.shown, pc.values["FcgidMaxProcessesPerClass"].location),
            Row("concurrency ceiling", cc.concurrency.shown, None, "processes and httpd workers"),
            _value_row(cc.idle_floor, "idle floor (FcgidMinProcessesPerClass)"),
        ]
        parts.append(
            Part("capacity", f"capacity of {pc.command}", rows, pc.directive.location if pc.directive else None)
        )
    return parts


def _recycler_location(pc: ProcessClass, length: float | None) -> Location | None:
    for name in ("FcgidMaxRequestsPerProcess", "PHP_FCGI_MAX_REQUESTS"):
        value = pc.values.get(name)
        if value is not None and length is not None and value.number == length and value.location is not None:
            return value.location
    return None


def _server_capacity(cap: capacity.ServerCapacity) -> Part:
    rows = [_value_row(cap.score[name], name) for name in capacity.SCORE_NAMES]
    rows.append(_value_row(cap.max_processes, "FcgidMaxProcesses"))
    workers = cap.workers
    where = next((s.location for s in workers.ceiling.chain if s.location is not None), None)
    rows.append(Row("worker ceiling", workers.ceiling.shown, where, f"{workers.mpm} MPM, {workers.mpm_source}"))
    rows.append(Row("idle floor (all classes)", cap.idle_floor.shown, None, "FcgidMinProcessesPerClass x classes"))
    return Part("server-capacity", "server capacity (spawn score, ceilings)", rows)


PARTS: list[PartFn] = [route_part, class_parts, capacity_parts]


def build(model: Model) -> list[ScopeView]:
    """The view of every scope: the main server first, then each vhost in config order."""
    scopes: list[VHost | None] = [None, *(model.tree.vhosts if model.tree is not None else [])]
    return [ScopeView(vhost, [part for fn in PARTS for part in fn(model, vhost)]) for vhost in scopes]
