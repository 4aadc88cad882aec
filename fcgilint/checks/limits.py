"""Checks that compare mod_fcgid's limits with php-cgi's (FCG001, FCG002, FCG004, FCG005, FCG010)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from fcgilint.checks import remedies
from fcgilint.checks.registry import Hit, NotChecked, Scope, chain_of, check, scope_of, vhost_scope, where
from fcgilint.findings import Fix, Related, Severity
from fcgilint.checks.recycle import with_throttle_note
from fcgilint.knowledge import INT_MAX, PHP_DEFAULT_MAX_REQUESTS
from fcgilint.load.apache_tree import Placed
from fcgilint.model import Model, ProcessClass, Value, atol, environ_entry, equals_form, server_value
from fcgilint.source import Location


def _php_classes(model: Model, apache: bool = True) -> Iterator[ProcessClass]:
    for pc in model.classes:
        if pc.is_php and (pc.apache_known or not apache):
            yield pc


def _anchor(pc: ProcessClass) -> Location:
    """Where a class is configured: its FcgidWrapper line (or the wrapper file alone)."""
    if pc.directive is not None:
        return pc.directive.location
    assert pc.script is not None
    return Location(pc.script.display, 1)


def _origin(value: Value) -> str:
    return f"{value.location}" if value.location else value.decided_by


def _related(value: Value, note: str) -> list[Related]:
    return [Related(value.location, note)] if value.location else []


@check("FCG001")
def request_limit_race(model: Model) -> Iterator[Hit | NotChecked]:
    """php-cgi's own limit is finite and mod_fcgid's is unlimited or larger."""
    for pc in _php_classes(model):
        php, fcgid = pc.values["PHP_FCGI_MAX_REQUESTS"], pc.values["FcgidMaxRequestsPerProcess"]
        if php.number is None and php.location is not None and fcgid.number is not None and fcgid.number == 0:
            yield NotChecked("FCG001", f"{php.location}: PHP_FCGI_MAX_REQUESTS is decided when the wrapper runs, and "
                             f"FcgidMaxRequestsPerProcess is 0 (unlimited) for {pc.label}: whether php-cgi exits "
                             "first is not known")
            continue
        if php.number is None or fcgid.number is None or not 0 < php.number <= INT_MAX or fcgid.number < 0:
            continue
        if fcgid.number != 0 and fcgid.number <= php.number:
            continue
        mine = "0 (unlimited)" if fcgid.number == 0 else str(fcgid.number)
        message = (
            f"php-cgi exits after {php.number} requests (PHP_FCGI_MAX_REQUESTS, {php.decided_by}) but "
            f"FcgidMaxRequestsPerProcess is {mine} ({fcgid.decided_by}) for {pc.label}: mod_fcgid will route a "
            f"request to a php-cgi that is exiting, and the client gets a 500 ('error reading data from FastCGI "
            f"server'); set FcgidMaxRequestsPerProcess to {php.number} or less"
        )
        at = where(fcgid, _anchor(pc))
        related = _related(php, f"PHP_FCGI_MAX_REQUESTS={php.number}") + _related(
            fcgid, f"FcgidMaxRequestsPerProcess {fcgid.raw}"
        )
        if php.location is None and pc.script is not None:
            related.append(
                Related(Location(pc.script.display, 1), "the wrapper script, which does not set PHP_FCGI_MAX_REQUESTS")
            )
        if pc.directive is not None and at != pc.directive.location:
            related.append(Related(pc.directive.location, f"the FastCGI class ({pc.directive.name})"))
        yield Hit(
            at,
            message,
            related,
            chain_of(php, fcgid),
            fix=with_throttle_note(model, remedies.max_requests(model, pc)),
            scope=scope_of(pc),
        )
    yield from _race_without_class(model)


def _race_without_class(model: Model) -> Iterator[Hit]:
    """A config that runs PHP through mod_fcgid (FcgidFixPathinfo, fcgid-script for .php) with no
    wrapper in sight: php-cgi started without PHP_FCGI_MAX_REQUESTS still stops at 500."""
    tree = model.tree
    if tree is None or any(pc.is_php for pc in model.classes) or not _php_intent(model):
        return
    fcgid = server_value(tree, None, "FcgidMaxRequestsPerProcess")
    env: dict[str, tuple[Placed, str]] = {}
    for placed in tree.named("FcgidInitialEnv", "DefaultInitEnv"):
        if placed.vhost is None and placed.args:
            name, value = environ_entry(placed.args[0], placed.args[1] if len(placed.args) > 1 else "")
            env[name] = (placed, value)
    php_limit, raw = env.get("PHP_FCGI_MAX_REQUESTS", (None, None))
    limit = atol(raw) if raw is not None else PHP_DEFAULT_MAX_REQUESTS
    # Only an explicit 0 says "never recycle"; a positive value is usually matched in a wrapper we cannot see.
    if fcgid.location is None or fcgid.number != 0 or limit is None or limit <= 0:
        return
    source = (
        f"FcgidInitialEnv at {php_limit.location}"
        if php_limit
        else "php-cgi's default, as no FcgidInitialEnv sets PHP_FCGI_MAX_REQUESTS"
    )
    message = (
        f"FcgidMaxRequestsPerProcess {fcgid.raw} lets mod_fcgid reuse a php-cgi without limit, but php-cgi exits after "
        f"{limit} "
        f"requests ({source}) unless its wrapper sets PHP_FCGI_MAX_REQUESTS=0: the classic 500 under load. Set "
        f"FcgidMaxRequestsPerProcess to {limit}, or 'FcgidInitialEnv PHP_FCGI_MAX_REQUESTS 0' (no wrapper is visible "
        "here to confirm)"
    )
    yield Hit(fcgid.location, message, chain=chain_of(fcgid), severity=Severity.WARNING)


def _php_intent(model: Model) -> bool:
    """mod_fcgid is configured for PHP even though no FcgidWrapper is visible."""
    tree = model.tree
    assert tree is not None
    if tree.named("FcgidFixPathinfo", "PHP_Fix_Pathinfo_Enable"):
        return True
    return any(
        d.args and d.args[0].lower() == "fcgid-script" and any("php" in a.lower() for a in d.args[1:])
        for d in tree.named("AddHandler")
    )


@check("FCG002")
def php_children(model: Model) -> Iterator[Hit | NotChecked]:
    """PHP_FCGI_CHILDREN > 0: php-cgi forks children mod_fcgid never uses."""
    for pc in _php_classes(model, apache=False):
        children = pc.values["PHP_FCGI_CHILDREN"]
        if children.number is None or children.number <= 0 or children.location is None:
            continue
        if not pc.apache_known and not _mentions_fcgid(pc):
            yield NotChecked(
                "FCG002",
                f"{pc.script.display if pc.script else pc.command}: PHP_FCGI_CHILDREN={children.number} is only wrong "
                "under mod_fcgid, and no FcgidWrapper points here",
            )
            continue
        message = (
            f"PHP_FCGI_CHILDREN={children.number} makes php-cgi fork {children.number} children, but mod_fcgid sends "
            "one "
            f"request at a time to each process it spawned: the children sit idle, are not recycled with "
            f"mod_fcgid's limits and can be left behind; set PHP_FCGI_CHILDREN=0"
        )
        yield Hit(children.location, message, chain=chain_of(children), fix=remedies.php_children(model, pc))


def _mentions_fcgid(pc: ProcessClass) -> bool:
    """A wrapper read alone counts as mod_fcgid's when it says so itself."""
    return pc.script is not None and pc.script.source is not None and "fcgid" in pc.script.source.text.lower()


