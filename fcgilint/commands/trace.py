"""``fcgilint trace``: read strace captures and Apache logs, or take a short live capture.

``fcgilint trace FILES... [--format text|json|sarif|github]`` reports what the
evidence proves (see docs/trace.md).  ``fcgilint trace --live`` attaches strace to the
running httpd/apache2 and php-cgi processes for a bounded time and size, then
reads the capture.  It only observes: no server configuration is read or
changed.  Exit codes: 0 nothing detected, 1 detections found, 2 usage or input
error, or no input of a kind the reader knows (one line on stderr).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from fcgilint import exitcodes, progress

# The evidence reader is imported by the command itself, so other commands start without it.
if TYPE_CHECKING:
    from fcgilint.evidence import EvidenceReport, ProgressHook

#: Inputs at least this large get a progress line on a terminal.
_PROGRESS_FLOOR = 64 * 1024 * 1024
_HTTPD_NAMES = frozenset({"apache2", "httpd"})
_STRACE_FLAGS = ("-f", "-tt", "-T", "-yy", "-s", "256")


#: What the reader knows, said when it knew nothing of the input (docs/trace.md, Inputs).
UNRECOGNISED = (
    "no line is strace output, an Apache error log (any prefix, with or without timestamps), "
    "an access log, a suEXEC log or a php-fpm log"
)


class _Refusal(Exception):
    """A reason to stop with exit code 2 and one line on stderr."""


def register(app: typer.Typer) -> None:
    """Add the ``trace`` command to the CLI."""
    app.command(
        "trace",
        help="Read strace output and Apache error/access logs and report the FastCGI failures they prove "
        "(request-limit race, IO timeouts, ...). Exit 0 nothing found, 1 detections, 2 input error.",
    )(trace)


def trace(
    files: list[Path] = typer.Argument(
        None, help="strace output (-f or -ff files), error.log, access.log; .gz is fine; - reads standard input."
    ),
    output_format: str = typer.Option(
        "text", "--format", help="text, json (docs/trace.md), sarif or github (one annotation per detection)."
    ),
    live: bool = typer.Option(
        False, "--live", help="Attach strace to the running httpd and php-cgi processes, then analyse."
    ),
    seconds: int = typer.Option(30, "--seconds", help="With --live: how long to trace."),
    output: Path = typer.Option(Path("strace.out"), "--output", help="With --live: where strace writes."),
    max_mb: int = typer.Option(512, "--max-mb", help="With --live: stop tracing once the output reaches this size."),
    pid: int = typer.Option(None, "--pid", help="With --live: the httpd parent pid, when several servers run."),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Text: every detection's socket, pids and three sample lines."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Text: the detections only, without reader warnings."),
    color: str = typer.Option(
        "auto", "--color", help="Text: auto (on a terminal, unless NO_COLOR is set), always or never."
    ),
    output_file: Path = typer.Option(
        None, "--output-file", "-o", help="Write the report to this file instead of standard output."
    ),
    html_file: Path = typer.Option(
        None,
        "--html",
        help="Also write a self-contained HTML page to this file: a timeline per process class (each php-cgi's life, "
             "its requests, every failure where it hit).",
    ),
    httpd_config: Path = typer.Option(
        None,
        "--httpd-config",
        help="The server's httpd config (directory or entry file): lines of a vhost's own ErrorLog, and failures of a "
             "wrapper only one vhost runs, are named with that vhost.",
    ),
    root: Path = typer.Option(None, "--root", help="With --httpd-config: map its absolute paths into this directory."),
) -> None:
    """Entry point of ``fcgilint trace``."""
    from fcgilint.evidence import EvidenceError, analyse
    from fcgilint.formats import render, unavailable
    from fcgilint.formats.text import COLOR_CHOICES, TextOptions
    from fcgilint.report import TraceReport

    if color not in COLOR_CHOICES:
        typer.echo(f"fcgilint: --color {color}: use {', '.join(COLOR_CHOICES)}", err=True)
        raise typer.Exit(exitcodes.ERROR)

    try:
        problem = unavailable("trace", output_format)
        if problem is not None:
            raise _Refusal(problem)
        with tempfile.TemporaryDirectory(prefix="fcgilint-") as spool:
            paths, labels = _stdin_spooled(_inputs(files or [], live, seconds, output, max_mb, pid), Path(spool))
            with progress.showing(output_format == "text" and _large(paths)) as meter:
                # Without a meter there is nothing to feed: asking for byte offsets costs the reader.
                report = analyse(paths, progress=_progress_hook() if meter else None, labels=labels)
        if not report.recognised:
            raise _Refusal(f"nothing recognised in {', '.join(labels.get(p, str(p)) for p in paths)}: {UNRECOGNISED}")
        if httpd_config is not None:
            report = _with_config(report, httpd_config, root)
    except (_Refusal, EvidenceError) as exc:
        typer.echo(f"fcgilint: {exc}", err=True)
        raise typer.Exit(exitcodes.ERROR) from None
    if html_file is not None:
        _write_html(html_file, report, [str(f) for f in files or [output]])
    options = TextOptions(verbose=verbose, quiet=quiet, color=color)
    text = render(output_format, TraceReport(report), options, output_file or sys.stdout)
    if output_file is None:
        typer.echo(text, nl=False)
    else:
        try:
            output_file.write_text(text, encoding="utf-8")
        except OSError as exc:
            typer.echo(f"fcgilint: --output-file {output_file}: cannot write: {exc.strerror or exc}", err=True)
            raise typer.Exit(exitcodes.ERROR) from None
    raise typer.Exit(exitcodes.FINDINGS if report.detections else exitcodes.OK)


def _with_config(report: EvidenceReport, config: Path, root: Path | None) -> EvidenceReport:
    """The report with the vhosts the server's config tells (see ``fcgilint.evidence_link.attribute``)."""
    from fcgilint.evidence_link import attribute
    from fcgilint.pipeline import InputError, analyse
    from fcgilint.settings import Choices, UsageError, resolve

    try:
        settings = resolve(Choices([config], root))
        models = [analyse(target, settings.load, ()).model for target in settings.targets]
    except (UsageError, InputError) as exc:
        raise _Refusal(f"--httpd-config {config}: {exc}") from None
    return attribute(report, models)


