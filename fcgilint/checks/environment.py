"""Checks on how PHP_FCGI_* and other settings reach php-cgi (FCG011, FCG012, FCG015)."""

from __future__ import annotations

from collections.abc import Iterator

from fcgilint.checks.registry import Hit, Scope, check
from fcgilint.findings import Related
from fcgilint.knowledge import CMD_OPTIONS, INITENV_VAL_LEN, INT_MAX
from fcgilint.model import Model, ProcessClass, Value, server_value

_PHP_VARS = ("PHP_FCGI_MAX_REQUESTS", "PHP_FCGI_CHILDREN", "PHPRC", "PHP_INI_SCAN_DIR")


def _class_related(pc: ProcessClass) -> list[Related]:
    return [Related(pc.directive.location, f"{pc.directive.name} of the class")] if pc.directive else []


@check("FCG011")
def unreachable_env(model: Model) -> Iterator[Hit]:
    """PHP_FCGI_* set in a place php-cgi never reads."""
    if model.tree is not None:
        for placed in model.tree.named("SetEnv", "PassEnv", "SetEnvIf", "SetEnvIfNoCase"):
            for arg in placed.args:
                name = arg.split("=")[0]
                if name in _PHP_VARS:
                    yield Hit(
                        placed.location,
                        f"{placed.name} {name}: this becomes a FastCGI request parameter, not php-cgi's environment; "
                        f"php-cgi reads {name} only at start-up, so this has no effect (set it in the wrapper or "
                        "with FcgidInitialEnv)",
                    )
    for pc in model.classes:
        for value in (pc.values.get("PHP_FCGI_MAX_REQUESTS"), pc.values.get("PHP_FCGI_CHILDREN")):
            for step in value.chain if value else []:
                if step.dropped and step.location:
                    yield Hit(step.location, step.text, _class_related(pc), scope=Scope(pc.vhost, ""))
        for name, setting in (pc.run.unexported.items() if pc.run else ()):
            if name in _PHP_VARS and setting.location is not None:
                yield Hit(
                    setting.location,
                    f"{name}={setting.value} is assigned but not exported, so php-cgi does not see it; add 'export "
                    f"{name}'",
                )


@check("FCG012")
def cmd_options_reset(model: Model) -> Iterator[Hit]:
    """FcgidCmdOptions silently sends every option it omits back to the compiled-in default."""
    if model.tree is None:
        return
    for pc in model.classes:
        if pc.cmd_options is None:
            continue
        given = {pc.cmd_options.args[i].lower() for i in range(1, len(pc.cmd_options.args), 2)}
        for option, directive in CMD_OPTIONS.items():
            value = server_value(model.tree, pc.vhost, directive)
            if option not in given and value.location is not None:
                advice, why = _agreeing_value(pc, option, value)
                yield Hit(
                    value.location,
                    f"{directive} {value.raw} does not apply to {pc.command}: its FcgidCmdOptions "
                    f"omits {option}, so mod_fcgid uses the compiled-in default instead; add '{option} {advice}' "
                    f"to the FcgidCmdOptions line{why}",
                    [Related(pc.cmd_options.location, "FcgidCmdOptions")],
                    scope=Scope(pc.vhost, ""),
                )
        for placed in model.tree.visible(("FcgidInitialEnv", "DefaultInitEnv"), pc.vhost):
            if not placed.in_directory:
                yield Hit(
                    placed.location,
                    f"{placed.name} is ignored for {pc.command}, which has FcgidCmdOptions; use 'InitialEnv "
                    "NAME=VALUE' on the FcgidCmdOptions line",
                    [Related(pc.cmd_options.location, "FcgidCmdOptions")],
                    scope=Scope(pc.vhost, ""),
                )


def _agreeing_value(pc: ProcessClass, option: str, value: Value) -> tuple[str, str]:
    """The value FCG012 advises for an omitted option: the server's, unless the limit rules judge it
    wrong for this class; then the one they ask for, so two rules never give opposite advice."""
    php, met = pc.values.get("PHP_FCGI_MAX_REQUESTS"), pc.values.get("max_execution_time")
    if option == "maxrequestsperprocess" and php is not None and php.number and 0 < php.number <= INT_MAX:
        if value.number is not None and (value.number == 0 or value.number > php.number):
            return str(php.number), f" (not {value.raw}: php-cgi exits after {php.number} requests, see FCG001)"
    if option == "iotimeout" and met is not None and met.number and value.number is not None:
        if 0 < value.number < met.number:
            return str(met.number), f" (not {value.raw}: PHP's max_execution_time is {met.number}s, see FCG003)"
    return str(value.raw), ""


@check("FCG015")
def initenv_truncated(model: Model) -> Iterator[Hit]:
    """mod_fcgid 2.3.9 cuts FcgidInitialEnv values at 127 characters without a word."""
    if model.tree is None:
        return
    for placed in model.tree.named("FcgidInitialEnv", "DefaultInitEnv"):
        if len(placed.args) == 2 and len(placed.args[1]) >= INITENV_VAL_LEN:
            yield Hit(
                placed.location,
                f"the value of {placed.args[0]} is {len(placed.args[1])} characters; mod_fcgid 2.3.9 silently keeps "
                f"only the first {INITENV_VAL_LEN - 1}",
            )