@check("FCG004")
def busy_timeout(model: Model) -> Iterator[Hit]:
    """FcgidBusyTimeout shorter than FcgidIOTimeout or max_execution_time."""
    for pc in _php_classes(model):
        busy, io, met = pc.values["FcgidBusyTimeout"], pc.values["FcgidIOTimeout"], pc.values["max_execution_time"]
        yield from _busy_hit(busy, [io, met], scope_of(pc), _anchor(pc), partial(remedies.busy_timeout, model, pc))
    if model.tree is not None:
        for vhost in [None, *model.tree.vhosts]:
            busy, io = (
                server_value(model.tree, vhost, "FcgidBusyTimeout"),
                server_value(model.tree, vhost, "FcgidIOTimeout"),
            )
            if busy.location or io.location:
                scope = vhost.label if vhost else "the main server"
                anchor = busy.location or io.location
                assert anchor is not None
                fix = partial(remedies.scope_busy_timeout, model, vhost, [io])
                yield from _busy_hit(busy, [io], vhost_scope(vhost, scope), anchor, fix)


def _busy_hit(
    busy: Value, limits: list[Value], scope: Scope, anchor: Location, fix: Callable[[], Fix | None] | None = None
) -> Iterator[Hit]:
    if busy.number is None or busy.number <= 0:
        return
    longer = [v for v in limits if v.number is not None and v.number > busy.number]
    if not longer:
        return
    names = " and ".join(f"{v.name} ({v.number}s, {v.decided_by})" for v in longer)
    message = (
        f"FcgidBusyTimeout is {busy.number}s ({busy.decided_by}), shorter than {names} for {scope.text}: mod_fcgid "
        "kills a busy process before the longer limit can apply; raise FcgidBusyTimeout to at least "
        f"{max(v.number or 0 for v in longer)}"
    )
    related = [r for v in longer for r in _related(v, f"{v.name} {v.raw}")]
    yield Hit(where(busy, anchor), message, related, chain_of(busy, *longer), fix=fix() if fix else None, scope=scope)