def _inputs(files: list[Path], live: bool, seconds: int, output: Path, max_mb: int, pid: int | None) -> list[Path]:
    if live and files:
        raise _Refusal("give either FILES or --live, not both")
    if not live:
        if not files:
            raise _Refusal("nothing to read: give strace/log FILES or --live")
        return files
    if seconds <= 0 or max_mb <= 0:
        raise _Refusal("--seconds and --max-mb must be positive")
    capture_live(output, seconds, max_mb * 1024 * 1024, pid)
    return [output]


def _write_html(path: Path, report: EvidenceReport, sources: list[str]) -> None:
    """The timeline page; a file that cannot be written is an input error (exit 2)."""
    from fcgilint.formats.timeline import render

    try:
        path.write_text(render(report, sources), encoding="utf-8")
    except OSError as exc:
        typer.echo(f"fcgilint: --html {path}: cannot write: {exc.strerror or exc}", err=True)
        raise typer.Exit(exitcodes.ERROR) from None


def _stdin_spooled(paths: list[Path], spool: Path) -> tuple[list[Path], dict[Path, str]]:
    """``-`` is standard input (``zcat error.log.gz | fcgilint trace -``).

    It is spooled to a file the readers can sniff and reread.
    """
    if sum(1 for p in paths if str(p) == "-") > 1:
        raise _Refusal("'-' (standard input) can be given once")
    if Path("-") not in paths:
        return paths, {}
    copy = spool / "stdin"
    with copy.open("wb") as handle:
        shutil.copyfileobj(sys.stdin.buffer, handle)
    return [copy if str(p) == "-" else p for p in paths], {copy: "-"}


def _large(paths: list[Path]) -> bool:
    """Inputs worth a progress line (see fcgilint.progress: shown on a terminal only)."""
    try:
        return sum(p.stat().st_size for p in paths) >= _PROGRESS_FLOOR
    except OSError:
        return False


def _progress_hook() -> ProgressHook:
    """Bytes read of each input, for the progress line (a no-op when none is shown)."""
    current: list[str] = []

    def show(done: int, size: int, name: str) -> None:
        if current != [name]:
            current[:] = [name]
            progress.begin(f"reading {name}", "bytes", size)
        progress.advance(done - progress.done())

    return show


# ---------------------------------------------------------------------------
# Live capture


