"""``fcgilint trace``: exit codes, text and JSON output, live-capture refusals."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import pytest
from stories import SOCK_DIR, race_story, render
from typer.testing import CliRunner

from fcgilint.cli import app
from fcgilint.commands import trace as trace_command

runner = CliRunner()

#: The JSON document promised as stable in docs/trace.md.
SCHEMA = {
    "type": "object",
    "required": ["detections", "inferred", "warnings"],
    "additionalProperties": False,
    "properties": {
        "detections": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "kind",
                    "count",
                    "first",
                    "last",
                    "pids",
                    "socket",
                    "wrapper",
                    "rule",
                    "samples",
                    "logged",
                    "vhost",
                ],
                "properties": {
                    "kind": {"type": "string"},
                    "count": {"type": "integer", "minimum": 1},
                    "first": {"type": ["string", "null"]},
                    "last": {"type": ["string", "null"]},
                    "pids": {"type": "array", "items": {"type": "integer"}, "maxItems": 50},
                    "socket": {"type": ["string", "null"]},
                    "wrapper": {"type": ["string", "null"]},
                    "rule": {"type": ["string", "null"], "pattern": "^FCG[0-9]{3}$"},
                    "samples": {
                        "type": "array",
                        "maxItems": 5,
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["file", "line", "text"],
                            "properties": {
                                "file": {"type": "string"},
                                "line": {"type": "integer"},
                                "text": {"type": "string"},
                            },
                        },
                    },
                    "logged": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}},
                    "vhost": {"type": ["string", "null"]},
                },
            },
        },
        "inferred": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["socket", "wrapper", "php_fcgi_max_requests", "processes", "vhost"],
                "properties": {
                    "socket": {"type": ["string", "null"]},
                    "wrapper": {"type": ["string", "null"]},
                    "php_fcgi_max_requests": {"type": "integer"},
                    "processes": {"type": "integer"},
                    "vhost": {"type": ["string", "null"]},
                },
            },
        },
        "warnings": {"type": "array", "items": {"type": "string"}},
        "inputs": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["file", "kind"],
                "properties": {"file": {"type": "string"}, "kind": {"enum": ["strace", "error", "access", "unknown"]}},
            },
        },
        "loads": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "vhost",
                    "source",
                    "requests",
                    "first",
                    "last",
                    "window",
                    "peak_rate",
                    "peak_rate_at",
                    "peak_concurrency",
                    "peak_concurrency_at",
                ],
                "properties": {
                    "vhost": {"type": ["string", "null"]},
                    "source": {"type": "string"},
                    "requests": {"type": "integer", "minimum": 1},
                    "first": {"type": "string"},
                    "last": {"type": "string"},
                    "window": {"type": "integer", "minimum": 1, "maximum": 10},
                    "peak_rate": {"type": "number"},
                    "peak_rate_at": {"type": "string"},
                    "peak_concurrency": {"type": ["number", "null"]},
                    "peak_concurrency_at": {"type": ["string", "null"]},
                },
            },
        },
    },
}


def _race_file(write) -> Path:
    return write("strace.out", render(race_story().events, "tt"))


def test_json_output_follows_the_documented_schema(write) -> None:
    result = runner.invoke(app, ["trace", "--format", "json", str(_race_file(write))])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    assert document["detections"][0]["kind"] == "request-limit-race"
    assert document["detections"][0]["socket"] == SOCK_DIR
    assert document["inferred"][0]["php_fcgi_max_requests"] == 3


def test_text_output_names_kind_count_rule_and_samples(write) -> None:
    path = _race_file(write)
    result = runner.invoke(app, ["trace", str(path)])
    assert result.exit_code == 1
    assert "request-limit-race: 1x" in result.stdout
    assert "confirms FCG001" in result.stdout
    assert f"{path}:" in result.stdout and "ECONNRESET" in result.stdout
    assert "inferred PHP_FCGI_MAX_REQUESTS=3" in result.stdout


def test_exit_zero_when_nothing_is_found(write) -> None:
    path = write("quiet.out", "700 10:00:00.000001 close(3) = 0\n700 10:00:00.000002 +++ exited with 0 +++\n")
    result = runner.invoke(app, ["trace", str(path)])
    assert result.exit_code == 0
    assert "no FastCGI failure patterns found" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["trace"], "nothing to read"),
        (["trace", "/nonexistent/strace.out"], "cannot read /nonexistent/strace.out"),
        (["trace", "--format", "yaml", "x"], "--format yaml"),
        (["trace", "--live", "x"], "either FILES or --live"),
        (["trace", "--live", "--seconds", "0"], "must be positive"),
    ],
)
def test_usage_and_input_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_damaged_gzip_is_an_input_error(tmp_path: Path) -> None:
    import gzip

    text = "".join(f"700 10:00:{i % 60:02d}.{i:06d} close({i % 1000}) = 0\n" for i in range(50000))
    packed = gzip.compress(text.encode())
    path = tmp_path / "strace.txt.gz"
    path.write_bytes(packed[: len(packed) // 2])  # a download cut half-way
    result = runner.invoke(app, ["trace", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"fcgilint: cannot read {path}")
    assert "Traceback" not in result.output


def test_binary_file_without_newlines_is_nothing_recognised(tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(range(256)).replace(b"\n", b"") * 4096)
    result = runner.invoke(app, ["trace", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"fcgilint: nothing recognised in {path}: no line is strace output")
    assert "Traceback" not in result.output


def test_directory_is_an_input_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["trace", str(tmp_path)])
    assert result.exit_code == 2 and "not a file" in result.stderr


def test_live_refuses_without_strace(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(trace_command.shutil, "which", lambda name: None)
    result = runner.invoke(app, ["trace", "--live", "--output", str(tmp_path / "s.out")])
    assert result.exit_code == 2
    assert "needs strace" in result.stderr


def test_live_refuses_without_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(trace_command.shutil, "which", lambda name: "/usr/bin/strace")
    monkeypatch.setattr(trace_command.os, "geteuid", lambda: 1000)
    result = runner.invoke(app, ["trace", "--live", "--output", str(tmp_path / "s.out")])
    assert result.exit_code == 2
    assert "needs root" in result.stderr
    assert not (tmp_path / "s.out").exists()


def test_live_refuses_without_a_running_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(trace_command, "_check_tracing_allowed", lambda: "/usr/bin/strace")
    monkeypatch.setattr(trace_command, "_processes", lambda: [(1, 0, "systemd"), (50, 1, "sshd")])
    result = runner.invoke(app, ["trace", "--live", "--output", str(tmp_path / "s.out")])
    assert result.exit_code == 2
    assert "no running httpd/apache2" in result.stderr


TABLE = [
    (1, 0, "systemd"),
    (900, 1, "apache2"),
    (901, 900, "apache2"),
    (902, 900, "apache2"),
    (940, 901, "sh"),
    (950, 940, "php-cgi8.2"),
    (951, 901, "php-cgi"),
    (960, 1, "php-fpm8.2"),
    (970, 1, "bash"),
    (1900, 1, "httpd"),
    (1901, 1900, "httpd"),
    (1950, 1901, "php-cgi"),
]


def test_server_pids_attach_parent_children_and_php() -> None:
    assert trace_command.httpd_parents(TABLE) == [900, 1900]
    assert trace_command.server_pids(TABLE, 900) == [901, 902, 950, 951]
    assert trace_command.server_pids(TABLE, 1900) == [1901, 1950]


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "several httpd servers run (parent pids 900, 1900); choose one with --pid"),
        (["--pid", "901"], "--pid 901: not the parent"),
    ],
)
def test_live_needs_a_clear_choice_of_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str], message: str
) -> None:
    monkeypatch.setattr(trace_command, "_check_tracing_allowed", lambda: "/usr/bin/strace")
    monkeypatch.setattr(trace_command, "_processes", lambda: TABLE)
    result = runner.invoke(app, ["trace", "--live", "--output", str(tmp_path / "s.out"), *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_progress_only_on_a_terminal_and_for_large_input(monkeypatch: pytest.MonkeyPatch, write, capsys) -> None:
    from fcgilint import progress

    path = write("big.out", "x" * 1000)
    assert not trace_command._large([path])
    monkeypatch.setattr(trace_command, "_PROGRESS_FLOOR", 100)
    assert trace_command._large([path])
    monkeypatch.setattr(progress, "QUIET_SECONDS", 0.0)
    monkeypatch.setattr(progress, "UPDATES_PER_SECOND", 10**9)
    show = trace_command._progress_hook()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    with progress.showing(True):
        show(500, 1000, "big.out")
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    show = trace_command._progress_hook()
    with progress.showing(True):
        for done in (500, 2000):  # a compressed input reports more bytes than its size: clamped
            show(done, 1000, "big.out")
    err = capsys.readouterr().err
    assert "\rfcgilint: reading big.out: 0 of 1 KiB (50%)" in err
    assert "\rfcgilint: reading big.out: 1 of 1 KiB (100%)" in err and err.endswith("\r")


CAPTURE = Path(__file__).resolve().parents[1] / "data" / "captures" / "race"


def test_dash_reads_standard_input_as_a_pipe_would_give_it() -> None:
    """``cat error.log | fcgilint trace -``: the same detections, samples named ``-``."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    log = (CAPTURE / "error.log").read_bytes()
    piped = subprocess.run([sys.executable, "-m", "fcgilint", "trace", "-", "--format", "json"], input=log, cwd=repo,
                           capture_output=True, timeout=120)
    named = subprocess.run([sys.executable, "-m", "fcgilint", "trace", str(CAPTURE / "error.log"), "--format", "json"],
                           cwd=repo, capture_output=True, timeout=120)
    assert piped.returncode == named.returncode == 1, piped.stderr
    ours, theirs = json.loads(piped.stdout), json.loads(named.stdout)
    assert [(d["kind"], d["count"]) for d in ours["detections"]] == [
        (d["kind"], d["count"]) for d in theirs["detections"]
    ]
    assert {s["file"] for d in ours["detections"] for s in d["samples"]} == {"-"}
    twice = runner.invoke(app, ["trace", "-", "-"], input="")
    assert twice.exit_code == 2 and "'-' (standard input) can be given once" in twice.output


