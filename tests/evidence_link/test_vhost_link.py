"""``check/fix --evidence`` put each vhost's evidence on that vhost's findings only.

Two vhosts race the same way (PHP_FCGI_MAX_REQUESTS without FcgidMaxRequestsPerProcess),
each with its own ``ErrorLog``; only one of them failed. Its finding gets the log's lines,
the other's gets none, whether the vhost comes from the file (its ``ErrorLog``), from an
``ErrorLogFormat`` ``%v`` column or from mod_fcgid's ``server HOST:CMD(PID) started`` lines.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import write_tree
from tests.evidence_link.test_evidence_link import CAPTURES, check_json, evidence_args, lab_tree
from tests.formats.helpers import invoke

READ_ERROR = (
    "[Fri Nov 27 22:14:21.6418{n:02d} 2026] [fcgid:warn] [pid 25481:tid 254{n:02d}] (104)Connection reset by peer: "
    "[client 127.0.0.1:429{n:02d}] mod_fcgid: error reading data from FastCGI server"
)
NO_HEADERS = (
    "[Fri Nov 27 22:14:21.6419{n:02d} 2026] [core:error] [pid 25481:tid 254{n:02d}] [client 127.0.0.1:429{n:02d}] "
    "End of script output before headers: info.php"
)
TOO_LONG = (
    "[Fri Nov 27 22:15:02.000000 2026] [fcgid:warn] [pid 25482:tid 25501] [client 127.0.0.1:47457] "
    "mod_fcgid: HTTP request length 1056768 (so far) exceeds MaxRequestLen (1048576)"
)


def two_sites(base: Path) -> Path:
    """/etc/apache2 with vhosts a.example and b.example, each with its wrapper and its own ErrorLog."""
    lines = ["ServerRoot /etc/apache2", "ServerName main.example", "ErrorLog /var/log/apache2/error.log"]
    files = {}
    for name in ("a", "b"):
        lines += [
            "<VirtualHost *:80>",
            f"    ServerName {name}.example",
            f"    ServerAlias www.{name}.example",
            f"    ErrorLog /var/log/apache2/{name}-error.log",
            f"    DocumentRoot /srv/{name}",
            f"    <Directory /srv/{name}>",
            "        Options +ExecCGI",
            "        AddHandler fcgid-script .php",
            f"        FcgidWrapper /srv/bin/{name}-wrapper .php",
            "    </Directory>",
            "</VirtualHost>",
        ]
        files[f"srv/bin/{name}-wrapper"] = (
            "#!/bin/sh\nPHP_FCGI_MAX_REQUESTS=20\nexport PHP_FCGI_MAX_REQUESTS\nexec /usr/bin/php-cgi\n"
        )
        files[f"srv/{name}/index.php"] = "<?php echo 1;\n"
    files["etc/apache2/apache2.conf"] = "\n".join(lines) + "\n"
    write_tree(base, files)
    return base / "etc" / "apache2" / "apache2.conf"


def failures(count: int, prefix: str = "") -> list[str]:
    return [f"{prefix}{line.format(n=n)}" for n in range(count) for line in (READ_ERROR, NO_HEADERS)]


def write_log(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def by_vhost(report: dict) -> dict[str, list[str]]:
    """FCG001 finding's evidence per vhost (its ``vhost`` field)."""
    found = {f["vhost"]: f["evidence"] for f in report["findings"] if f["rule"] == "FCG001"}
    assert set(found) == {"a.example", "b.example"}
    return found


def test_the_vhost_whose_error_log_has_the_failures_gets_them_and_the_other_not(tmp_path: Path) -> None:
    conf = two_sites(tmp_path)
    logs = tmp_path / "var" / "log" / "apache2"
    a_log = write_log(logs / "a-error.log", failures(3))
    b_log = write_log(logs / "b-error.log", ["[Fri Nov 27 22:14:20.000000 2026] [core:notice] [pid 1:tid 1] ok"])
    report = check_json(tmp_path, conf, "--evidence", str(a_log), "--evidence", str(b_log))
    evidence = by_vhost(report)
    assert evidence["a.example"][0].startswith("3 'error reading data from FastCGI server' errors (")
    assert "[" not in evidence["a.example"][0]  # tied to its class: no caveat
    assert evidence["b.example"] == []
    assert report["notes"] == []


