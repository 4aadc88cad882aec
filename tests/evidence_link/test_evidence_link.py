"""``check --evidence`` / ``fix --evidence`` on the real lab captures.

Each test writes the config the lab ran (the same absolute paths, mapped with
``--root``), so the wrapper named in the capture is the FcgidWrapper of the
config checked, exactly as on a real server.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO, write_tree
from tests.formats.helpers import invoke

CAPTURES = REPO / "tests" / "data" / "captures"


def lab_root(scenario: str) -> str:
    """Where the lab lived when the capture was taken (its paths appear in the capture)."""
    return json.loads((CAPTURES / scenario / "meta.json").read_text())["lab_root"]


def lab_tree(
    base: Path,
    scenario: str,
    php_limit: int = 20,
    fcgid_limit: int | None = None,
    wrappers: tuple[str, ...] = ("php-wrapper",),
) -> Path:
    """The lab's httpd.conf and wrapper(s) under ``base`` (as ``--root``); returns the entry config.

    The vhost of the lab's own wrapper is called as the lab's server was (``127.0.0.1``, the name its
    ``server 127.0.0.1:.../php-wrapper(PID) started`` lines give), so the capture's vhost is the config's.
    """
    lab = lab_root(scenario)
    # The captures ran with the lab's high spawn-score limit, so that a load takes seconds.
    lines = [f'ServerRoot "{lab}"', f'FcgidIPCDir "{lab}/run/fcgid-sock"', "FcgidMaxRequestLen 8388608",
             "FcgidSpawnScoreUpLimit 100000"]
    if fcgid_limit is not None:
        lines.append(f"FcgidMaxRequestsPerProcess {fcgid_limit}")
    files = {}
    for number, name in enumerate(wrappers):
        lines += [
            f"<VirtualHost *:{8080 + number}>",
            f"    ServerName {'127.0.0.1' if name == 'php-wrapper' else f'site{number}.example'}",
            f'    <Directory "{lab}/htdocs{number}">',
            "        Options +ExecCGI",
            "        <FilesMatch \\.php$>",
            "            SetHandler fcgid-script",
            "        </FilesMatch>",
            f"        FcgidWrapper {lab}/bin/{name} .php",
            "    </Directory>",
            "</VirtualHost>",
        ]
        files[f"{lab}/bin/{name}".lstrip("/")] = (
            f"#!/bin/sh\nPHP_FCGI_MAX_REQUESTS={php_limit}\nexport PHP_FCGI_MAX_REQUESTS\nexec /usr/bin/php-cgi\n"
        )
    files[f"{lab}/conf/httpd.conf".lstrip("/")] = "\n".join(lines) + "\n"
    write_tree(base, files)
    return base / lab.lstrip("/") / "conf" / "httpd.conf"


def evidence_args(scenario: str, *names: str) -> list[str]:
    return [arg for name in names for arg in ("--evidence", str(CAPTURES / scenario / name))]


def check_json(base: Path, conf: Path, *extra: str) -> dict:
    outcome = invoke(["check", "--root", str(base), "--format", "json", "--select", "FCG001", str(conf), *extra])
    assert outcome.code in (0, 1), outcome.stderr
    return json.loads(outcome.stdout)


def test_race_capture_proves_the_fcg001_finding_of_the_lab_config(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race")
    report = check_json(tmp_path, conf, *evidence_args("race", "strace.txt.gz", "error.log"))
    (finding,) = report["findings"]
    assert finding["rule"] == "FCG001"
    evidence = finding["evidence"]
    race = next(line for line in evidence if line.startswith("4 request-limit races"))
    assert "23:51:07.392752 .. 23:51:07.478207" in race
    assert "pids 10179 10184 10185 10187" in race and "/run/fcgid-sock" in race and "[" not in race
    assert "the same requests in the error log: 4 'error reading data from FastCGI server' errors" in race
    assert not any(line.startswith("4 'error reading data") for line in evidence)  # counted once, under the race
    samples = [line for line in evidence if line.startswith("  ")]
    assert len(samples) == 3
    assert any("strace.txt.gz:58397: " in line and "ECONNRESET" in line for line in samples)
    assert report["notes"] == []


def test_text_output_shows_evidence_under_the_finding(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race")
    outcome = invoke(
        ["check", "--root", str(tmp_path), "--select", "FCG001", str(conf), *evidence_args("race", "strace.txt.gz")]
    )
    assert outcome.code == 1
    lines = outcome.stdout.splitlines()
    head = lines.index(next(line for line in lines if "error FCG001" in line))
    assert any(line.startswith("    evidence: 4 request-limit races (") for line in lines[head:])


def test_sarif_carries_evidence_and_samples_as_related_locations(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race")
    outcome = invoke(
        [
            "check",
            "--root",
            str(tmp_path),
            "--format",
            "sarif",
            "--select",
            "FCG001",
            str(conf),
            *evidence_args("race", "strace.txt.gz"),
        ]
    )
    (result,) = json.loads(outcome.stdout)["runs"][0]["results"]
    assert result["properties"]["evidence"][0].startswith("4 request-limit races")
    places = result["relatedLocations"]
    assert [p["id"] for p in places] == list(range(len(places)))
    sample = [p for p in places if p["message"]["text"].startswith("evidence (request-limit-race)")]
    assert len(sample) == 3
    assert sample[0]["physicalLocation"]["region"]["startLine"] == 58397
    assert sample[0]["physicalLocation"]["artifactLocation"]["uri"].endswith("strace.txt.gz")


def test_fixed_capture_attaches_nothing(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "fixed")
    report = check_json(tmp_path, conf, *evidence_args("fixed", "strace.txt.gz", "error.log", "access.log"))
    (finding,) = report["findings"]
    assert finding["evidence"] == []
    assert report["notes"] == []


def test_fixed_capture_on_the_fixed_config_is_clean(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "fixed", fcgid_limit=20)
    report = check_json(tmp_path, conf, *evidence_args("fixed", "strace.txt.gz", "error.log"))
    assert report["findings"] == [] and report["notes"] == []


def test_evidence_without_a_finding_is_a_note(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race", fcgid_limit=20)
    report = check_json(tmp_path, conf, *evidence_args("race", "strace.txt.gz"))
    assert report["findings"] == []
    assert report["notes"] == [
        "the evidence shows 4 request-limit races on 127.0.0.1 but no FCG001 finding for that vhost: the config "
        "checked may not be the one that ran"  # its wrapper is that vhost's alone
    ]


def test_a_rule_not_checked_expects_no_finding(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race")
    outcome = invoke(
        [
            "check",
            "--root",
            str(tmp_path),
            "--format",
            "json",
            "--select",
            "FCG003",
            str(conf),
            *evidence_args("race", "error.log"),
        ]
    )
    assert json.loads(outcome.stdout)["notes"] == []


def test_a_suppressed_finding_still_explains_its_evidence(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race")
    text = conf.read_text().replace(
        "        FcgidWrapper", "        # fcgilint: disable=FCG001 -- known\n        FcgidWrapper"
    )
    conf.write_text(text)
    report = check_json(tmp_path, conf, *evidence_args("race", "strace.txt.gz"))
    assert report["findings"] == [] and report["notes"] == []


def test_php_limit_of_the_trace_that_contradicts_the_config_is_a_line(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race", php_limit=500)
    report = check_json(tmp_path, conf, *evidence_args("race", "strace.txt.gz"))
    (finding,) = report["findings"]
    limit = [line for line in finding["evidence"] if line.startswith("trace shows")]
    assert len(limit) == 1
    assert limit[0].startswith("trace shows php-cgi exiting after 20 requests (8 processes of ")
    assert "the config says 500 (wrapper assignment)" in limit[0]


def test_contradicting_php_limit_without_a_finding_is_a_note(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "fixed", php_limit=10, fcgid_limit=10)
    report = check_json(tmp_path, conf, *evidence_args("fixed", "strace.txt.gz"))
    assert report["findings"] == []
    (note,) = report["notes"]
    assert note.startswith("trace shows php-cgi exiting after 20 requests") and "the config says 10" in note


def test_evidence_goes_to_the_class_whose_wrapper_ran(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race", wrappers=("other-wrapper", "php-wrapper"))
    report = check_json(tmp_path, conf, *evidence_args("race", "strace.txt.gz"))
    by_class = {("php-wrapper in" in f["message"]): f["evidence"] for f in report["findings"]}
    assert set(by_class) == {True, False}
    assert by_class[True][0].startswith("4 request-limit races") and "[" not in by_class[True][0]
    assert by_class[False] == []


def test_error_log_names_no_wrapper_so_every_finding_of_the_rule_gets_it_and_says_so(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race", wrappers=("other-wrapper", "php-wrapper"))
    report = check_json(tmp_path, conf, *evidence_args("race", "error.log"))
    heads = [f["evidence"][0] for f in report["findings"]]
    assert len(heads) == 2
    assert all(
        h.startswith("4 'error reading data")
        and h.endswith("[the evidence names no wrapper: shown on every FCG001 finding]")
        for h in heads
    )


def test_a_wrapper_the_config_does_not_have_is_said(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race", wrappers=("other-wrapper",))
    report = check_json(tmp_path, conf, *evidence_args("race", "strace.txt.gz"))
    (finding,) = report["findings"]
    assert "is no FcgidWrapper of the config checked: shown on every FCG001 finding]" in finding["evidence"][0]


def test_ff_capture_is_read_as_one_evidence(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race-ttt-ff")
    traces = sorted(p.name for p in (CAPTURES / "race-ttt-ff").glob("trace.*"))
    report = check_json(tmp_path, conf, *evidence_args("race-ttt-ff", *traces))
    (finding,) = report["findings"]
    assert finding["evidence"][0].startswith("5 request-limit races (2026-11-27T23:51:49.740408Z .. ")


def test_fix_names_the_failures_it_removes(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race")
    outcome = invoke(
        [
            "fix",
            "--root",
            str(tmp_path),
            "--select",
            "FCG001",
            str(conf),
            *evidence_args("race", "strace.txt.gz", "error.log"),
        ]
    )
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    assert "FcgidMaxRequestsPerProcess 20" in conf.read_text()
    lines = outcome.stdout.splitlines()
    assert lines[0].startswith("fixed FCG001 ")
    removes = [line for line in lines if line.startswith("    removes: ")]
    assert len(removes) == 1 and removes[0].startswith("    removes: 4 request-limit races (")
    assert "note:" not in outcome.stdout  # the race is explained by the finding the fix removed


def test_fix_diff_names_the_failures_on_stderr(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race")
    before = conf.read_text()
    outcome = invoke(
        [
            "fix",
            "--diff",
            "--root",
            str(tmp_path),
            "--select",
            "FCG001",
            str(conf),
            *evidence_args("race", "strace.txt.gz"),
        ]
    )
    assert conf.read_text() == before
    assert outcome.stdout.startswith("--- ")
    assert "removes: 4 request-limit races" in outcome.stderr


@pytest.mark.parametrize("command", ["check", "fix"])
@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("missing.log", "cannot read"),
        ("damaged.gz", "cannot read"),
        ("folder", "cannot read"),
        ("notes.txt", "not strace output"),
    ],
)
def test_bad_evidence_exits_2_with_one_line(tmp_path: Path, command: str, bad: str, says: str) -> None:
    conf = lab_tree(tmp_path, "race")
    before = conf.read_text()
    (tmp_path / "folder").mkdir()
    (tmp_path / "damaged.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"not deflate data" * 4)
    (tmp_path / "notes.txt").write_text("shopping list\nmilk\n")
    outcome = invoke([command, "--root", str(tmp_path), str(conf), "--evidence", str(tmp_path / bad)])
    assert outcome.code == 2
    assert outcome.stdout == ""
    assert outcome.stderr.count("\n") == 1 and says in outcome.stderr and str(tmp_path / bad) in outcome.stderr
    assert conf.read_text() == before


def test_evidence_listed_in_the_project_config_is_used(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race")
    (tmp_path / ".fcgilint.yaml").write_text(f"root: .\nevidence:\n  - {CAPTURES / 'race' / 'error.log'}\n")
    outcome = invoke(
        ["check", "--config", str(tmp_path / ".fcgilint.yaml"), "--format", "json", "--select", "FCG001", str(conf)]
    )
    (finding,) = json.loads(outcome.stdout)["findings"]
    assert any(line.startswith("4 'error reading data from FastCGI server' errors") for line in finding["evidence"])


def test_check_html_draws_the_evidence_and_shows_each_vhost(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race")
    page = tmp_path / "page.html"
    outcome = invoke(["check", "--root", str(tmp_path), "--select", "FCG001", str(conf), "--html", str(page),
                      *evidence_args("race", "strace.txt.gz", "error.log")])
    assert outcome.code == 1, outcome.stderr
    text = page.read_text()
    assert text.count('<circle class="failure" data-kind="request-limit-race"') == 4
    assert text.count('<rect class="life exited" ') == 8 and 'data-requests="20"' in text
    assert "<h2>Per virtual host</h2>" in text and '<h3 class="scope">main server</h3>' in text
    assert "<td>FcgidMaxRequestsPerProcess</td><td>0</td>" in text
    missing = invoke(["check", "--root", str(tmp_path), str(conf), "--html", str(page)])
    assert missing.code == 2 and "--html draws the evidence: give --evidence FILE" in missing.stderr
