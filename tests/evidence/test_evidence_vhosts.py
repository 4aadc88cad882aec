"""The vhost of each detection, from what the input itself tells.

mod_fcgid logs a request's failure with ``ap_log_rerror`` (the request's vhost's
``ErrorLog``: ``fcgid_proc_unix.c`` L584, ``fcgid_bridge.c`` L615) and its process
manager's lines with ``ap_log_error(..., main_server)`` (the main ``ErrorLog``):
``server HOST:CMD(PID) started`` (``fcgid_pm_main.c`` L628) and ``process CMD(PID)
exit(...)`` (``fcgid_proc_unix.c`` L886). The lines below are shaped as httpd 2.4
writes them; the strace side is a real lab capture.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fcgilint.evidence import analyse
from fcgilint.evidence.logs import parse_error_line, prefix_vhost
from tests.conftest import REPO

RACE = REPO / "tests" / "data" / "captures" / "race"
READ_ERROR = (
    "[Fri Nov 27 22:14:21.641848 2026] [fcgid:warn] [pid 25481:tid 25490] (104)Connection reset by peer: "
    "[client 127.0.0.1:42940] mod_fcgid: error reading data from FastCGI server"
)
NO_HEADERS = (
    "[Fri Nov 27 22:14:21.641882 2026] [core:error] [pid 25481:tid 25490] [client 127.0.0.1:42940] "
    "End of script output before headers: info.php"
)


def _write(path: Path, *lines: str) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


@pytest.mark.parametrize(("prefix", "vhost"), [
    ("shop.example.org ", "shop.example.org"),  # ErrorLogFormat "%v [%t] ..."
    ("shop.example.org:443 ", "shop.example.org"),  # "%v:%p"
    ("127.0.0.1 ", "127.0.0.1"),  # a ServerName that is an address
    ("1234 ", None),
    ("[shop.example.org] ", "shop.example.org"),  # "[%v] [%t] ..."
    ("Dec  1 10:00:01 web01 apache2[123]: ", None),  # syslog: the machine's name and a tag, not a vhost
    ("2026-12-01T10:00:01+00:00 web01 apache2[123]: ", None),  # journald / RFC 5424
    ("> ", None),  # a quoted excerpt
])
def test_a_vhost_column_before_the_httpd_part_names_the_vhost(prefix: str, vhost: str | None) -> None:
    line = parse_error_line(1, prefix + READ_ERROR)
    assert line is not None and line.msg == "mod_fcgid: error reading data from FastCGI server"
    assert line.vhost == vhost


def test_an_iso_time_and_level_around_the_vhost_column_are_not_the_vhost() -> None:
    assert prefix_vhost("2026-12-02 01:50:07.123456 lab.local error ") == "lab.local"  # "%{cu}t %v %l %M"
    assert prefix_vhost("2026-12-02 01:50:07.123456 error ") is None
    assert prefix_vhost("10:00:01 ") is None


def test_read_errors_of_two_vhosts_in_one_log_are_two_detections(tmp_path: Path) -> None:
    log = _write(
        tmp_path / "error.log",
        "a.example " + READ_ERROR, "a.example " + NO_HEADERS,
        "b.example " + READ_ERROR.replace("tid 25490", "tid 25491"),
        "b.example " + NO_HEADERS.replace("tid 25490", "tid 25491"),
        "a.example " + READ_ERROR.replace("tid 25490", "tid 25492"),
        "a.example " + NO_HEADERS.replace("tid 25490", "tid 25492"),
    )
    found = {d.vhost: d.count for d in analyse([log]).detections if d.kind == "fcgi-read-error"}
    assert found == {"a.example": 2, "b.example": 1}
    assert all(d["vhost"] in ("a.example", "b.example") for d in analyse([log]).to_json()["detections"])


def test_a_pid_started_for_a_vhost_names_the_vhost_of_its_exit(tmp_path: Path) -> None:
    wrapper = "/var/www/a/php-wrapper"
    log = _write(
        tmp_path / "error.log",
        f"[Fri Nov 27 22:14:20.000000 2026] [fcgid:info] [pid 25001:tid 25001] mod_fcgid: server a.example:{wrapper}"
        "(10179) started",
        f"[Fri Nov 27 22:14:20.100000 2026] [fcgid:info] [pid 25001:tid 25001] mod_fcgid: server (unknown):{wrapper}"
        "(10180) started",
        f"[Fri Nov 27 22:14:25.486896 2026] [fcgid:info] [pid 25001:tid 25001] mod_fcgid: process {wrapper}(10179) "
        "exit(communication error), terminated by calling exit(), return code: 0",
        f"[Fri Nov 27 22:14:25.486900 2026] [fcgid:info] [pid 25001:tid 25001] mod_fcgid: process {wrapper}(10180) "
        "exit(communication error), terminated by calling exit(), return code: 0",
    )
    exits = {d.vhost: d.pids for d in analyse([log]).detections if d.kind == "process-exit:communication-error"}
    assert exits == {"a.example": [10179], None: [10180]}  # "(unknown)": a vhost without ServerName


def test_the_started_lines_name_the_vhost_of_the_races_strace_shows() -> None:
    report = analyse([RACE / "strace.txt.gz", RACE / "error.log"])
    (race,) = report.for_rule("FCG001")
    assert race.kind == "request-limit-race" and race.count == 4
    assert race.vhost == "127.0.0.1"  # the lab's "server 127.0.0.1:.../php-wrapper(PID) started" lines
    assert {i.vhost for i in report.inferred} == {"127.0.0.1"}
    alone = analyse([RACE / "strace.txt.gz"])
    assert [d.vhost for d in alone.for_rule("FCG001")] == [None]  # strace alone does not tell


def test_a_vhost_combined_access_log_names_the_vhost_of_each_5xx(tmp_path: Path) -> None:
    log = _write(
        tmp_path / "access.log",
        'a.example:80 127.0.0.1 - - [27/Nov/2026:22:14:21 +0000] "GET /info.php HTTP/1.1" 500 0 "-" "ab"',
        'b.example:80 127.0.0.1 - - [27/Nov/2026:22:14:21 +0000] "GET /info.php HTTP/1.1" 200 9 "-" "ab"',
        '127.0.0.1 - - [27/Nov/2026:22:14:22 +0000] "GET /info.php HTTP/1.1" 500 0 "-" "ab"',
    )
    assert {(d.kind, d.vhost) for d in analyse([log]).detections} == {("http-500", "a.example"), ("http-500", None)}


def test_lines_of_a_file_get_the_vhost_whose_error_log_it_is(tmp_path: Path) -> None:
    a_log = _write(tmp_path / "a.log", READ_ERROR, NO_HEADERS)
    b_log = _write(
        tmp_path / "b.log", READ_ERROR.replace("tid 25490", "tid 7"), NO_HEADERS.replace("tid 25490", "tid 7")
    )
    report = analyse([a_log, b_log])
    assert [(d.kind, d.count, d.vhost) for d in report.detections] == [("fcgi-read-error", 2, None)]
    split = report.attributed({str(a_log): "a.example", str(b_log): None})
    assert sorted((d.count, d.vhost or "") for d in split.detections) == [(1, ""), (1, "a.example")]
    assert [s[0] for d in split.detections if d.vhost == "a.example" for s in d.samples] == [str(a_log)] * 2
    assert report.detections[0].count == 2  # the report itself is not changed
