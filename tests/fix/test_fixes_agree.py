"""Advice from two rules never contradicts: every fix a finding offers (and the option FCG012 says to
add), applied alone and re-checked, must not make another rule fire against the value it just set.

Run on every rule example (bad and good) and on generated trees built from the settings that
remedies touch (FcgidCmdOptions with and without options, FcgidInitialEnv, server and vhost
limits, wrapper exports, php.ini values).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fcgilint import knowledge
from fcgilint.findings import Edit, Finding, Fix
from fcgilint.fix.edits import apply_edits, by_file
from fcgilint.checks.remedies import sources_of
from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import analyse
from fcgilint.rules import Example, load_rules
from fcgilint.source import SourceFile
from tests.conftest import write_tree


def contradictions(entry: Path, options: LoadOptions) -> list[str]:
    """Apply each offered fix alone, re-check, and report findings of other rules on the lines it wrote."""
    before = analyse(entry, options)
    known = {(f.rule, f.location.file, f.message) for f in before.findings}
    sources = sources_of(before.model)
    found: list[str] = []
    for finding in before.findings:
        fix = finding.fix or _advised(finding, sources)
        if fix is None or any(e.file not in sources for e in fix.edits):
            continue
        originals = {d: sources[d].path.read_bytes() for d in by_file(fix.edits)}
        written: dict[str, set[int]] = {}
        try:
            for display, edits in by_file(fix.edits).items():
                new = apply_edits(sources[display].text, edits)
                written[display] = _new_lines(sources[display].text, edits)
                sources[display].path.write_bytes(new.encode("utf-8", "surrogateescape"))
            after = analyse(entry, options)
        finally:
            for display, data in originals.items():
                sources[display].path.write_bytes(data)
        values = _values(fix)
        found += [_say(finding, fix, f) for f in after.findings if _against(f, finding, written, known, values)]
    return found


_ADD_OPTION = re.compile(r"add '(\w+ [^' ]+)' to the FcgidCmdOptions line")


def _advised(finding: Finding, sources: dict[str, SourceFile]) -> Fix | None:
    """Advice a message gives without a fix, made into one: FCG012's "add 'Option value' to the
    FcgidCmdOptions line" appends those words to that line."""
    match = _ADD_OPTION.search(finding.message)
    line = next((r.location for r in finding.related if r.note == "FcgidCmdOptions"), None)
    if match is None or line is None or line.file not in sources:
        return None
    text = sources[line.file].text
    start = 0
    for _ in range(line.line - 1):
        start = text.index("\n", start) + 1
    end = text.find("\n", start)
    end = len(text) if end == -1 else end
    return Fix(f"add {match.group(1)}", [Edit(line.file, end, end, f" {match.group(1)}")])


def _new_lines(text: str, edits: list[Edit]) -> set[int]:
    """1-based lines of the edited text that hold replacement text."""
    lines: set[int] = set()
    shift = 0
    new_text = apply_edits(text, edits)
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        first = new_text.count("\n", 0, edit.start + shift) + 1
        lines.update(range(first, first + edit.replacement.rstrip("\n").count("\n") + 1))
        shift += len(edit.replacement) - (edit.end - edit.start)
    return lines


def _values(fix: Fix) -> set[str]:
    """The values a fix writes: the words of its replacements that are not directive or option names."""
    words = {w for e in fix.edits for w in e.replacement.split()}
    return {w for w in words if knowledge.lookup(w) is None and w.lower() not in knowledge.CMD_OPTIONS}


def _against(after: Finding, fixed: Finding, written: dict[str, set[int]], known: set[tuple[str, str, str]],
             values: set[str]) -> bool:
    """A new finding of another rule on a line the fix wrote, about a value it wrote (not, say, about
    the directive's module not being loaded, which every mod_fcgid line of that tree shares)."""
    if after.rule == fixed.rule or (after.rule, after.location.file, after.message) in known:
        return False
    if after.location.line not in written.get(after.location.file, ()):  # it asks to change what was just set
        return False
    return any(re.search(rf"(?<![\w.]){re.escape(v)}(?![\w.])", after.message) for v in values)


def _say(fixed: Finding, fix: Fix, after: Finding) -> str:
    return f"{fixed.rule} fix '{fix.description}' -> {after.rule} at {after.location}: {after.message}"


EXAMPLES = [(rule.id, kind, i, ex) for rule in load_rules() for kind, exs in (("bad", rule.bad), ("good", rule.good))
            for i, ex in enumerate(exs)]


@pytest.mark.parametrize(("rule", "kind", "index", "example"), EXAMPLES, ids=[f"{r}-{k}{i}" for r, k, i, _ in EXAMPLES])
def test_fixes_of_rule_examples_agree(rule: str, kind: str, index: int, example: Example, tmp_path: Path) -> None:
    write_tree(tmp_path, example.files)
    assert contradictions(tmp_path / example.entry, LoadOptions(root=tmp_path)) == []


