"""``check --evidence``: measured load and slot failures set beside the capacity of their class."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import write_tree
from tests.formats.helpers import invoke

START = datetime(2026, 11, 27, 14, 2, 0, tzinfo=UTC)
WRAPPER = "#!/bin/sh\nexport PHP_FCGI_MAX_REQUESTS={n}\nexec /usr/bin/php-cgi\n"


def _tree(base: Path, shop_limit: int, log_line: str = "") -> Path:
    conf = (
        "<VirtualHost *:80>\n    ServerName shop.example\n    ServerAlias www.shop.example\n"
        f"    FcgidWrapper /usr/local/bin/shop-php .php\n    FcgidMaxRequestsPerProcess {shop_limit}\n{log_line}"
        "</VirtualHost>\n"
        "<VirtualHost *:80>\n    ServerName blog.example\n    FcgidWrapper /usr/local/bin/blog-php .php\n"
        "    FcgidMaxRequestsPerProcess 1000\n</VirtualHost>\n"
    )
    write_tree(base, {
        "etc/apache2/apache2.conf": "MaxRequestWorkers 400\nFcgidMaxProcesses 400\n" + conf,
        "usr/local/bin/shop-php": WRAPPER.format(n=shop_limit),
        "usr/local/bin/blog-php": WRAPPER.format(n=1000),
    })
    return base / "etc/apache2/apache2.conf"


def _access(path: Path, vhost: str | None, per_second: int, seconds: int = 30) -> Path:
    lines = []
    for s in range(seconds):
        stamp = (START + timedelta(seconds=s)).strftime("%d/%b/%Y:%H:%M:%S %z")
        head = f"{vhost}:80 " if vhost else ""
        lines += [f'{head}10.0.0.{s % 9} - - [{stamp}] "GET / HTTP/1.1" 200 512 "-" "curl"\n'] * per_second
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines))
    return path


def _check(base: Path, conf: Path, *evidence: Path, select: tuple[str, ...] = ()) -> dict:
    args = [arg for path in evidence for arg in ("--evidence", str(path))]
    args += [arg for rule in select for arg in ("--select", rule)]
    out = invoke(["check", "--root", str(base), "--format", "json", str(conf), *args])
    assert out.code in (0, 1), out.stderr
    return json.loads(out.stdout)


def test_the_measured_peak_goes_on_the_throttle_finding_of_its_vhost(tmp_path: Path) -> None:
    conf = _tree(tmp_path, 20)
    report = _check(tmp_path, conf, _access(tmp_path / "access.log", "www.shop.example", 45))
    (throttle,) = [f for f in report["findings"] if f["rule"] == "FCG021"]
    (line,) = [e for e in throttle["evidence"] if "peak" in e]
    assert "www.shop.example: peak 45.0 req/s at 2026-11-27 14:02:00 (10-s window)" in line
    assert "this class sustains 6.7 req/s" in line and "(the peak is above it)" in line


def test_the_measured_peak_is_the_rate_fcg021_asks_for(tmp_path: Path) -> None:
    conf = _tree(tmp_path, 1000)  # both classes sustain 333 req/s: no FCG021 at the default 20 req/s
    assert not [f for f in _check(tmp_path, conf)["findings"] if f["rule"] == "FCG021"]
    report = _check(tmp_path, conf, _access(tmp_path / "busy.log", "blog.example", 400))
    (throttle,) = [f for f in report["findings"] if f["rule"] == "FCG021"]
    assert throttle["vhost"] == "blog.example" or throttle.get("vhosts") == ["blog.example"]
    assert "below the 400 req/s it served (measured at 2026-11-27 14:02:00 in " in throttle["message"]
    assert any("peak 400.0 req/s" in e for e in throttle["evidence"])


def test_a_load_above_a_class_without_a_capacity_finding_is_a_note(tmp_path: Path) -> None:
    conf = _tree(tmp_path, 1000)
    report = _check(tmp_path, conf, _access(tmp_path / "busy.log", "blog.example", 2500), select=("FCG005",))
    (note,) = [n for n in report["notes"] if n.startswith("capacity of ")]
    assert "blog.example" in note and "peak 2500.0 req/s" in note and "sustains 333 req/s" in note
    assert "at most 2000 req/s over 10 s from idle (the peak is above it)" in note


def test_a_plain_log_is_tied_to_the_vhost_whose_customlog_writes_it(tmp_path: Path) -> None:
    conf = _tree(tmp_path, 20, '    CustomLog /var/log/apache2/shop.log combined\n')
    log = _access(tmp_path / "var/log/apache2/shop.log", None, 2)
    report = _check(tmp_path, conf, log)
    (throttle,) = [f for f in report["findings"] if f["rule"] == "FCG021"]
    (line,) = [e for e in throttle["evidence"] if "peak" in e]
    assert "the log: peak 2.0 req/s" in line and "(the peak is above it)" not in line
    assert not [n for n in report["notes"] if n.startswith("capacity of ")]


def test_cant_apply_process_slot_is_tied_to_its_class(tmp_path: Path) -> None:
    conf = _tree(tmp_path, 20)
    error = tmp_path / "error.log"
    error.write_text(
        "[Fri Nov 27 14:02:40.000000 2026] [fcgid:warn] [pid 25482:tid 25503] [client 10.0.0.1:47459] "
        "mod_fcgid: can't apply process slot for /usr/local/bin/shop-php\n" * 3
    )
    report = _check(tmp_path, conf, error)
    (throttle,) = [f for f in report["findings"] if f["rule"] == "FCG021"]
    assert any(e.startswith("3 'can't apply process slot' 503s") for e in throttle["evidence"])
