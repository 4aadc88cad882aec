"""The loader follows a tree the way httpd does, and bad input never crashes it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fcgilint.cli import app
from fcgilint.load.apache_tree import LoadOptions, load_tree

runner = CliRunner()


def _keys(tree) -> list[str]:
    return [f"{d.name} {' '.join(d.args)}" for d in tree.directives if d.key.startswith("fcgid")]


def test_includes_follow_server_root_globs_in_sorted_order(tree) -> None:
    base = tree({
        "etc/apache2/apache2.conf": "ServerRoot /etc/apache2\nIncludeOptional conf.d/*.conf\nInclude extra\n",
        "etc/apache2/conf.d/b.conf": "FcgidIOTimeout 2\n",
        "etc/apache2/conf.d/a.conf": "FcgidIOTimeout 1\n",
        "etc/apache2/extra/z.conf": "FcgidIOTimeout 3\n",
    })
    loaded = load_tree(base / "etc/apache2/apache2.conf", LoadOptions(root=base))
    assert _keys(loaded) == ["FcgidIOTimeout 1", "FcgidIOTimeout 2", "FcgidIOTimeout 3"]
    assert not loaded.problems


def test_conditionals_defines_and_variables(tree) -> None:
    base = tree({
        "httpd.conf": "Define LIMIT 77\n<IfModule mod_fcgid.c>\nFcgidMaxRequestsPerProcess ${LIMIT}\n</IfModule>\n"
        "<IfModule !mod_fcgid.c>\nFcgidIOTimeout 1\n</IfModule>\n<IfDefine SSL>\nFcgidIOTimeout 2\n</IfDefine>\n"
        "<IfVersion >= 2.4>\nFcgidBusyTimeout 9\n</IfVersion>\n<IfModule mod_php7.c>\nFcgidIOTimeout 3\n</IfModule>\n",
    })
    loaded = load_tree(base / "httpd.conf", LoadOptions(root=base))
    assert _keys(loaded) == ["FcgidMaxRequestsPerProcess 77", "FcgidBusyTimeout 9"]
    with_ssl = load_tree(
        base / "httpd.conf", LoadOptions(root=base, defines=(("SSL", ""),), without_modules=frozenset({"fcgid"}))
    )
    assert _keys(with_ssl) == ["FcgidIOTimeout 1", "FcgidIOTimeout 2", "FcgidBusyTimeout 9"]


def test_envvars_file_supplies_variables(tree) -> None:
    base = tree(
        {
            "etc/apache2/apache2.conf": "FcgidIPCDir ${APACHE_RUN_DIR}/fcgid\n",
            "etc/apache2/envvars": "export APACHE_RUN_DIR=/var/run/apache2\n",
        }
    )
    loaded = load_tree(base / "etc/apache2/apache2.conf", LoadOptions(root=base))
    assert _keys(loaded) == ["FcgidIPCDir /var/run/apache2/fcgid"]


def test_include_loop_and_missing_include_are_problems_not_crashes(tree) -> None:
    base = tree({"a.conf": "Include b.conf\nInclude nope.conf\n", "b.conf": "Include a.conf\n"})
    loaded = load_tree(base / "a.conf", LoadOptions())
    messages = [p.message for p in loaded.problems]
    assert any("Include loop" in m for m in messages)
    assert any("Could not open configuration file nope.conf" in m for m in messages)


def test_vhost_scope_is_recorded(tree) -> None:
    base = tree(
        {
            "httpd.conf": "<VirtualHost *:80>\nServerName a.example\n<Directory /x>\nFcgidWrapper /usr/bin/php-cgi ."
                          "php\n</Directory>\n</VirtualHost>\n"
        }
    )
    loaded = load_tree(base / "httpd.conf", LoadOptions())
    (wrapper,) = loaded.named("FcgidWrapper")
    assert wrapper.vhost is not None and wrapper.vhost.server_name == "a.example"
    assert wrapper.in_directory


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"\x00\x01binary", "binary file"), (None, "no such file")],
)
def test_unusable_entry_exits_2_with_one_clear_line(tmp_path: Path, content: bytes | None, expected: str) -> None:
    path = tmp_path / "httpd.conf"
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert expected in result.output and "Traceback" not in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of their mode")
def test_unreadable_entry_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "httpd.conf"
    path.write_text("FcgidIOTimeout 4\n")
    path.chmod(0)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2 and "permission denied" in result.output


def test_huge_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("fcgilint.source.MAX_FILE_BYTES", 10)
    path = tmp_path / "httpd.conf"
    path.write_text("FcgidIOTimeout 40\n")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2 and "byte limit" in result.output


def test_latin1_bytes_and_broken_syntax_give_findings_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "httpd.conf"
    path.write_bytes(b"# caf\xe9\n<VirtualHost *:80>\nFcgidIOTimeout 4\n</Directory>\n")
    result = runner.invoke(app, ["check", "--format", "json", str(path)])
    assert result.exit_code == 1
    findings = json.loads(result.output)["findings"]
    assert {"rule": "FCG007", "line": 4} in [{"rule": f["rule"], "line": f["line"]} for f in findings]


def test_directory_argument_finds_the_entry_and_json_is_stable(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2] / "examples" / "seed"
    result = runner.invoke(app, ["check", "--root", str(repo), "--format", "json", str(repo / "etc/apache2")])
    assert result.exit_code == 1
    payload = json.loads(result.output)
    race = [f for f in payload["findings"] if f["rule"] == "FCG001"]
    assert race and race[0]["severity"] == "error"
    assert set(race[0]) >= {"rule", "severity", "file", "line", "message", "related"}
    assert race[0]["file"].endswith("sites-enabled/penny.conf")


def test_wrapper_alone_says_what_it_cannot_judge(tmp_path: Path) -> None:
    path = tmp_path / "starter"
    path.write_text("#!/bin/sh\nexport PHP_FCGI_MAX_REQUESTS=500\nexec /usr/bin/php-cgi\n")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 0
    assert "FCG001: not checked" in result.output


def test_fail_on_and_exit_zero(tmp_path: Path) -> None:
    path = tmp_path / "httpd.conf"
    path.write_text("FcgidConnectTimeout 20\n")
    assert runner.invoke(app, ["check", str(path)]).exit_code == 0
    assert runner.invoke(app, ["check", "--fail-on", "info", str(path)]).exit_code == 1
    assert runner.invoke(app, ["check", "--fail-on", "info", "--exit-zero", str(path)]).exit_code == 0
    assert runner.invoke(app, ["check", "--select", "FCG999", str(path)]).exit_code == 2


def test_php_cgi_binary_outside_a_config_repository_is_not_missing(tree) -> None:
    base = tree(
        {
            "httpd.conf": "FcgidMaxRequestsPerProcess 500\nFcgidWrapper /usr/bin/php-cgi-not-installed .php\n"
                          "FcgidWrapper /usr/local/bin/gone-wrapper .php5\n"
        }
    )
    from fcgilint.pipeline import analyse

    result = analyse(base / "httpd.conf", LoadOptions(root=base))
    missing = [f.message for f in result.findings if f.rule == "FCG008"]
    assert missing == ["Wrapper /usr/local/bin/gone-wrapper cannot be accessed: no such file (httpd refuses to start)"]
    assert any("php-cgi binary outside the checked tree" in n for n in result.notes)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_devices_are_refused_without_reading_them(device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"{device} not present")
    result = runner.invoke(app, ["check", device])
    assert result.exit_code == 2 and "not a regular file" in result.output


def test_include_of_a_device_is_a_finding(tree) -> None:
    base = tree({"httpd.conf": "Include /dev/zero\nFcgidIOTimeout 40\n"})
    result = runner.invoke(app, ["check", "--format", "json", str(base / "httpd.conf")])
    assert result.exit_code == 1
    (finding,) = [f for f in json.loads(result.output)["findings"] if f["rule"] == "FCG000"]
    assert "not a regular file" in finding["message"]


def test_dot_files_under_root_keep_their_name(tree) -> None:
    """``/.htaccess`` under ``--root`` is the file itself, not ``/htaccess``."""
    base = tree({"srv/site/.htaccess": "FcgidIOTimeout 5\n", "httpd.conf": "Include /srv/site/.htaccess\n"})
    loaded = load_tree(base / "httpd.conf", LoadOptions(root=base))
    assert not loaded.problems
    assert _keys(loaded) == ["FcgidIOTimeout 5"]
    direct = load_tree(base / "srv/site/.htaccess", LoadOptions(root=base))
    assert not direct.problems and _keys(direct) == ["FcgidIOTimeout 5"]


def test_an_include_takes_effect_in_the_section_it_stands_in(tree) -> None:
    """httpd reads an included file in place: inside <VirtualHost> and <Directory>, at any depth."""
    base = tree({
        "httpd.conf": "ServerRoot /\n<VirtualHost *:80>\nServerName a.example\n<Directory /srv/a>\nInclude inc/a.conf\n"
        "</Directory>\nInclude inc/vhost.conf\n</VirtualHost>\nInclude inc/main.conf\n",
        "inc/a.conf": "Include inc/deeper.conf\n",
        "inc/deeper.conf": "FcgidWrapper /usr/bin/php-cgi .php\n",
        "inc/vhost.conf": "FcgidMaxRequestsPerProcess 20\n",
        "inc/main.conf": "FcgidIOTimeout 60\n",
    })
    loaded = load_tree(base / "httpd.conf", LoadOptions(root=base))
    (wrapper,) = loaded.named("FcgidWrapper")
    assert wrapper.vhost is not None and wrapper.vhost.server_name == "a.example"
    assert [section.key for section, _ in wrapper.containers] == ["directory"]
    (limit,) = loaded.named("FcgidMaxRequestsPerProcess")
    assert limit.vhost is wrapper.vhost and not limit.in_directory
    (timeout,) = loaded.named("FcgidIOTimeout")
    assert timeout.vhost is None
