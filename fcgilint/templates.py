"""Values for hosting-panel template placeholders (``--set NAME=VALUE``, config ``set:``).

Panels keep vhosts as templates (``{DOMAIN}``, ``%domain%``, ERB ``<%= domain %>``,
Jinja ``{{ domain }}``, ``<tmpl_var name="domain">``). Unfilled placeholders
are reported as unknown values; a user who knows a value supplies it, and it
replaces every spelling of that name before values are read. Names match
case-insensitively because panels mix ``{DOMAIN}`` and ``%domain%``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fcgilint.pipeline import Result


@cache
def _pattern(name: str) -> re.Pattern[str]:
    n = re.escape(name)
    spellings = (
        rf"\{{\$?{n}\}}", rf"%{n}%", rf"\{{\{{\s*{n}\s*\}}\}}", rf"<%=?\s*@?{n}\s*-?%>",
        rf"<tmpl_var\s+(?:name\s*=\s*)?[\"']?{n}[\"']?\s*/?>", rf"###{n}###", rf"\[{n}\]",
    )
    return re.compile("|".join(spellings), re.I)


def fill(value: str, values: tuple[tuple[str, str], ...]) -> str:
    """``value`` with every placeholder whose name has a supplied value replaced."""
    for name, replacement in values:
        value = _pattern(name).sub(replacement.replace("\\", "\\\\"), value)
    return value


def fill_words(words: list[str], values: tuple[tuple[str, str], ...]) -> list[str]:
    """Fill placeholders in a directive's words; a tag httpd split at blanks (``<%= x %>``)
    is filled across the words, and the result is split again as httpd would."""
    if not values:
        return words
    filled = [fill(w, values) for w in words]
    joined = " ".join(filled)
    spanning = fill(joined, values)
    return spanning.split() if spanning != joined else filled


def parse_assignments(items: list[str]) -> tuple[tuple[str, str], ...]:
    """``NAME=VALUE`` strings from the command line; raises ValueError naming a bad one."""
    out = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name):
            raise ValueError(f"--set {item}: use NAME=VALUE")
        out.append((name, value))
    return tuple(out)


def unfilled(results: list[Result]) -> list[str]:
    """Notes for mod_fcgid directives whose value is still a placeholder: unknown, never guessed."""
    from fcgilint.knowledge import lookup
    from fcgilint.load.wrapper import PLACEHOLDER

    notes = []
    for result in results:
        for placed in result.model.tree.directives if result.model.tree else ():
            names = sorted({m.group(0) for m in PLACEHOLDER.finditer(" ".join(placed.args))})
            if names and lookup(placed.name) is not None:
                notes.append(
                    f"{placed.location}: {placed.name} has template placeholder {', '.join(names)}: its value is unknown and"
                    " not checked; give it with --set NAME=VALUE or 'set:' in .fcgilint.yaml"
                )
    return notes
