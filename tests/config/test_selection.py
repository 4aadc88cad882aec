"""No rule selection makes a tree httpd will not load pass: refusals are shown whatever select/ignore say."""

from __future__ import annotations

import json
from pathlib import Path

from tests.formats.helpers import chdir, invoke, make_repo

FILES = {
    "etc/apache2/apache2.conf": "Include mods-enabled/*.load\nInclude sites-enabled/site.conf\n",
    "etc/apache2/mods-enabled/fcgid.load": "FcgidMaxRequestLen 10M\nFcgidIOTimeout 40\n",
}
CHECK = ["check", "--root", ".", "etc/apache2/apache2.conf", "--format", "json"]


def findings(out: str) -> list[tuple[str, str]]:
    return [(f["rule"], f"{f['file']}:{f['line']}") for f in json.loads(out)["findings"]]


def test_select_and_ignore_on_the_command_line_do_not_hide_refusals(tmp_path: Path) -> None:
    with chdir(make_repo(tmp_path, FILES)):
        for options in (["--select", "FCG001"], ["--ignore", "FCG000", "--ignore", "FCG007"]):
            out = invoke([*CHECK, *options])
            assert out.code == 1, out.stderr
            assert findings(out.stdout) == [
                ("FCG000", "etc/apache2/apache2.conf:2"), ("FCG007", "etc/apache2/mods-enabled/fcgid.load:1")]
            assert (
                "FCG000, FCG007 shown although the rule selection leaves them out"
                in json.loads(out.stdout)["notes"][-1]
            )


def test_select_in_the_project_config_does_not_hide_refusals(tmp_path: Path) -> None:
    with chdir(make_repo(tmp_path, FILES)):
        Path(".fcgilint.yaml").write_text("root: .\nentry: etc/apache2/apache2.conf\nselect: [FCG001]\n")
        out = invoke(["check"])
    assert out.code == 1 and "apache2.conf:2: error FCG000 tree-not-loaded: Could not open" in out.stdout
    assert "No findings." not in out.stdout


def test_what_httpd_accepts_stays_deselected(tmp_path: Path) -> None:
    """FCG007's misreads that httpd accepts (atol reads '10k' as 10) follow the selection like any finding."""
    files = {"etc/apache2/apache2.conf": "FcgidMaxRequestsPerProcess 10k\nFcgidInitialEnv PHP_FCGI_CHILDREN #0\n"}
    with chdir(make_repo(tmp_path, files)):
        selected = invoke([*CHECK, "--select", "FCG007"])
        assert {r for r, _ in findings(selected.stdout)} == {"FCG007"}
        assert findings(invoke([*CHECK, "--select", "FCG013"]).stdout) == []


def test_rule_ids_may_be_listed_in_one_option(tmp_path: Path) -> None:
    """``--select FCG007,FCG013`` (ruff's spelling) selects what two --select options do; an unknown id still fails."""
    files = {"etc/apache2/apache2.conf": "FcgidMaxRequestsPerProcess 10k\nFcgidInitialEnv PHP_FCGI_CHILDREN #0\n"}
    with chdir(make_repo(tmp_path, files)):
        repeated = invoke([*CHECK, "--select", "FCG007", "--select", "FCG013"])
        listed = invoke([*CHECK, "--select", "FCG007,FCG013"])
        assert findings(listed.stdout) == findings(repeated.stdout) != []
        assert {r for r, _ in findings(invoke([*CHECK, "--ignore", "FCG007, FCG013"]).stdout)} & {"FCG007"} == set()
        unknown = invoke([*CHECK, "--select", "FCG007,FCG999"])
    assert unknown.code == 2 and "unknown rule id(s): FCG999" in unknown.stderr
