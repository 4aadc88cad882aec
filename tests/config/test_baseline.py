"""Baselines: only new findings, stable when unrelated lines move."""

from __future__ import annotations

import json
from pathlib import Path

from tests.formats.helpers import ENTRY, invoke

CHECK = ["check", "--root", ".", ENTRY]


def new_rules(repo: Path) -> list[str]:
    out = invoke([*CHECK, "--baseline", "baseline.json", "--format", "json"])
    assert out.code in (0, 1), out.stderr
    return [f["rule"] for f in json.loads(out.stdout)["findings"]]


def test_write_then_check_reports_nothing(repo: Path) -> None:
    out = invoke([*CHECK, "--write-baseline", "baseline.json"])
    assert out.code == 0 and out.stdout == ""
    data = json.loads((repo / "baseline.json").read_text())
    assert len(data["findings"]) >= 4
    assert new_rules(repo) == []
    assert invoke([*CHECK, "--baseline", "baseline.json"]).code == 0


def test_baseline_survives_a_line_shift_and_reports_a_new_finding(repo: Path) -> None:
    invoke([*CHECK, "--write-baseline", "baseline.json"])
    conf = repo / ENTRY
    conf.write_text("# managed by the panel\n\nServerAdmin root@example.org\n" + conf.read_text())
    assert new_rules(repo) == []
    conf.write_text(conf.read_text() + "FcgidConnectTimeout 30\n")
    assert new_rules(repo) == ["FCG013"]


def test_identical_lines_are_counted_not_merged(repo: Path) -> None:
    conf = repo / ENTRY
    invoke([*CHECK, "--write-baseline", "baseline.json"])
    conf.write_text(
        conf.read_text().replace("FcgidConnectTimeout 20\n", "FcgidConnectTimeout 20\nFcgidConnectTimeout 20\n")
    )
    assert new_rules(repo) == ["FCG013"]


def test_baseline_file_is_sorted_json(repo: Path) -> None:
    invoke([*CHECK, "--write-baseline", "baseline.json"])
    text = (repo / "baseline.json").read_text()
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_not_a_baseline_is_a_usage_error(repo: Path) -> None:
    (repo / "baseline.json").write_text("{not json")
    out = invoke([*CHECK, "--baseline", "baseline.json"])
    assert out.code == 2 and "baseline.json:1:2" in out.stderr
    (repo / "baseline.json").write_text("[]")
    assert invoke([*CHECK, "--baseline", "baseline.json"]).code == 2


def test_baseline_key_in_the_project_config_is_used_relative_to_it(repo: Path) -> None:
    (repo / "ci").mkdir()
    (repo / ".fcgilint.yaml").write_text("root: .\nentry: etc/apache2/apache2.conf\nbaseline: ci/known.json\n")
    missing = invoke(["check"])
    assert missing.code == 2 and "ci/known.json: cannot read" in missing.stderr
    assert invoke(["check", "--write-baseline", "ci/known.json"]).code == 0
    conf = repo / ENTRY
    conf.write_text(conf.read_text() + "FcgidConnectTimeout 30\n")
    out = invoke(["check", "--format", "json"])
    # info: below --fail-on
    assert out.code == 0 and [f["rule"] for f in json.loads(out.stdout)["findings"]] == ["FCG013"]
    assert invoke(["check", "--baseline", "ci/known.json", "--format", "json"]).stdout == out.stdout


def test_baseline_key_must_be_a_path(repo: Path) -> None:
    (repo / ".fcgilint.yaml").write_text("root: .\nbaseline: [a, b]\n")
    out = invoke(["check"])
    assert out.code == 2 and ".fcgilint.yaml:2:1: baseline: expected a file path" in out.stderr
