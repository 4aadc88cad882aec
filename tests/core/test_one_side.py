"""A wrapper or php.ini checked alone: every rule that would fire once the Apache side is known says,
in a note, that it was not checked, instead of staying silent.

The same PHP-side values are checked twice: alone, and with the smallest Apache config that starts
the wrapper (every mod_fcgid value at its default, nothing wrong on the Apache side by itself). A
rule that fires only in the pair needs the Apache side, so the lone run must name it in a note.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import analyse
from tests.conftest import write_tree

WRAPPER = (
    "#!/bin/sh\nPHP_FCGI_MAX_REQUESTS=1000\nexport PHP_FCGI_MAX_REQUESTS\n"
    'exec /usr/bin/php-cgi -d max_execution_time=900 -d post_max_size=64M "$@"\n'
)
PHP_INI = "[PHP]\nmax_execution_time = 900\npost_max_size = 64M\n"


def _not_checked(notes: list[str]) -> set[str]:
    return {note.split(":", 1)[0] for note in notes if ": not checked:" in note}


def test_lone_wrapper_notes_every_rule_the_pair_fires(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "usr/local/bin/php-wrapper": WRAPPER,
        "etc/apache2/apache2.conf": "<Directory /var/www>\nOptions +ExecCGI\n"
                                    "FcgidWrapper /usr/local/bin/php-wrapper .php\n</Directory>\n",
    })
    pair = analyse(tmp_path / "etc/apache2/apache2.conf", LoadOptions(root=tmp_path))
    alone = analyse(tmp_path / "usr/local/bin/php-wrapper", LoadOptions(root=tmp_path))
    needs_apache = {f.rule for f in pair.findings} - {f.rule for f in alone.findings}
    assert {"FCG001", "FCG003", "FCG004", "FCG005"} <= needs_apache
    assert needs_apache <= _not_checked(alone.notes), alone.notes


@pytest.mark.parametrize("rule", ["FCG003", "FCG004", "FCG005"])
def test_lone_php_ini_notes_the_rules_that_compare_it_with_mod_fcgid(rule: str, tmp_path: Path) -> None:
    ini = tmp_path / "php.ini"
    ini.write_text(PHP_INI, encoding="utf-8")
    notes = analyse(ini, LoadOptions()).notes
    assert rule in _not_checked(notes)
    assert any(note.startswith(f"{rule}: not checked: a php.ini alone: the Apache side (Fcgid") for note in notes)