def _processes() -> list[tuple[int, int, str]]:
    """(pid, ppid, comm) of every process visible in /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        found.append((int(entry.name), ppid, comm))
    return found


def httpd_parents(processes: list[tuple[int, int, str]]) -> list[int]:
    """httpd/apache2 processes whose parent is not one: one per running server."""
    httpd = {pid for pid, _, comm in processes if comm in _HTTPD_NAMES}
    return sorted(pid for pid, ppid, comm in processes if comm in _HTTPD_NAMES and ppid not in httpd)


def server_pids(processes: list[tuple[int, int, str]], parent: int) -> list[int]:
    """The httpd and php-cgi processes below ``parent`` (its workers, mod_fcgid's manager, php-cgi)."""
    children: dict[int, list[int]] = {}
    comm_of = {pid: comm for pid, _, comm in processes}
    for pid, ppid, _ in processes:
        children.setdefault(ppid, []).append(pid)
    found, todo = [], list(children.get(parent, []))
    while todo:
        pid = todo.pop()
        comm = comm_of[pid]
        if comm in _HTTPD_NAMES or (comm.startswith("php") and "cgi" in comm):
            found.append(pid)
        todo.extend(children.get(pid, []))
    return sorted(found)


def _choose_parent(processes: list[tuple[int, int, str]], wanted: int | None) -> int:
    parents = httpd_parents(processes)
    if wanted is not None:
        if wanted not in parents:
            raise _Refusal(f"--pid {wanted}: not the parent process of a running httpd/apache2")
        return wanted
    if not parents:
        raise _Refusal("--live: no running httpd/apache2 process found")
    if len(parents) > 1:
        listed = ", ".join(str(p) for p in parents)
        raise _Refusal(f"--live: several httpd servers run (parent pids {listed}); choose one with --pid")
    return parents[0]


def _check_tracing_allowed() -> str:
    strace = shutil.which("strace")
    if strace is None:
        raise _Refusal("--live needs strace, which is not installed")
    if os.geteuid() != 0:
        raise _Refusal("--live needs root: strace attaches to the server processes with ptrace")
    try:
        scope = Path("/proc/sys/kernel/yama/ptrace_scope").read_text().strip()
    except OSError:
        scope = "0"
    if scope == "3":
        raise _Refusal("--live is impossible: ptrace is disabled (kernel.yama.ptrace_scope = 3)")
    return strace


def capture_live(output: Path, seconds: int, max_bytes: int, parent: int | None = None) -> None:
    """Run strace on the server for at most ``seconds`` and ``max_bytes`` of output.

    The httpd parent is traced with ``-f`` so php-cgi processes spawned during
    the capture are followed; its httpd and php-cgi descendants that already
    run are attached directly.  With several servers running, ``parent`` must
    say which one, so nobody else's server gets slowed down by ptrace.
    strace is stopped with SIGINT, which detaches and leaves the server running.
    """
    strace = _check_tracing_allowed()
    processes = _processes()
    chosen = _choose_parent(processes, parent)
    from fcgilint.evidence.kinds import live_filter

    # Only the calls the detectors read: keeps the traced server fast and the file small.
    cmd = [strace, *_STRACE_FLAGS, "-e", live_filter(), "-o", str(output)]
    children = server_pids(processes, chosen)
    for pid in [chosen, *children]:
        cmd += ["-p", str(pid)]
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError as exc:
        raise _Refusal(f"--live: cannot start strace: {exc}") from None
    sys.stderr.write(
        f"tracing httpd {chosen} and {len(children)} of its processes (workers, php-cgi; new ones are followed) "
        f"for {seconds} s or {max_bytes // (1024 * 1024)} MiB into {output}; Ctrl-C stops early and reads what was "
        "captured\n"
    )
    progress = _LiveProgress(output, seconds)
    try:
        while not progress.over() and proc.poll() is None:
            time.sleep(0.2)
            if progress.tick() >= max_bytes:
                break
    except KeyboardInterrupt:
        sys.stderr.write("\nstopped by Ctrl-C\n")
    progress.done()
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if not output.exists() or output.stat().st_size == 0:
        first = next((line for line in err.splitlines() if line.strip()), "no output")
        raise _Refusal(f"--live: strace captured nothing ({first})")


class _LiveProgress:
    """Elapsed time and what strace has written so far, on stderr while ``--live`` captures.

    On a terminal one line is rewritten every second; otherwise (a log, CI) a line
    is printed every ten seconds, so a long capture is never silent.
    """

    def __init__(self, output: Path, seconds: int) -> None:
        self.output = output
        self.seconds = seconds
        self.start = time.monotonic()
        self.terminal = sys.stderr.isatty()
        self.every = 1.0 if self.terminal else 10.0
        self.shown_at = self.start
        self.offset = self.lines = self.broken = 0

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def over(self) -> bool:
        return self.elapsed() >= self.seconds

    def tick(self) -> int:
        """Count what strace added since the last call; show a line when due. Returns the output size."""
        try:
            with self.output.open("rb") as handle:
                handle.seek(self.offset)
                chunk = handle.read()
        except OSError:
            return 0
        cut = chunk.rfind(b"\n") + 1  # count whole lines only; the rest is read next time
        self.offset += cut
        self.lines += chunk.count(b"\n", 0, cut)
        self.broken += chunk.count(b"ECONNRESET", 0, cut) + chunk.count(b"EPIPE", 0, cut)
        if time.monotonic() - self.shown_at >= self.every:
            self.shown_at = time.monotonic()
            self.show("\r" if self.terminal else "", "" if self.terminal else "\n")
        return self.offset

    def show(self, start: str, end: str) -> None:
        text = (f"{start}  {self.elapsed():4.0f} s of {self.seconds} s: {self.lines} syscalls seen, {self.broken} "
                f"ECONNRESET/EPIPE{end}")
        sys.stderr.write(text)
        sys.stderr.flush()

    def done(self) -> None:
        self.tick()
        self.show("\r" if self.terminal else "", "\n")
