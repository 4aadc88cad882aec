"""Error-log (2.2 and 2.4) and access-log detectors."""

from __future__ import annotations

import gzip
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from fcgilint.evidence import analyse, sniff
from fcgilint.evidence.detect import ErrorLogDetector
from fcgilint.evidence.logs import parse_error_line
from fcgilint.evidence.model import Collector

WRAPPER = "/var/www/php-fcgi/php-wrapper"

LOG_24 = f"""\
[Fri Nov 27 22:14:20.001000 2026] [mpm_event:notice] [pid 25000:tid 25000] AH00489: Apache/2.4.71 (Debian) mod_fcgid/2.3.9 configured -- resuming normal operations
[Fri Nov 27 22:14:21.641848 2026] [fcgid:warn] [pid 25481:tid 25490] (104)Connection reset by peer: [client 127.0.0.1:42940] mod_fcgid: error reading data from FastCGI server
[Fri Nov 27 22:14:21.641850 2026] [fcgid:warn] [pid 25481:tid 25491] (104)Connection reset by peer: [client 127.0.0.1:42941] mod_fcgid: error reading data from FastCGI server
[Fri Nov 27 22:14:21.641882 2026] [core:error] [pid 25481:tid 25490] [client 127.0.0.1:42940] End of script output before headers: info.php
[Fri Nov 27 22:14:21.641890 2026] [core:error] [pid 25481:tid 25491] [client 127.0.0.1:42941] End of script output before headers: info.php, referer: http://example.test/
[Fri Nov 27 22:14:25.486200 2026] [fcgid:info] [pid 25001:tid 25001] mod_fcgid: process {WRAPPER}(10183) exit(server exited), terminated by calling exit(), return code: 0
[Fri Nov 27 22:14:25.486896 2026] [fcgid:info] [pid 25001:tid 25001] mod_fcgid: process {WRAPPER}(10179) exit(communication error), terminated by calling exit(), return code: 0
[Fri Nov 27 22:14:25.486900 2026] [fcgid:info] [pid 25001:tid 25001] mod_fcgid: process {WRAPPER}(10180) exit(communication error), terminated by calling exit(), return code: 0
[Fri Nov 27 22:14:25.487000 2026] [fcgid:info] [pid 25001:tid 25001] mod_fcgid: process /usr/bin/php-cgi(10190) exit(lifetime expired), terminated by calling exit(), return code: 0
[Fri Nov 27 22:15:01.100000 2026] [fcgid:warn] [pid 25482:tid 25500] [client 127.0.0.1:47456] mod_fcgid: read data timeout in 3 seconds
[Fri Nov 27 22:15:01.100100 2026] [core:error] [pid 25482:tid 25500] [client 127.0.0.1:47456] End of script output before headers: slow.php
[Fri Nov 27 22:15:02.000000 2026] [fcgid:warn] [pid 25482:tid 25501] [client 127.0.0.1:47457] mod_fcgid: HTTP request length 138304 (so far) exceeds MaxRequestLen (131072)
[Fri Nov 27 22:15:03.000000 2026] [fcgid:info] [pid 25482:tid 25502] [client 127.0.0.1:47458] mod_fcgid: /slow.php took longer than busy timeout (300 secs)
[Fri Nov 27 22:15:04.000000 2026] [fcgid:warn] [pid 25482:tid 25503] [client 127.0.0.1:47459] mod_fcgid: can't apply process slot for {WRAPPER}
PHP_FCGI_MAX_REQUESTS is not valid
"""


def _counts(report) -> dict[tuple[str, str | None], int]:
    return {(d.kind, d.rule): d.count for d in report.detections}


def test_httpd24_error_log(write) -> None:
    report = analyse([write("error.log", LOG_24)])
    assert _counts(report) == {
        ("fcgi-read-error", "FCG001"): 2,
        ("io-timeout", "FCG003"): 1,
        ("busy-timeout", "FCG004"): 1,
        ("request-too-long", "FCG005"): 1,
        ("process-exit:communication-error", None): 2,
        ("process-exit:server-exited", None): 1,
        ("no-process-slot", None): 1,
    }
    read_errors = report.for_rule("FCG001")[0]
    assert read_errors.first == "2026-11-27T22:14:21.641848"
    assert read_errors.pids == [25481]
    texts = [text for _, _, text in read_errors.samples]
    assert "error reading data" in texts[0] and "End of script output" in texts[1]
    exits = next(d for d in report.detections if d.kind == "process-exit:communication-error")
    assert exits.wrapper == WRAPPER and exits.pids == [10179, 10180]
    slot = next(d for d in report.detections if d.kind == "no-process-slot")
    assert slot.wrapper == WRAPPER
    assert report.warnings == []


