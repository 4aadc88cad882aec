"""Cut, corrupt and shuffled captures never make the evidence reader fail."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fcgilint.evidence import analyse

STRACE = st.sampled_from([
    '12403 19:27:50 connect(49, {sa_family=AF_FILE, path="/var/lib/apache2/fcgid/sock/515.470"}, 110) = 0',
    '12403 19:27:50 writev(49, [{"\\1\\1\\1\\10", 8}], 7) = 1271',
    "12403 19:27:50 poll([{fd=49, events=POLLIN}], 1, 40000",
    "12403 19:27:50 ) = 1 ([{fd=49, revents=POLLIN|POLLERR|POLLHUP}])",
    "12403 19:27:50 read(49, 0xb9978ff8, 8192) = -1 ECONNRESET (Connection reset by peer)",
    "15768 19:27:50 exit_group(0) = ?",
    "15768 19:27:50 +++ exited with 0 +++",
    "[pid 15768] 19:27:50.123456 accept(0, NULL, NULL <unfinished ...>",
    "[pid 15768] 19:27:50.123999 <... accept resumed>) = 3",
    "1795818487.809530 --- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=1} ---",
    "12403 19:27:50 close(49) = 0",
    '12403 write(15, "[Thu Jun 27 19:27:50 2013] [warn"..., 169) = 169',
    "12403 19:27:50 poll([{fd=49, events=POLLIN}], 1, 3000) = 0 (Timeout) <3.003>",
])
LOG = st.sampled_from(
    [
        "[Thu Jun 27 19:27:50 2013] [warn] [client 1.2.3.4] (104)Connection reset by peer: mod_fcgid: error reading "
        "data from FastCGI server",
        "[Thu Jun 27 19:27:50 2013] [error] [client 1.2.3.4] Premature end of script headers: x.php",
        "[Fri Nov 27 22:29:30.627595 2026] [fcgid:warn] [pid 1:tid 2] [client 127.0.0.1:42430] mod_fcgid: read data "
        "timeout in 3 seconds",
        "[Fri Nov 27 22:29:30.627595 2026] [fcgid:info] [pid 1:tid 1] mod_fcgid: process /w/php-wrapper(77) "
        "exit(communication error), terminated by calling exit(), return code: 0",
        '127.0.0.1 - - [27/Jun/2013:19:27:50 +0000] "GET /x.php HTTP/1.1" 500 123',
    ]
)
NOISE = st.text(max_size=40)


def _cut(line: str, at: int) -> str:
    return line[: max(1, at % (len(line) + 1))]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.one_of(STRACE, LOG, NOISE, st.tuples(STRACE, st.integers(0, 200)).map(lambda t: _cut(*t))), max_size=40
    ),
    st.binary(max_size=50),
)
def test_any_mix_is_read_without_failing(tmp_path: Path, lines: list[str], junk: bytes) -> None:
    capture = tmp_path / "capture.txt"
    capture.write_bytes("\n".join(lines).encode("utf-8", "surrogateescape") + b"\n" + junk)
    report = analyse([capture])
    assert isinstance(report.to_json()["detections"], list)
