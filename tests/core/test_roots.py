"""What a path in the config means never depends on where fcgilint runs from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fcgilint.cli import app

WRAPPER = (
    "#!/bin/sh\nPHP_FCGI_MAX_REQUESTS=20\nexport PHP_FCGI_MAX_REQUESTS\nexec /usr/bin/php-cgi -c /etc/php/site.ini\n"
)
FILES = {
    "etc/apache2/apache2.conf": "ServerRoot /etc/apache2\nFcgidWrapper /usr/local/bin/php-wrapper .php\n",
    "usr/local/bin/php-wrapper": WRAPPER,
    "etc/php/site.ini": "[PHP]\npost_max_size = 64M\n",
}


def _check(cwd: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, int]]:
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(app, ["check", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return sorted((f["rule"], Path(f["file"]).name, f["line"]) for f in json.loads(result.output)["findings"])


def test_a_repository_checked_from_a_subdirectory_reads_the_same_tree(tree, monkeypatch: pytest.MonkeyPatch) -> None:
    base: Path = tree(FILES)
    (base / ".git").mkdir()
    from_top = _check(base, monkeypatch)
    from_below = _check(base / "etc" / "apache2", monkeypatch)
    assert from_top == from_below
    assert ("FCG001", "apache2.conf", 2) in from_top
    assert not [f for f in from_top if f[0] == "FCG008"]  # the wrapper is found: the root is the repository top


def test_a_windows_config_maps_under_root_and_gets_windows_facts(tree) -> None:
    from fcgilint.load.apache_tree import LoadOptions
    from fcgilint.pipeline import analyse

    base: Path = tree({
        "Apache24/conf/httpd.conf": 'ServerRoot "D:/Apache24"\nInclude conf/extra/httpd-fcgid.conf\n',
        "Apache24/conf/extra/httpd-fcgid.conf": 'FcgidConnectTimeout 20\nFcgidWrapper "D:\\\\php\\\\php-cgi.exe" .php\n'
        "FcgidMaxRequestsPerProcess 500\n",
    })
    result = analyse(base / "Apache24/conf/httpd.conf", LoadOptions(root=base))
    assert not result.model.tree.problems, result.model.tree.problems  # the Include under D:/ was found
    rules = {f.rule for f in result.findings}
    assert "FCG000" not in rules and "FCG013" not in rules  # FcgidConnectTimeout does work on Windows
    (pc,) = result.model.classes
    assert pc.is_php and pc.php_binary is not None and pc.php_binary.endswith("php-cgi.exe")


def test_a_file_reached_through_a_symlink_is_named_itself_and_the_fix_edits_it(tree) -> None:
    from fcgilint.load.apache_tree import LoadOptions
    from fcgilint.pipeline import analyse

    base: Path = tree({
        "etc/apache2/apache2.conf": "ServerRoot /etc/apache2\nIncludeOptional sites-enabled/*.conf\n",
        "etc/apache2/sites-available/a.conf": "<VirtualHost *:80>\n    ServerName a.example\n"
        "    FcgidWrapper /usr/local/bin/php-wrapper .php\n</VirtualHost>\n",
        "usr/local/bin/php-wrapper": WRAPPER,
    })
    (base / "etc/apache2/sites-enabled").mkdir()
    (base / "etc/apache2/sites-enabled/a.conf").symlink_to("../sites-available/a.conf")
    result = analyse(base / "etc/apache2/apache2.conf", LoadOptions(root=base))
    (race,) = [f for f in result.findings if f.rule == "FCG001"]
    assert race.location.file.endswith("sites-available/a.conf") and race.location.line == 3
    assert any(r.location.file.endswith("sites-enabled/a.conf") and "symlink" in r.note for r in race.related)
    assert race.fix is not None and all(e.file.endswith("sites-available/a.conf") for e in race.fix.edits)
