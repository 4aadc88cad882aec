"""The strace reader on every output format strace produces, and on broken input."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from stories import SOCK_DIR, WRAPPER, race_story, render, render_bracketed, shared_dir, shutdown_story, write_ff
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fcgilint.evidence import analyse, strace
from fcgilint.evidence.strace import (
    StraceReader,
    c_unescape,
    candidates_grep,
    candidates_python,
    decorated_path,
    error_name,
    first_fd,
    return_value,
    socket_path,
)


def _kinds(report) -> dict[str, int]:
    return {d.kind: d.count for d in report.detections}


def _reader(path: Path, pid: int | None = None) -> list[strace.Record]:
    return list(StraceReader(path, pid=pid).records())


@pytest.mark.parametrize("style", ["tt", "t", "ttt", "r", "none"])
def test_race_found_with_every_timestamp_style(write, style: str) -> None:
    story = race_story()
    report = analyse([write("strace.out", render(story.events, style))])
    race = report.for_rule("FCG001")
    assert [d.kind for d in race] == ["request-limit-race"]
    assert race[0].count == story.races
    assert race[0].pids == [600]
    assert race[0].socket == SOCK_DIR
    assert race[0].wrapper == WRAPPER
    assert [(i.php_fcgi_max_requests, i.processes) for i in report.inferred] == [(story.limit, 2)]
    shown = {
        "tt": r"^\d\d:\d\d:\d\d\.\d{6}$",
        "t": r"^\d\d:\d\d:\d\d$",
        "ttt": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$",
    }
    if style in shown:
        assert re.match(shown[style], race[0].first)
    else:
        assert race[0].first is None
    relative_warning = [w for w in report.warnings if "relative timestamps" in w]
    assert len(relative_warning) == (1 if style == "r" else 0)


def test_bracketed_pid_prefix(write) -> None:
    report = analyse([write("tty.out", render_bracketed(race_story().events))])
    assert _kinds(report)["request-limit-race"] == 1


def test_ff_files_are_one_capture_with_pid_from_suffix(tmp_path: Path) -> None:
    paths = write_ff(tmp_path, race_story().events)
    report = analyse(paths)
    assert _kinds(report) == {"request-limit-race": 1}
    assert report.inferred[0].php_fcgi_max_requests == 3
    assert report.detections[0].samples[0][0].endswith("trace.700")


def test_ff_files_may_be_gzipped(tmp_path: Path) -> None:
    paths = write_ff(tmp_path, race_story().events)
    packed = []
    for path in paths:
        target = path.with_name(path.name + ".gz")
        target.write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()
        packed.append(target)
    assert _kinds(analyse(packed)) == {"request-limit-race": 1}


def test_sigterm_first_is_a_shutdown_not_the_race(write) -> None:
    report = analyse([write("stop.out", render(shutdown_story().events, "tt"))])
    assert _kinds(report) == {"shutdown-reset": 1}
    assert report.for_rule("FCG001") == []
    assert report.inferred == []


def test_unfinished_and_resumed_halves_are_joined(write) -> None:
    text = (
        '10171 23:51:07.375982 connect(22<UNIX-STREAM:[23566]>, {sa_family=AF_UNIX, sun_path="/run/fcgid/10155.5"}, '
        '110 <unfinished ...>\n'
        '10184 23:51:07.376000 accept(0<UNIX-STREAM:[20711,"/run/fcgid/10155.5"]>,  <unfinished ...>\n'
        "10171 23:51:07.376223 <... connect resumed>) = 0 <0.000206>\n"
        '10184 23:51:07.376300 <... accept resumed>{sa_family=AF_UNIX}, [112 => 2]) = 4<UNIX-STREAM:[20725->20712,"/'
        'run/fcgid/10155.5"]> <0.000153>\n'
    )
    reader = StraceReader(write("unused", ""))
    parsed = [reader.parse(n, line) for n, line in enumerate(text.splitlines(), 1)]
    calls = [r for r in parsed if r is not None and r.kind == "call"]
    assert [(r.pid, r.name) for r in calls] == [(10171, "connect"), (10184, "accept")]
    assert socket_path(calls[0].args) == "/run/fcgid/10155.5"
    assert return_value(calls[0].result) == 0
    assert return_value(calls[1].result) == 4
    fd, decoration = first_fd(calls[1].args)
    assert fd == 0 and decorated_path(decoration) == "/run/fcgid/10155.5"
    assert all(r.head_known for r in calls)
    # connect acts on its first half, so its resumed half is not even a candidate line
    assert [n for batch in strace.candidate_lines(write("f.out", text)) for n, _ in batch] == [1, 2, 4]


def test_resumed_read_without_its_first_half_uses_the_threads_connection(write) -> None:
    """With -f the ``read(22, <unfinished ...>`` half holds no needle; the reset must still count."""
    story = race_story()
    text = render(story.events, "tt").replace(
        "read(49, 0x7f89bc284048, 8192) = -1 ECONNRESET (Connection reset by peer)",
        "read(49, <unfinished ...>\n700   00:00:00.000000 <... read resumed>0x7f89bc284048, 8192) = -1 ECONNRESET "
        "(Connection reset by peer)",
    )
    assert _kinds(analyse([write("split.out", text)])) == {"request-limit-race": 1}


def test_durations_and_yy_decorations(write) -> None:
    text = (
        '10171 23:51:07.377881 writev(22<UNIX-STREAM:[23566->23567]>, [{iov_base="\\1", iov_len=1}], 1) = 1 <0.'
        '000226>\n'
        "10171 23:51:07.392357 close(22<UNIX-STREAM:[23566->23567]>) = 0 <0.000349>\n"
    )
    records = _reader(write("yy.out", text))
    assert [r.result for r in records] == ["1", "0"]
    assert first_fd(records[0].args) == (22, "UNIX-STREAM:[23566->23567]")


def test_exit_kill_and_signal_lines(write) -> None:
    text = (
        "600 12:00:00.000001 --- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=515, si_uid=0} ---\n"
        "600 12:00:00.000002 +++ exited with 0 +++\n"
        "601 12:00:00.000003 +++ killed by SIGKILL +++\n"
        "602 12:00:00.000004 +++ killed by SIGSEGV (core dumped) +++\n"
        "603 12:00:00.000005 --- SIGPIPE (Broken pipe) @ 0 (0) ---\n"
    )
    records = _reader(write("sig.out", text))
    assert [(r.kind, r.name, r.status) for r in records] == [
        ("signal", "SIGTERM", None),
        ("exit", "", 0),
        ("killed", "SIGKILL", None),
        ("killed", "SIGSEGV", None),
        ("signal", "SIGPIPE", None),
    ]


def test_crash_of_the_php_side_is_its_own_kind(write) -> None:
    story = race_story()
    text = render(story.events, "tt")
    lines = text.splitlines()
    exit_index = next(i for i, line in enumerate(lines) if line.startswith("600") and "exit_group" in line)
    del lines[exit_index]
    text = "\n".join(lines).replace("600   ", "600   ", 1) + "\n"
    text = re.sub(
        r"^(600 +\S+ )\+\+\+ exited with 0 \+\+\+$", r"\1+++ killed by SIGSEGV (core dumped) +++", text, flags=re.M
    )
    assert _kinds(analyse([write("crash.out", text)])) == {"php-crash": 1}


def test_php_side_missing_from_the_capture(write) -> None:
    only_httpd = "".join(
        line + "\n" for line in render(race_story().events, "tt").splitlines() if line.startswith("700")
    )
    report = analyse([write("httpd-only.out", only_httpd)])
    assert _kinds(report) == {"fcgi-reset": 1}
    assert report.detections[0].pids == [700]
    assert report.detections[0].rule is None


def test_eof_read_counts_like_a_reset(write) -> None:
    text = render(race_story().events, "tt").replace(
        "read(49, 0x7f89bc284048, 8192) = -1 ECONNRESET (Connection reset by peer)", 'read(49, "", 8192) = 0'
    )
    assert _kinds(analyse([write("eof.out", text)])) == {"request-limit-race": 1}


def test_eof_on_a_closed_and_reused_fd_is_not_a_failure(write) -> None:
    text = (
        '700 10:00:00.000001 connect(49, {sa_family=AF_UNIX, sun_path="/run/fcgid/515.0"}, 110) = 0\n'
        '700 10:00:00.000002 writev(49, [{iov_base="\\1", iov_len=1}], 1) = 1\n'
        "700 10:00:00.000003 close(49) = 0\n"
        '700 10:00:00.000004 read(49, "", 8000) = 0\n'
    )
    assert analyse([write("reuse.out", text)]).detections == []


def test_write_error_on_the_request_counts(write) -> None:
    text = render(race_story().events, "tt")
    text = re.sub(r"writev\(49, (.*)\) = 8", r"writev(49, \1) = -1 EPIPE (Broken pipe)", text).replace(
        "read(49, 0x7f89bc284048, 8192) = -1 ECONNRESET (Connection reset by peer)",
        "read(49, 0x7f89bc284048, 8192) = -1 EBADF (Bad file descriptor)",
    )
    assert _kinds(analyse([write("epipe.out", text)])) == {"request-limit-race": 1}


def test_old_32bit_trace_names(write) -> None:
    """stat64/fcntl64/AF_FILE with ``path=`` as strace 4.x printed them on i386."""
    text = (
        '515 19:20:28 bind(35, {sa_family=AF_FILE, path="/var/lib/apache2/fcgid/sock/515.470"}, 110) = 0\n'
        "515 19:20:28 clone(child_stack=0, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_"
        "tidptr=0xb74c7768) = 15768\n"
        "12403 19:27:50 socket(PF_FILE, SOCK_STREAM, 0) = 49\n"
        '12403 19:27:50 connect(49, {sa_family=AF_FILE, path="/var/lib/apache2/fcgid/sock/515.470"}, 110) = 0\n'
        "12403 19:27:50 fcntl64(49, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n"
        '12403 19:27:50 stat64("/var/www/x.php", {st_mode=S_IFREG|0664, st_size=311, ...}) = 0\n'
        '12403 19:27:50 writev(49, [{"\\1\\1\\1\\10", 8}, {NULL, 0}], 2) = 8\n'
        "15768 19:27:50 exit_group(0) = ?\n"
        "12403 19:27:50 read(49, 0xb9978ff8, 8192) = -1 ECONNRESET (Connection reset by peer)\n"
    )
    report = analyse([write("i386.out", text)])
    assert _kinds(report) == {"request-limit-race": 1}
    assert report.detections[0].socket == "/var/lib/apache2/fcgid/sock"
    assert report.detections[0].pids == [15768]


def test_split_poll_line_without_marker_and_io_timeout(write) -> None:
    text = (
        '12403 19:27:50 connect(49, {sa_family=AF_UNIX, sun_path="/run/fcgid/515.0"}, 110) = 0\n'
        '12403 19:27:50 writev(49, [{"\\1", 1}], 1) = 1\n'
        "12403 19:27:50 poll([{fd=49, events=POLLIN}], 1, 40000\n"
        "12403 19:28:30 ) = 0 (Timeout)\n"
        "515 19:28:31 poll([{fd=7, events=POLLIN}], 1, 3000) = 0 (Timeout)\n"
    )
    report = analyse([write("timeout.out", text)])
    assert _kinds(report) == {"io-timeout": 1}
    assert report.detections[0].rule == "FCG003"
    assert report.detections[0].first == "19:28:30"


def test_split_poll_with_both_halves_candidates_is_joined(write) -> None:
    reader = StraceReader(write("x", ""))
    assert reader.parse(1, "12403 19:27:50 poll([{fd=49, events=POLLIN}], 1, 40000 (Timeout)") is None
    joined = reader.parse(2, "12403 19:28:30 ) = 0 (Timeout)")
    assert joined is not None and joined.name == "poll" and joined.head_known
    assert joined.result == "0 (Timeout)"


def test_padded_results(write) -> None:
    records = _reader(
        write(
            "pad.out",
            "10155 23:51:06.293958 close(11)      = 0 <0.000037>\n10259 23:51:12.550474 exit_group(0)     = ?\n",
        )
    )
    assert [(r.name, r.result) for r in records] == [("close", "0"), ("exit_group", "?")]


def test_corrupt_and_cut_lines_are_counted_not_fatal(write) -> None:
    story = race_story()
    text = render(story.events, "tt")
    text = (
        "garbage +++ exited not strace\n"
        + text
        + "700   00:00:09.000000 ???connect(\n700   00:00:09.100000 connect(49, {sa_fam"
    )
    path = write("cut.out", text)
    reader = StraceReader(path)
    list(reader.records())
    assert reader.corrupt == 3
    assert reader.first_corrupt == 1
    report = analyse([path])
    assert _kinds(report) == {"request-limit-race": 1}
    assert any("3 unparsable strace line(s)" in w for w in report.warnings)


def test_c_escaped_and_truncated_strings() -> None:
    assert c_unescape(r"a\nb\t\"q\"\\") == 'a\nb\t"q"\\'
    assert c_unescape(r"\101\x42\0") == "AB\0"
    assert c_unescape(r"caf\303\251") == "café"
    assert socket_path('{sa_family=AF_UNIX, sun_path="/run/\\"odd\\"/1.2"}') == '/run/"odd"/1.2'
    assert socket_path('{sa_family=AF_UNIX, sun_path="/run/very/long/pa"...}') is None
    assert error_name("-1 ECONNRESET (Connection reset by peer)") == "ECONNRESET"
    assert error_name("0x2 (flags O_RDWR)") is None
    assert return_value("0x2 (flags O_RDWR)") == 2
    assert return_value("?") is None


def test_truncated_buffer_string_does_not_confuse_the_result(write) -> None:
    text = '700 10:00:00.000001 writev(49, [{iov_base="\\1\\1\\0\\1 ) = 5 tricky"..., iov_len=1024}], 1) = 1024\n'
    records = _reader(write("buf.out", text))
    assert records[0].result == "1024"


@pytest.mark.skipif(not strace.grep_available(), reason="GNU grep not installed")
def test_grep_and_python_prefilters_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    noise = "\n".join(
        f"700 10:00:{i % 60:02d}.000000 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0) = 0x7f00" for i in range(500)
    )
    path = tmp_path / "mix.out"
    path.write_text(noise + "\n" + render(race_story().events, "tt") + noise + "\n700 10:00:00.1 close(3) = 0")
    monkeypatch.setattr(strace, "_CHUNK", 4096)  # force many chunk boundaries
    with open(path, "rb") as handle:
        python_lines = _flat(candidates_python(handle))
    assert python_lines == _flat(candidates_grep(path))
    offsets: list[int] = []
    assert python_lines == _flat(candidates_grep(path, offsets.append))
    first_offset = path.read_text().index(python_lines[0][1])
    assert offsets == [first_offset]  # one report per batch of grep's output, with its first line
    assert python_lines[-1] == (path.read_text().count("\n") + 1, "700 10:00:00.1 close(3) = 0")


@pytest.mark.skipif(not strace.grep_available() or strace._gzip_exe() is None, reason="GNU grep or gzip not installed")
def test_compressed_capture_through_gzip_and_grep_matches_the_python_scan(tmp_path: Path) -> None:
    path = tmp_path / "strace.out.gz"
    path.write_bytes(gzip.compress(render(race_story().events, "tt").encode()))
    with gzip.open(path, "rb") as handle:
        python_lines = _flat(candidates_python(handle))
    assert python_lines
    assert _flat(candidates_grep(path, compressed=True)) == python_lines


#: Pieces of lines: every needle and exclusion word, cut short too, and the characters that are special in a regex.
_PIECES = st.sampled_from(
    [n.decode() for n in strace.NEEDLES]
    + [n.decode()[:-1] for n in strace.NEEDLES]
    + ["newfstatat(", "statx(", "read(", "close(3<", "TCP", "/", "UNIX-STREAM:[1->2,\"", "[pid 7] ", "700 "]
    + list('.*+?{}()[]|^$\\"<>, \r\t-') + ["\xe9", "\x00", "a", "9"]
)


@pytest.mark.skipif(not strace.grep_available(), reason="GNU grep not installed")
@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=12).map("".join), min_size=1, max_size=30))
def test_grep_regex_and_python_scan_select_the_same_lines(tmp_path_factory, lines: list[str]) -> None:
    """grep runs the needles as one extended regex and the exclusion as another; Python runs both as its own
    patterns: any line, with any regex metacharacter in it, is kept by both or by neither."""
    path = tmp_path_factory.mktemp("prop") / "lines.out"
    path.write_bytes("\n".join(lines).encode("latin-1"))
    with open(path, "rb") as handle:
        python_lines = _flat(candidates_python(handle))
    assert _flat(candidates_grep(path)) == python_lines


_RESUMED_PIECES = st.sampled_from(
    [") = 0", ") = -1 ECONNRESET (Connection reset by peer)", " ", "  ", "<unfinished ...>", " <0.000010>", ">", "<",
     '"", 8192', "resumed>", "<... ", "\r", "\t", "x", "9", "\u00e9", "..."]
)


@given(
    st.sampled_from(["read", "accept", "accept4", "clone3", "poll", "x9", "\u00e9t\u00e9"]),
    st.lists(_RESUMED_PIECES, max_size=8).map("".join),
    st.sampled_from(["700 10:00:00.000001 ", "[pid 700] ", "700 1700000000.000001 ", "", "  700  "]),
)
@example("read", " ) = 0", "700 ")
@example("read", "  ) = 0 <0.000010>", "700 ")
@example("read", ") = 0 <0.000010>", "")
@example("poll", " <unfinished ...>", "700 ")
def test_resumed_line_parses_the_same_with_or_without_the_prefix_shortcut(name: str, rest: str, head: str) -> None:
    """The ``<... name resumed>`` marker is read with the pid and time; with that shortcut disabled (the pattern
    made unable to match a marker), the full pattern reads the line, and both give the same record."""
    line = f"{head}<... {name} resumed>{rest}"
    pending = f"{head}{name}(3, <unfinished ...>"
    slow = re.compile(strace._PREFIX_RE.pattern.replace(r"resumed>)", r"resumed>(?!))"))
    assert slow.pattern != strace._PREFIX_RE.pattern
    fast_reader, slow_reader = StraceReader(Path("-")), StraceReader(Path("-"))
    fast = [fast_reader.parse(1, pending), fast_reader.parse(2, line)]
    saved, strace._PREFIX_RE = strace._PREFIX_RE, slow
    try:
        assert [slow_reader.parse(1, pending), slow_reader.parse(2, line)] == fast
    finally:
        strace._PREFIX_RE = saved
    assert (fast_reader.corrupt, fast_reader._pending) == (slow_reader.corrupt, slow_reader._pending)


_FD_PIECES = st.sampled_from(
    ["14", "0", "<", ">", "->", "UNIX-STREAM:[1", "]", ",", ")", " ", "\t", "x", '"', "\u0663"]
)


@given(st.sampled_from(["", "14<", "0<", " 3<"]), st.lists(_FD_PIECES, max_size=10).map("".join))
@example("14<", "UNIX-STREAM:[1->2]>, 8192")
@example("14<", "x>\t>,")
@example("14<", "x>y")
def test_first_fd_shortcut_reads_what_the_pattern_reads(head: str, tail: str) -> None:
    """Read with ``find`` or with the pattern, any argument list gives the same fd and decoration."""
    args = head + tail
    match = strace._FD_RE.match(args)
    expected = (strace.saturated(match.group(1)), match.group(2)) if match else (None, None)
    assert first_fd(args) == expected

def _flat(batches) -> list[tuple[int, str]]:
    return [line for batch in batches for line in batch]


def test_gzip_strace_is_read_transparently(tmp_path: Path) -> None:
    path = tmp_path / "strace.txt.gz"
    path.write_bytes(gzip.compress(render(race_story().events, "tt").encode()))
    assert _kinds(analyse([path])) == {"request-limit-race": 1}


@given(st.text(max_size=200))
def test_parse_never_raises(line: str) -> None:
    reader = StraceReader(Path("unused"))
    reader.parse(1, line)


def _seed_capture(seed: str) -> str:
    """The strace lines of the seed write-up's steps 4 and 5 (bind/clone, then the failing request)."""
    blocks = seed.split("$ grep")
    wanted = [
        b for b in blocks if b.startswith(" -A100 'bind") or b.startswith(" -C100 'Jun 27 19:27:50' strace.out | egrep")
    ]
    lines = []
    for block in wanted:
        lines += [line for line in block.splitlines() if re.match(r"^\d+ \d\d:\d\d:\d\d ", line)]
    return "\n".join(lines) + "\n"


def test_seed_excerpt(write) -> None:
    seed = shared_dir() / "seed" / "troubleshooting-fastcgi-error.txt"
    if not seed.is_file():
        pytest.skip("seed write-up not available")
    report = analyse([write("seed.out", _seed_capture(seed.read_text(encoding="utf-8")))])
    assert _kinds(report) == {"request-limit-race": 1}
    found = report.detections[0]
    assert found.pids == [15768]
    assert found.socket == "/var/lib/apache2/fcgid/sock"
    assert found.first == "19:27:50"
    assert "ECONNRESET" in found.samples[0][2]
