"""Configuration that never takes effect because nothing it names is ever run (FCG031).

mod_fcgid looks ``FcgidCmdOptions`` up by the exact path of the program it is about to start
(``get_cmd_options(r, command->cgipath)`` in fcgid_pm_unix.c): the ``FcgidWrapper`` command, or
the script itself for a file served with the ``fcgid-script`` handler and no wrapper. An entry
for any other path is never read, however carefully its values were chosen. Every class of the
model (a wrapper, or the program an ``Action`` reaches) is spawned, so its entry is never dead.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from fcgilint.checks.registry import Hit, tree_check
from fcgilint.findings import Related
from fcgilint.load.apache_tree import ConfigTree, Placed
from fcgilint.load.wrapper import is_placeholder
from fcgilint.model import Model


def _wrapper_commands(tree: ConfigTree, scope: Placed) -> dict[str, Placed]:
    """FcgidWrapper commands that can meet an FcgidCmdOptions line (main-server lines reach every vhost)."""
    found: dict[str, Placed] = {}
    names = ("FcgidWrapper", "FCGIWrapper")
    for placed in tree.named(*names) if scope.vhost is None else tree.visible(names, scope.vhost):
        words = placed.args[0].split() if placed.args else []
        if words:
            found.setdefault(words[0], placed)
    return found


def _may_run_directly(tree: ConfigTree, command: str) -> bool:
    """Whether the path could be a script mod_fcgid runs itself (fcgid-script handler, no wrapper)."""
    extension = posixpath.splitext(command)[1].lower().lstrip(".")
    for placed in tree.named("AddHandler", "SetHandler"):
        if not placed.args or placed.args[0].lower() != "fcgid-script":
            continue
        if placed.key == "addhandler" and extension in {a.lower().lstrip(".") for a in placed.args[1:]}:
            return True
        if placed.key == "sethandler" and _under_section(placed, command):
            return True
    return False


def _under_section(placed: Placed, path: str) -> bool:
    """A SetHandler outside any <Directory> could apply anywhere; inside one, below its path."""
    for section, _file in placed.containers:
        if section.key == "directory" and section.open.args:
            base = section.open.args[0].value.rstrip("/")
            return path.startswith(base + "/") or is_placeholder(base) or "${" in base
    return True


@tree_check("FCG031")
def dead_cmd_options(model: Model, tree: ConfigTree) -> Iterator[Hit]:
    """FcgidCmdOptions for a path no FcgidWrapper names and no fcgid-script handler can run."""
    spawned = {pc.command for pc in model.classes if pc.directive is not None}  # wrappers and Action programs
    for placed in tree.named("FcgidCmdOptions"):
        command = placed.args[0] if placed.args else ""
        if not command or is_placeholder(command) or "${" in command or command in spawned:
            continue
        wrappers = _wrapper_commands(tree, placed)
        if command in wrappers or _may_run_directly(tree, command):
            continue
        near = [w for w in wrappers if posixpath.basename(w) == posixpath.basename(command)]
        hint = f" (FcgidWrapper starts {near[0]}: mod_fcgid compares the path exactly)" if near else ""
        related = [Related(wrappers[w].location, f"FcgidWrapper {w}") for w in (near or list(wrappers))[:3]]
        yield Hit(placed.location, f"FcgidCmdOptions {command} is never used: no FcgidWrapper in its scope starts "
                  f"{command}, and no fcgid-script handler runs it directly{hint}; mod_fcgid looks the options up "
                  f"by the exact path it spawns, so these values apply to nothing; write the FcgidWrapper command",
                  related)
