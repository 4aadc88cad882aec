"""``.fcgilint.yaml``: found by walking up, merged under the command line, errors with file:line:col."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fcgilint.project_config import FILE_NAME, load_config
from tests.formats.helpers import ENTRY, chdir, invoke


def write_config(repo: Path, text: str) -> Path:
    path = repo / FILE_NAME
    path.write_text(text)
    return path


def rules_found(args: list[str]) -> set[str]:
    out = invoke([*args, "--format", "json"])
    assert out.code in (0, 1), out.stderr
    return {f["rule"] for f in json.loads(out.stdout)["findings"]}


def test_config_found_from_a_subdirectory_supplies_root_and_entry(repo: Path) -> None:
    write_config(repo, f"root: .\nentry: {ENTRY}\nignore: [FCG013]\n")
    with chdir(repo / "etc"):
        out = invoke(["check", "--format", "json"])
    files = {f["file"] for f in json.loads(out.stdout)["findings"]}
    assert files == {"apache2/apache2.conf"}
    assert "FCG013" not in {f["rule"] for f in json.loads(out.stdout)["findings"]}


def test_command_line_wins_over_the_file(repo: Path) -> None:
    write_config(repo, "root: .\nfail_on: info\nselect: [FCG013]\n")
    assert invoke(["check"]).code == 1
    assert invoke(["check", "--fail-on", "warning"]).code == 0
    assert rules_found(["check", "--select", "FCG006"]) == {"FCG006"}


def test_explicit_config_file(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    other = tmp_path_factory.mktemp("cfg") / "fcgilint.yaml"
    other.write_text(f"root: {repo}\nentry: {repo / ENTRY}\nselect: [FCG013]\n")
    assert rules_found(["check", "--config", str(other)]) == {"FCG013"}
    assert invoke(["check", "--config", "nope.yaml"]).code == 2


def test_severity_override_and_per_path_ignores(repo: Path) -> None:
    write_config(repo, "root: .\nseverity:\n  FCG013: error\nper_path_ignores:\n  'etc/apache2/*.conf': [FCG006]\n")
    findings = json.loads(invoke(["check", "--format", "json"]).stdout)["findings"]
    assert {f["rule"]: f["severity"] for f in findings}["FCG013"] == "error"
    assert "FCG006" not in {f["rule"] for f in findings}


def test_defines_modules_and_set_reach_the_loader(repo: Path) -> None:
    (repo / ENTRY).write_text(
        "<IfDefine LEGACY>\n  MaxRequestsPerProcess 10\n</IfDefine>\n"
        "<IfModule !php7_module>\n  FcgidConnectTimeout 5\n</IfModule>\n"
        "<VirtualHost *:80>\n  FcgidMaxRequestsPerProcess {MAXREQ}\n  FcgidWrapper /usr/local/bin/php-wrapper .php\n</"
        "VirtualHost>\n"
    )
    write_config(repo, "root: .\ndefines: {LEGACY: null}\nmodules: [php7]\nset:\n  MAXREQ: 2000\n")
    found = rules_found(["check"])
    assert "FCG006" in found and "FCG013" not in found and "FCG001" in found


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("root: .\nfail_onn: error\n", "2:1", "unknown key 'fail_onn'"),
        ("fail_on: fatal\n", "1:10", "not a severity"),
        ("ignore:\n  - FCG001\n  - FCG777\n", "3:5", "unknown rule id 'FCG777'"),
        ("severity:\n  FCG001: loud\n", "2:11", "not a severity"),
        ("select: FCG001\n", "1:1", "expected a list"),
        ("root: [a\n", "2:1", "invalid YAML"),
        ("rule_dirs:\n  - missing-dir\n", "2:5", "not a directory"),
        ("per_path_ignores:\n  '*.conf': {a: 1}\n", "2:13", "expected a list of rule ids"),
        ("- just\n- a list\n", "1:1", "mapping"),
        ("defines: {A: [1]}\n", "1:1", "NAME: value"),
        ("a: 1\na: 2\n", "2:1", "duplicate key"),
    ],
)
def test_invalid_file_reports_the_bad_key_with_line_and_col(repo: Path, text: str, where: str, words: str) -> None:
    path = write_config(repo, text)
    out = invoke(["check", "--root", ".", ENTRY])
    assert out.code == 2 and out.stdout == ""
    assert out.stderr.startswith(f"fcgilint: {path}:{where}: "), out.stderr
    assert words in out.stderr


def test_init_writes_a_commented_starter_that_loads_and_refuses_to_overwrite(tmp_path: Path) -> None:
    assert invoke(["init", str(tmp_path)]).code == 0
    target = tmp_path / FILE_NAME
    assert target.read_text().startswith("#")
    assert load_config(target).fail_on is not None
    before = target.read_text()
    out = invoke(["init", str(tmp_path)])
    assert out.code == 2 and "already exists" in out.stderr
    assert target.read_text() == before


def _throttled_repo(repo: Path, limit: int) -> None:
    """A vhost whose processes are replaced every ``limit`` requests on both sides (no race)."""
    (repo / "etc/apache2/sites-enabled").mkdir(parents=True, exist_ok=True)
    (repo / "usr/local/bin").mkdir(parents=True, exist_ok=True)
    (repo / "etc/apache2/sites-enabled/shop.conf").write_text(
        "<VirtualHost *:80>\n    ServerName shop\n    FcgidWrapper /usr/local/bin/shop-php .php\n"
        f"    FcgidMaxRequestsPerProcess {limit}\n</VirtualHost>\n"
    )
    wrapper = repo / "usr/local/bin/shop-php"
    wrapper.write_text(f"#!/bin/sh\nexport PHP_FCGI_MAX_REQUESTS={limit}\nexec /usr/bin/php-cgi\n")
    wrapper.chmod(0o755)


def test_rate_sets_what_each_class_must_sustain(repo: Path) -> None:
    _throttled_repo(repo, 300)  # 300 x 1 / (1 + 2) = 100 requests/s under the default spawn score
    entry = repo / "etc/apache2/sites-enabled/shop.conf"
    write_config(repo, "root: .\nrate: 50\n")
    assert "FCG021" not in rules_found(["check", "--select", "FCG021", str(entry)])
    write_config(repo, "root: .\nrate: 150\n")
    out = invoke(["check", "--select", "FCG021", "--format", "json", str(entry)])
    (finding,) = json.loads(out.stdout)["findings"]
    assert "about 100 req/s" in finding["message"] and "150 req/s" in finding["message"]
    assert "at least 500" in finding["message"] and finding["fix"]["safe"] is False


@pytest.mark.parametrize("value", ["0", "-3", "fast", "true"])
def test_rate_must_be_a_positive_number(repo: Path, value: str) -> None:
    write_config(repo, f"root: .\nrate: {value}\n")
    out = invoke(["check"])
    assert out.code == 2 and f"{FILE_NAME}:2:7: rate:" in out.stderr