def test_a_log_line_of_one_vhost_never_lands_on_the_others_finding(tmp_path: Path) -> None:
    conf = two_sites(tmp_path)
    b_log = write_log(tmp_path / "var" / "log" / "apache2" / "b-error.log", [*failures(2), TOO_LONG])
    report = check_json(tmp_path, conf, "--evidence", str(b_log))
    evidence = by_vhost(report)
    assert evidence["a.example"] == [] and evidence["b.example"][0].startswith("2 'error reading data")


def test_a_vhost_column_names_the_vhost_in_a_shared_log(tmp_path: Path) -> None:
    conf = two_sites(tmp_path)
    shared = write_log(tmp_path / "shared.log", failures(2, "www.b.example "))  # a ServerAlias picks it too
    evidence = by_vhost(check_json(tmp_path, conf, "--evidence", str(shared)))
    assert evidence["a.example"] == [] and evidence["b.example"][0].startswith("2 'error reading data")


def test_a_log_that_names_no_vhost_keeps_the_caveat(tmp_path: Path) -> None:
    conf = two_sites(tmp_path)
    pasted = write_log(tmp_path / "pasted.log", failures(2))  # not the ErrorLog of either vhost
    evidence = by_vhost(check_json(tmp_path, conf, "--evidence", str(pasted)))
    for lines in evidence.values():
        assert lines[0].endswith("[the evidence names no wrapper: shown on every FCG001 finding]")


def test_failures_of_a_vhost_without_a_finding_are_a_note_not_someone_elses_evidence(tmp_path: Path) -> None:
    conf = two_sites(tmp_path)
    conf.write_text(conf.read_text().replace(
        "    ServerName a.example\n", "    ServerName a.example\n    FcgidMaxRequestsPerProcess 20\n"))
    a_log = write_log(tmp_path / "var" / "log" / "apache2" / "a-error.log", failures(2))
    report = check_json(tmp_path, conf, "--evidence", str(a_log))
    (finding,) = report["findings"]
    assert finding["vhost"] == "b.example" and finding["evidence"] == []
    assert report["notes"] == [
        "the evidence shows 2 'error reading data from FastCGI server' errors on a.example but no FCG001 finding for "
        "that vhost: the config checked may not be the one that ran"
    ]