SERVER_LINES = st.sampled_from([
    "FcgidMaxRequestsPerProcess 0", "FcgidMaxRequestsPerProcess 1000", "FcgidMaxRequestsPerProcess 300",
    "FcgidIOTimeout 20", "FcgidIOTimeout 600", "FcgidBusyTimeout 30", "FcgidMaxRequestLen 131072",
    "FcgidInitialEnv PHP_FCGI_MAX_REQUESTS 500", "FcgidInitialEnv PHP_FCGI_MAX_REQUESTS=200",
    "FcgidInitialEnv PHP_FCGI_CHILDREN 4", "FcgidCmdOptions /w/php-wrapper IOTimeout 60",
    "FcgidCmdOptions /w/php-wrapper MaxRequestsPerProcess 0",
    "FcgidCmdOptions /w/php-wrapper InitialEnv PHP_FCGI_MAX_REQUESTS=100", "MaxRequestsPerProcess 2000",
    "AddHandler fcgid-script .php # php files", "SetEnv PHP_FCGI_MAX_REQUESTS 50",
])
WRAPPER_LINES = st.sampled_from([
    "export PHP_FCGI_MAX_REQUESTS=400", "PHP_FCGI_CHILDREN=3", "export PHP_FCGI_CHILDREN", "PHP_FCGI_MAX_REQUESTS=800",
])
INI_LINES = st.sampled_from(["max_execution_time = 120", "post_max_size = 64M", "upload_max_filesize = 16M"])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(SERVER_LINES, max_size=6), st.lists(SERVER_LINES, max_size=3), st.lists(WRAPPER_LINES, max_size=3),
       st.lists(INI_LINES, max_size=3))
def test_fixes_of_generated_trees_agree(tmp_path: Path, server: list[str], vhost: list[str], wrapper: list[str],
                                        ini: list[str]) -> None:
    base = tmp_path / "t"
    write_tree(base, {
        "etc/apache2/apache2.conf": "\n".join([
            *server, "<VirtualHost *:80>", "    ServerName a.test", *(f"    {line}" for line in vhost),
            "    <Directory /var/www>", "        Options +ExecCGI", "        FcgidWrapper /w/php-wrapper .php",
            "    </Directory>", "</VirtualHost>", ""]),
        "w/php-wrapper": "#!/bin/sh\n" + "".join(f"{line}\n" for line in wrapper)
                         + "exec /usr/bin/php-cgi -c /w/php.ini\n",
        "w/php.ini": "".join(f"{line}\n" for line in ini),
    })
    assert contradictions(base / "etc/apache2/apache2.conf", LoadOptions(root=base)) == []


@pytest.mark.parametrize("server", [
    ["FcgidMaxRequestsPerProcess 0", "FcgidCmdOptions /w/php-wrapper MaxProcesses 4"],  # FCG012 said 0, FCG001 500
    ["FcgidIOTimeout 20", "FcgidCmdOptions /w/php-wrapper MaxProcesses 4"],  # FCG012 said 20, FCG003 wants 120
    ["FcgidMaxRequestsPerProcess 900", "FcgidCmdOptions /w/php-wrapper IOTimeout 200"],
])
def test_cmdoptions_advice_agrees_with_the_limit_rules(server: list[str], tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "etc/apache2/apache2.conf": "\n".join([*server, "<Directory /var/www>", "Options +ExecCGI",
                                               "FcgidWrapper /w/php-wrapper .php", "</Directory>", ""]),
        "w/php-wrapper": "#!/bin/sh\nexport PHP_FCGI_MAX_REQUESTS=400\nexec /usr/bin/php-cgi -c /w/php.ini\n",
        "w/php.ini": "max_execution_time = 120\n",
    })
    entry = tmp_path / "etc/apache2/apache2.conf"
    assert any(f.rule == "FCG012" for f in analyse(entry, LoadOptions(root=tmp_path)).findings)
    assert contradictions(entry, LoadOptions(root=tmp_path)) == []


def test_no_fcg011_beside_cmdoptions_without_initialenv(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "etc/apache2/apache2.conf": "FcgidCmdOptions /usr/bin/php-cgi MaxRequestsPerProcess 500\n<Directory /var/www>\n"
                                    "Options +ExecCGI\nFcgidWrapper /usr/bin/php-cgi .php\n</Directory>\n",
    })
    rules = {f.rule for f in analyse(tmp_path / "etc/apache2/apache2.conf", LoadOptions(root=tmp_path)).findings}
    assert "FCG011" not in rules
