"""Template placeholders: how hosting panels spell them, and the values a user gives them.

Everything the project knows about templates lives here, in a module that imports
nothing of the project, so the loader, the model and the checks share one reading.

Panels keep vhosts as templates (``{DOMAIN}``, ``%domain%``, ERB ``<%= domain %>``,
Jinja ``{{ domain }}``, ``<tmpl_var name="domain">``, ``{tmpl_var name='domain'}``). Unfilled placeholders
(``--set NAME=VALUE``, config ``set:``)
are reported as unknown values; a user who knows a value supplies it, and it
replaces every spelling of that name before values are read. Names match
case-insensitively because panels mix ``{DOMAIN}`` and ``%domain%``.
"""

from __future__ import annotations

import re
from functools import cache

# Placeholders of hosting-panel and config-management templates: never a real value.
# ISPConfig writes tmpl_var in angle brackets and, inside section openers, in braces ({tmpl_var name='x'}).
PLACEHOLDER = re.compile(
    r"\{\{.*?\}\}|\{%.*?%\}|<%.*?%>|<\?.*?\?>|<tmpl_var[^>]*>|\{tmpl_var[^}]*\}|\{\$?[A-Z][A-Z0-9_]*\}|%[a-z_]+%"
    r"|###[A-Z_]+###|\[[a-z_]+\]", re.I)

# Hosting panels keep configs as templates; their logic lines (ERB/EPP, PHP, ISPConfig's
# tmpl_*, Jinja/Twig) are not httpd syntax until rendered, so they neither open sections
# nor count as httpd errors. They keep their httpd reading (kind, name) for comparison.
_TEMPLATE_TAG = re.compile(r"<%|<\?|</?tmpl_|\{%|\[%", re.I)

# The start of a template tag that httpd's word split cut off from its end ("<%=", "{{").
_TEMPLATE_OPENER = re.compile(r"<%|\{\{|\{%|<\?|<tmpl_|\{tmpl_", re.I)

# A hosting panel's template keeps lines in branches it renders only for some set-ups
# (ISPConfig's <tmpl_if name='php' value='mod'>, i-MSCP's "# SECTION itk BEGIN" markers, Jinja, ERB).
_BRANCH_OPEN = re.compile(r"\s*(?:<tmpl_(?:if|unless)\b|\{%-?\s*if\b|<%-?\s*(?:if|unless)\b|# SECTION \S+ BEGIN)", re.I)
_BRANCH_CLOSE = re.compile(r"\s*(?:</tmpl_(?:if|unless)>|\{%-?\s*endif\b|<%-?\s*end\b|# SECTION \S+ END)", re.I)


def is_placeholder(value: str) -> bool:
    """True if a value is (or contains) a template placeholder rather than a literal."""
    return bool(PLACEHOLDER.search(value))


def is_template_logic(line: str) -> bool:
    """True for a template's logic line (``<% if %>``, ``{% for %}``, ``<tmpl_if>``): not httpd syntax."""
    return bool(_TEMPLATE_TAG.match(line.lstrip()))


def opens_template(word: str) -> bool:
    """True if a word holds the start of a template tag httpd's word split cut from its end."""
    return bool(_TEMPLATE_OPENER.search(word))


@cache
def _pattern(name: str) -> re.Pattern[str]:
    n = re.escape(name)
    spellings = (
        rf"\{{\$?{n}\}}", rf"%{n}%", rf"\{{\{{\s*{n}\s*\}}\}}", rf"<%=?\s*@?{n}\s*-?%>",
        rf"<tmpl_var\s+(?:name\s*=\s*)?[\"']?{n}[\"']?\s*/?>", rf"\{{tmpl_var\s+(?:name\s*=\s*)?[\"']?{n}[\"']?\s*\}}",
        rf"###{n}###", rf"\[{n}\]",
    )
    return re.compile("|".join(spellings), re.I)


def branch_depths(text: str) -> list[int]:
    """For each line of a file, how many template conditionals enclose it (0: always rendered)."""
    depth, depths = 0, []
    for line in text.splitlines():
        if _BRANCH_CLOSE.match(line):
            depth = max(0, depth - 1)
        depths.append(depth)
        if _BRANCH_OPEN.match(line):
            depth += 1
    return depths


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