def test_the_started_lines_tie_the_strace_race_to_its_vhost_only(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race", wrappers=("other-wrapper", "php-wrapper"))
    # both classes run the same program, so the wrapper cannot tell them apart: only the vhost can
    text = conf.read_text()
    other = text.split("FcgidWrapper ", 2)[1].split(" .php")[0]
    conf.write_text(text.replace(other, other.replace("other-wrapper", "php-wrapper")))
    report = check_json(tmp_path, conf, *evidence_args("race", "strace.txt.gz", "error.log"))
    evidence = {f["vhost"]: f["evidence"] for f in report["findings"]}
    assert set(evidence) == {"127.0.0.1", "site0.example"}
    assert evidence["127.0.0.1"][0].startswith("4 request-limit races") and "[" not in evidence["127.0.0.1"][0]
    assert evidence["site0.example"] == []


def test_trace_json_names_the_vhost_of_each_detection() -> None:
    outcome = invoke(["trace", "--format", "json", str(CAPTURES / "race" / "strace.txt.gz"),
                      str(CAPTURES / "race" / "error.log")])
    detections = json.loads(outcome.stdout)["detections"]
    assert {d["kind"]: d["vhost"] for d in detections}["request-limit-race"] == "127.0.0.1"


def test_a_capture_that_exits_sooner_than_the_config_says_makes_the_fix_use_what_ran(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race", php_limit=500)  # the lab's php-cgi exited after 20
    report = check_json(tmp_path, conf, *evidence_args("race", "strace.txt.gz", "error.log"))
    (finding,) = report["findings"]
    assert finding["fix"]["description"].startswith("set FcgidMaxRequestsPerProcess 20 at ")
    assert any(line.startswith("trace shows php-cgi exiting after 20 requests") and "the config says 500" in line
               for line in finding["evidence"])
    assert "fix uses the observed 20, not the config's 500" in finding["evidence"][-1]
    outcome = invoke(["fix", "--root", str(tmp_path), "--select", "FCG001", str(conf),
                      *evidence_args("race", "strace.txt.gz", "error.log")])
    assert outcome.code == 0, outcome.stderr
    assert "FcgidMaxRequestsPerProcess 20\n" in conf.read_text()
    assert "    removes: 4 request-limit races (" in outcome.stdout and "nothing remains." in outcome.stdout


def test_a_capture_that_exits_later_than_the_config_says_keeps_the_configs_fix(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race", php_limit=10)  # 10 is below the 20 php-cgi applied: still no race
    (finding,) = check_json(tmp_path, conf, *evidence_args("race", "strace.txt.gz"))["findings"]
    assert finding["fix"]["description"].startswith("set FcgidMaxRequestsPerProcess 10 at ")
    assert not any("fix uses" in line or "withheld" in line for line in finding["evidence"])


def test_trace_with_the_httpd_config_names_the_vhost_of_each_error_log(tmp_path: Path) -> None:
    conf = two_sites(tmp_path)
    logs = tmp_path / "var" / "log" / "apache2"
    a_log = write_log(logs / "a-error.log", failures(3))
    b_log = write_log(logs / "b-error.log", [TOO_LONG])
    args = ["trace", "--format", "json", str(a_log), str(b_log)]
    alone = json.loads(invoke(args).stdout)["detections"]
    assert {d["kind"]: d["vhost"] for d in alone} == {"fcgi-read-error": None, "request-too-long": None}
    told = json.loads(invoke([*args, "--httpd-config", str(conf), "--root", str(tmp_path)]).stdout)["detections"]
    assert {d["kind"]: d["vhost"] for d in told} == {"fcgi-read-error": "a.example", "request-too-long": "b.example"}
    text = invoke(["trace", str(a_log), "--httpd-config", str(conf), "--root", str(tmp_path)]).stdout
    assert "  vhost:   a.example" in text.splitlines()


def test_a_wrapper_only_one_vhost_runs_names_that_vhost(tmp_path: Path) -> None:
    conf = lab_tree(tmp_path, "race", wrappers=("other-wrapper", "php-wrapper"))
    conf.write_text(conf.read_text().replace("ServerName 127.0.0.1", "ServerName shop.example"))
    args = ["trace", "--format", "json", str(CAPTURES / "race" / "strace.txt.gz")]
    told = json.loads(invoke([*args, "--httpd-config", str(conf), "--root", str(tmp_path)]).stdout)
    assert [d["vhost"] for d in told["detections"] if d["kind"] == "request-limit-race"] == ["shop.example"]
    assert [i["vhost"] for i in told["inferred"]] == ["shop.example"]
    refused = invoke([*args, "--httpd-config", str(tmp_path / "nothing.conf")])
    assert refused.code == 2 and refused.stderr.startswith("fcgilint: --httpd-config ")


def test_a_slot_failure_in_one_vhosts_log_is_set_beside_that_vhosts_class_only(tmp_path: Path) -> None:
    conf = two_sites(tmp_path)
    conf.write_text(conf.read_text().replace("/srv/bin/b-wrapper", "/srv/bin/a-wrapper"))  # one program, two classes
    slot = ("[Fri Nov 27 22:15:04.000000 2026] [fcgid:warn] [pid 25482:tid 25503] [client 127.0.0.1:47459] "
            "mod_fcgid: can't apply process slot for /srv/bin/a-wrapper")
    b_log = write_log(tmp_path / "var" / "log" / "apache2" / "b-error.log", [slot])
    outcome = invoke(["check", "--root", str(tmp_path), "--format", "json", "--select", "FCG021", str(conf),
                      "--evidence", str(b_log)])
    (finding,) = json.loads(outcome.stdout)["findings"]  # one root cause, the place both classes share
    assert finding["vhosts"] == ["a.example", "b.example"]
    slots = [line for line in finding["evidence"] if "'can't apply process slot'" in line]
    assert len(slots) == 1, finding["evidence"]  # b.example's class only, not once per class of the program


def test_fix_claims_a_vhosts_failures_only_under_that_vhosts_fix(tmp_path: Path) -> None:
    conf = two_sites(tmp_path)
    a_log = write_log(tmp_path / "var" / "log" / "apache2" / "a-error.log", failures(3))
    outcome = invoke(["fix", "--root", str(tmp_path), "--select", "FCG001", str(conf), "--evidence", str(a_log)])
    assert outcome.code == 0, outcome.stderr
    blocks = outcome.stdout.split("fixed FCG001 ")[1:]
    assert len(blocks) == 2
    removes = {("a.example" in block.splitlines()[0]): [l for l in block.splitlines() if "removes:" in l]
               for block in blocks}
    assert removes[True] and removes[True][0].startswith("    removes: 3 'error reading data from FastCGI server'")
    assert removes[False] == []