def test_httpd22_error_log_pairs_by_client(write) -> None:
    text = """\
[Thu Jun 27 19:27:50 2013] [warn] [client 46.12.92.42] (104)Connection reset by peer: mod_fcgid: error reading data from FastCGI server
[Thu Jun 27 19:27:50 2013] [error] [client 46.12.92.42] Premature end of script headers: info.php
[Fri Mar 21 10:08:06 2014] [warn] [client 195.37.208.142](104)Connection reset by peer: mod_fcgid: error reading data from FastCGI server, referer: https://example.test/
[Fri Mar 21 10:08:06 2014] [error] [client 195.37.208.142] Premature end of script headers: admin-ajax.php, referer: https://example.test/
[Fri Mar 21 10:09:00 2014] [warn] mod_fcgid: read data timeout in 40 seconds
[Fri Mar 21 10:09:10 2014] [warn] mod_fcgid: http request length 200000 > 131072
"""
    report = analyse([write("error.log", text)])
    assert _counts(report) == {
        ("fcgi-read-error", "FCG001"): 2,
        ("io-timeout", "FCG003"): 1,
        ("request-too-long", "FCG005"): 1,
    }
    pair = report.for_rule("FCG001")[0]
    assert [line for _, line, _ in pair.samples[:2]] == [1, 2]
    assert pair.first == "2013-06-27T19:27:50" and pair.last == "2014-03-21T10:08:06"


def test_prefork_pid_without_tid() -> None:
    line = parse_error_line(
        1,
        "[Sat Nov 05 10:00:00.000000 2016] [fcgid:warn] [pid 33824] (104)Connection reset by peer: [client 1.2.3.4:5] "
        "mod_fcgid: ap_pass_brigade failed in handle_request_ipc function",
    )
    assert line is not None and line.pid == 33824 and line.tid is None and line.errno == "104"


def test_resets_around_a_shutdown_are_not_the_race(write) -> None:
    text = """\
[Fri Nov 27 23:51:12.530493 2026] [mpm_event:notice] [pid 10154:tid 10154] AH00491: caught SIGTERM, shutting down
[Fri Nov 27 23:51:12.540000 2026] [fcgid:warn] [pid 10156:tid 10171] (104)Connection reset by peer: [client 127.0.0.1:1] mod_fcgid: error reading data from FastCGI server
[Fri Nov 27 23:51:12.540100 2026] [core:error] [pid 10156:tid 10171] [client 127.0.0.1:1] End of script output before headers: info.php
[Fri Nov 27 23:51:12.609962 2026] [fcgid:info] [pid 10155:tid 10155] mod_fcgid: process /x/php-wrapper(10180) exit(shutting down), terminated by calling exit(), return code: 0
[Fri Nov 27 23:52:30.000000 2026] [fcgid:warn] [pid 10300:tid 10301] (104)Connection reset by peer: [client 127.0.0.1:2] mod_fcgid: error reading data from FastCGI server
"""
    report = analyse([write("error.log", text)])
    assert _counts(report) == {("fcgi-read-error", "FCG001"): 1, ("shutdown-reset", None): 1}


def test_gzip_error_log(tmp_path: Path) -> None:
    path = tmp_path / "error.log.1.gz"
    path.write_bytes(gzip.compress(LOG_24.encode()))
    assert sniff(path) == "error"
    assert _counts(analyse([path]))[("fcgi-read-error", "FCG001")] == 2


def test_unparsable_error_lines_are_warned_about(write) -> None:
    text = LOG_24 + "[custom format] mod_fcgid: error reading data from FastCGI server\n"
    report = analyse([write("error.log", text)])
    assert any("1 line(s) not in a default error-log format" in w for w in report.warnings)


def test_access_log_5xx_counts(write) -> None:
    text = """\
127.0.0.1 - - [27/Nov/2026:23:51:07 +0000] "GET /info.php HTTP/1.1" 200 571 30021
127.0.0.1 - - [27/Nov/2026:23:51:07 +0000] "GET /info.php HTTP/1.1" 500 571 30021
203.0.113.9 - bob [27/Nov/2026:23:51:08 +0100] "POST /up.php HTTP/1.1" 500 0 "http://example.test/" "curl/8.5 \\"quoted\\""
127.0.0.1 - - [27/Nov/2026:23:52:00 +0000] "GET /busy.php HTTP/1.1" 503 299
127.0.0.1 - - [27/Nov/2026:23:52:01 +0000] "GET /x HTTP/1.1" 404 0
"""
    path = write("access.log", text)
    assert sniff(path) == "access"
    report = analyse([path])
    assert _counts(report) == {("http-500", None): 2, ("http-503", None): 1}
    assert next(d for d in report.detections if d.kind == "http-500").samples[1][1] == 3


def test_unknown_files_are_skipped_with_a_warning(write) -> None:
    path = write("notes.txt", "just some words\nnothing to see\n")
    report = analyse([path])
    assert report.detections == []
    assert report.warnings == [f"{path}: not strace output nor an Apache error/access log; skipped"]


@given(st.lists(st.sampled_from(LOG_24.splitlines()) | st.text(max_size=120), max_size=30))
def test_error_log_detector_never_raises(lines: list[str]) -> None:
    detector = ErrorLogDetector(Collector(), "error.log")
    for number, text in enumerate(lines, 1):
        parsed = parse_error_line(number, text)
        if parsed is not None:
            detector.feed(parsed)
    detector.finish()