def test_an_empty_log_is_called_empty(tmp_path: Path) -> None:
    empty = tmp_path / "error.log"
    empty.write_text("\n\n")
    result = runner.invoke(app, ["trace", str(empty), "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["warnings"] == [f"{empty}: empty; nothing to read"]


def test_trace_text_is_short_by_default_and_complete_on_verbose(tmp_path: Path) -> None:
    files = [str(CAPTURE / "strace.txt.gz"), str(CAPTURE / "error.log")]
    short = runner.invoke(app, ["trace", *files]).stdout
    full = runner.invoke(app, ["trace", "-v", *files]).stdout
    assert "  pids:" not in short and "  socket:" not in short and "  pids:" in full and "  socket:" in full
    lines = short.splitlines()
    race = lines.index(next(line for line in lines if line.startswith("request-limit-race: 4x")))
    block = lines[race + 1: race + 5]
    assert block[0] == "  the same 4 request(s) in the error log: fcgi-read-error (same worker thread, same moment)"
    assert block[1] == "  vhost:   127.0.0.1"  # mod_fcgid's "server 127.0.0.1:/.../php-wrapper(PID) started" lines
    assert block[2].startswith("  wrapper: ") and block[3].startswith("  ") and not lines[race + 5].startswith("  ")
    written = runner.invoke(app, ["trace", "-o", str(tmp_path / "trace.txt"), "--color", "always", *files])
    assert written.exit_code == 1 and written.stdout == ""
    assert "\x1b[1mrequest-limit-race\x1b[0m: 4x" in (tmp_path / "trace.txt").read_text()
    empty = tmp_path / "empty.log"
    empty.write_text("")
    assert "warning:" not in runner.invoke(app, ["trace", "-q", str(empty)]).stdout