@check("FCG005")
def request_length(model: Model) -> Iterator[Hit]:
    """FcgidMaxRequestLen below post_max_size / upload_max_filesize: uploads die with a 500."""
    for pc in _php_classes(model):
        length = pc.values["FcgidMaxRequestLen"]
        if length.number is None:
            continue
        bigger = [
            pc.values[k] for k in ("post_max_size", "upload_max_filesize") if (pc.values[k].number or 0) > length.number
        ]
        if not bigger:
            continue
        need = max(v.number or 0 for v in bigger)
        names = " and ".join(f"{v.name} = {v.raw} ({v.number} bytes, {v.decided_by})" for v in bigger)
        message = (
            f"FcgidMaxRequestLen is {length.number} bytes ({length.decided_by}) but PHP accepts {names} for "
            f"{pc.label}: a request body larger than {length.number} bytes that PHP would accept is rejected by mod_"
            "fcgid "
            f"with a 500 before PHP sees it; "
            f"set FcgidMaxRequestLen to at least {need}"
        )
        related = [r for v in bigger for r in _related(v, f"{v.name} = {v.raw}")]
        fix = remedies.request_length(model, pc)
        yield Hit(where(length, _anchor(pc)), message, related, chain_of(length, *bigger), fix=fix, scope=scope_of(pc))


@check("FCG010")
def invalid_php_limit(model: Model) -> Iterator[Hit]:
    """PHP_FCGI_* values php-cgi refuses (negative, overflow) or reads as unlimited (non-numeric)."""
    # FcgidInitialEnv NAME=value leaves a trailing '=' in the value: FCG007 reports that line, with its fix.
    initenv = model.tree.named("FcgidInitialEnv", "DefaultInitEnv") if model.tree else []
    equals_lines = {placed.location for placed in initenv if equals_form(placed)}
    for pc in _php_classes(model, apache=False):
        for name in ("PHP_FCGI_MAX_REQUESTS", "PHP_FCGI_CHILDREN"):
            value = pc.values[name]
            if value.number is None or value.raw is None or value.location is None or value.location in equals_lines:
                continue
            raw = value.raw.strip()
            if value.number < 0 or value.number > INT_MAX:
                yield Hit(
                    value.location,
                    f"{name}={value.raw}: php-cgi prints '{name} is not valid' and exits before accepting a request, "
                    "so every request gets a 500",
                    chain=chain_of(value),
                )
            elif raw and not raw.lstrip("+").isdigit():
                yield Hit(
                    value.location,
                    f"{name}={value.raw!r} is not a number: php-cgi reads it with atoi() as {value.number}"
                    + (" (unlimited)" if value.number == 0 else ""),
                    chain=chain_of(value),
                    severity=Severity.WARNING,
                )
