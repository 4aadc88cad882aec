"""Checks on the FcgidWrapper target itself (FCG008)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fcgilint.checks.registry import Hit, NotChecked, check
from fcgilint.findings import Related
from fcgilint.load.wrapper import looks_like_php_cgi
from fcgilint.model import Model
from fcgilint.source import Location, is_executable


@check("FCG008")
def wrapper_target_problems(model: Model) -> Iterator[Hit | NotChecked]:
    """Missing, not executable, or a script that does not end by exec'ing php-cgi."""
    if model.tree is None:
        return
    for target in model.targets:
        placed, command, script, problem = target.placed, target.command, target.script, target.problem
        if problem == "missing" and command.startswith("/"):
            if model.tree.paths.root is not None and looks_like_php_cgi(command):
                # A config repository mirrors /etc, not the php-cgi binary its packages install.
                yield NotChecked("FCG008", f"{placed.location}: {command} is a php-cgi binary outside the checked tree")
                continue
            yield Hit(placed.location, f"Wrapper {command} cannot be accessed: no such file (httpd refuses to start)")
        elif problem and problem.startswith("unreadable"):
            yield Hit(placed.location, f"Wrapper {command} is {problem}")
        elif script is not None and not is_executable(Path(script.path)):
            yield Hit(
                placed.location,
                f"Wrapper {command} is not executable: mod_fcgid cannot start it (chmod +x)",
                [Related(Location(script.display, 1), "the wrapper script")],
            )
    for pc in model.classes:
        if pc.script is None or pc.script.kind != "shell" or pc.run is None or not pc.is_php:
            continue
        call, last = pc.run.call, pc.run.last_command
        if call is not None and not call.is_exec:
            yield Hit(
                call.location,
                f"{call.argv[0]} is run without 'exec': the shell stays php-cgi's parent, so mod_fcgid's signals reach "
                f"the shell, not php-cgi; write 'exec {call.argv[0]} ...'",
            )
        elif call is None and last is not None and last[0] and "/" in last[0][0]:
            yield Hit(
                last[1],
                f"the wrapper's last command is {last[0][0]}, not php-cgi: mod_fcgid expects the wrapper to exec the "
                "FastCGI program",
            )
