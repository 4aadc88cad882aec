"""Measured load from access logs: per-vhost request rate and concurrency over short windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from fcgilint.formats.text import render_trace
from fcgilint.report import TraceReport
from fcgilint.evidence import analyse
from fcgilint.evidence.load import WINDOW, read_load

START = datetime(2026, 11, 27, 23, 51, 0, tzinfo=UTC)


def _line(second: int, vhost: str | None = None, micros: int | None = None, combined: bool = False) -> str:
    stamp = (START + timedelta(seconds=second)).strftime("%d/%b/%Y:%H:%M:%S %z")
    head = f"{vhost}:80 " if vhost else ""
    tail = ' "-" "ab/2.3"' if combined else ""
    duration = f" {micros}" if micros is not None else ""
    return f'{head}127.0.0.1 - - [{stamp}] "GET /info.php HTTP/1.1" 200 6{tail}{duration}\n'


def test_vhost_combined_lines_are_counted_per_vhost(write) -> None:
    lines = [_line(s, "shop.example") for s in range(20) for _ in range(3)]
    lines += [_line(s, "blog.example", combined=True) for s in range(0, 20, 2)]
    blog, shop = read_load(write("access.log", "".join(lines)))
    assert (shop.vhost, shop.requests, shop.peak_rate) == ("shop.example", 60, 3.0)
    assert (blog.vhost, blog.requests, blog.peak_rate) == ("blog.example", 10, 0.5)
    assert shop.peak_concurrency is None  # no %D, no concurrency


def test_the_peak_is_the_busiest_window_and_concurrency_comes_from_the_duration(write) -> None:
    quiet = [_line(s, micros=100_000) for s in range(0, 60, 5)]
    burst = [_line(30 + s, micros=2_000_000) for s in range(WINDOW) for _ in range(45)]
    (load,) = read_load(write("access.log", "".join(quiet + burst)))
    assert load.vhost is None and load.window == WINDOW
    assert load.peak_rate >= 45 and load.peak_rate_at is not None
    assert datetime.fromtimestamp(load.peak_rate_at, UTC) == START + timedelta(seconds=30)
    assert load.peak_concurrency is not None and 80 <= load.peak_concurrency <= 91  # 45/s x 2 s each, ramping up
    assert "peak 45" in load.summary() or "peak 46" in load.summary()


def test_a_log_shorter_than_the_window_is_its_own_window(write) -> None:
    (load,) = read_load(write("access.log", "".join(_line(s % 2) for s in range(200))))
    assert load.window == 2 and load.peak_rate == 100


def test_the_report_carries_the_loads_and_trace_shows_them(write) -> None:
    report = analyse([write("access.log", "".join(_line(s, "shop.example", 5000) for s in range(30)))])
    (load,) = report.loads
    assert report.to_json()["loads"][0]["vhost"] == "shop.example"
    assert load.requests == 30
    assert "load of shop.example: 30 requests" in render_trace(TraceReport(report))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(
    st.builds(_line, st.integers(0, 400), st.sampled_from([None, "a.example", "b.example"]),
              st.one_of(st.none(), st.integers(0, 10**9)), st.booleans()),
    st.text(max_size=80).map(lambda t: t.replace("\n", " ") + "\n"),
), max_size=60))
def test_any_mix_of_lines_reads_and_counts_every_access_line(tmp_path_factory, lines: list[str]) -> None:
    path = tmp_path_factory.mktemp("load") / "access.log"
    path.write_text("".join(lines))
    loads = read_load(path)
    valid = sum(1 for line in lines if '"GET /info.php HTTP/1.1" 200 6' in line)
    assert sum(load.requests for load in loads) >= valid
    for load in loads:
        assert 0 < load.window <= WINDOW and load.peak_rate > 0


def test_trace_says_what_the_inferred_recycle_length_sustains() -> None:
    capture = Path(__file__).resolve().parents[1] / "data" / "captures" / "race" / "strace.txt.gz"
    text = render_trace(TraceReport(analyse([capture])))
    assert "inferred PHP_FCGI_MAX_REQUESTS=20" in text
    assert "recycling every 20 requests sustains about 6.7 req/s under mod_fcgid's default spawn score" in text
