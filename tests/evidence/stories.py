"""Builders for small, realistic strace captures in every output format strace has.

A capture is written from a list of events ``(pid, seconds, body)``; the same
events can be rendered as ``-f`` with ``-t``/``-tt``/``-ttt``/``-r``/no times,
as ``[pid N]`` terminal output, or as ``-ff`` per-pid files, so each format is
tested on the same story.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CAPTURES = REPO / "tests" / "data" / "captures"
BASE = 1795818487.0  # an epoch second, for -ttt
SOCK_DIR = "/var/lib/apache2/fcgid/sock"
WRAPPER = "/var/www/php-fcgi/php-wrapper"


def shared_dir() -> Path:
    """Shared reference material next to the repository (or ``FCGILINT_SHARED``)."""
    return Path(os.environ.get("FCGILINT_SHARED", REPO / ".." / "shared"))


Event = tuple[int, float, str]


def _clock(t: float, digits: int) -> str:
    whole = int(t) % 86400
    text = f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    if digits:
        text += f"{t - int(t):.{digits}f}"[1:]
    return text


def render(events: list[Event], style: str) -> str:
    """Render events the way ``strace -f`` prints them with the given timestamp flag."""
    lines = []
    previous = events[0][1] if events else 0.0
    for pid, t, body in events:
        if style == "tt":
            stamp = _clock(BASE + t, 6) + " "
        elif style == "t":
            stamp = _clock(BASE + t, 0) + " "
        elif style == "ttt":
            stamp = f"{BASE + t:.6f} "
        elif style == "r":
            stamp = f"{t - previous:12.6f} "
        else:
            stamp = ""
        previous = t
        lines.append(f"{pid:<5} {stamp}{body}")
    return "\n".join(lines) + "\n"


def render_bracketed(events: list[Event]) -> str:
    """strace -f writing to a terminal: ``[pid N]`` before every line but the first process's."""
    first = events[0][0]
    out = []
    for pid, t, body in events:
        prefix = "" if pid == first else f"[pid {pid:5d}] "
        out.append(f"{prefix}{_clock(BASE + t, 6)} {body}")
    return "\n".join(out) + "\n"


def write_ff(directory: Path, events: list[Event], prefix: str = "trace") -> list[Path]:
    """strace -ff -ttt -o prefix: one file per pid, no pid column."""
    per_pid: dict[int, list[str]] = {}
    for pid, t, body in events:
        per_pid.setdefault(pid, []).append(f"{BASE + t:.6f} {body}")
    paths = []
    for pid, lines in per_pid.items():
        path = directory / f"{prefix}.{pid}"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths


@dataclass
class Story:
    """Events of one capture plus what a correct reader must find in it."""

    events: list[Event]
    races: int
    limit: int | None


def _php_life(
    pm: int, child: int, counter: int, start: float, requests: int, *, signal_first: bool = False
) -> list[Event]:
    """mod_fcgid's process manager spawns one php-cgi that serves ``requests`` and ends."""
    sock = f"{SOCK_DIR}/{pm}.{counter}"
    events: list[Event] = [
        (pm, start, f'bind(35, {{sa_family=AF_UNIX, sun_path="{sock}"}}, 110) = 0'),
        (pm, start + 0.001, "listen(35, 5) = 0"),
        (
            pm,
            start + 0.002,
            "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_"
            "tidptr=0x7f89c0644a50) = %d"
            % child,
        ),
        (child, start + 0.003, f'execve("{WRAPPER}", ["{WRAPPER}"], 0x7ffd0 /* 2 vars */) = 0'),
        (child, start + 0.004, 'execve("/usr/bin/php-cgi", ["/usr/bin/php-cgi"], 0x55968 /* 4 vars */) = 0'),
    ]
    t = start + 0.01
    for _ in range(requests):
        events.append((child, t, "accept(0, {sa_family=AF_UNIX}, [112 => 2]) = 3"))
        events.append((child, t + 0.001, 'read(3, "\\1\\1\\0\\1\\0\\10\\0\\0", 8192) = 8'))
        events.append((child, t + 0.002, "close(3) = 0"))
        t += 0.01
    if signal_first:
        events.append((child, t, f"--- SIGTERM {{si_signo=SIGTERM, si_code=SI_USER, si_pid={pm}, si_uid=0}} ---"))
    events.append((child, t + 0.001, "exit_group(0) = ?"))
    events.append((child, t + 0.002, "+++ exited with 0 +++"))
    return events


def _victim(httpd: int, pm: int, counter: int, at: float, fd: int = 49) -> list[Event]:
    """An httpd thread that sends one request to a php-cgi that is leaving."""
    sock = f"{SOCK_DIR}/{pm}.{counter}"
    return [
        (httpd, at, "socket(AF_UNIX, SOCK_STREAM, 0) = %d" % fd),
        (httpd, at + 0.0001, f'connect({fd}, {{sa_family=AF_UNIX, sun_path="{sock}"}}, 110) = 0'),
        (httpd, at + 0.0002, f'writev({fd}, [{{iov_base="\\1\\1\\0\\1\\0\\10\\0\\0", iov_len=8}}], 1) = 8'),
        (httpd, at + 0.0003, f"read({fd}, 0x7f89bc284048, 8192) = -1 EAGAIN (Resource temporarily unavailable)"),
        (
            httpd,
            at + 0.0004,
            f"poll([{{fd={fd}, events=POLLIN}}], 1, 40000) = 1 ([{{fd={fd}, revents=POLLIN|POLLERR|POLLHUP}}])",
        ),
        (httpd, at + 0.0005, f"read({fd}, 0x7f89bc284048, 8192) = -1 ECONNRESET (Connection reset by peer)"),
        (httpd, at + 0.0006, f"close({fd}) = 0"),
    ]


def _merge(*parts: list[Event]) -> list[Event]:
    return sorted((e for part in parts for e in part), key=lambda e: e[1])


def race_story() -> Story:
    """Two php-cgi with PHP_FCGI_MAX_REQUESTS=3; one request lands on the first as it exits."""
    first = _php_life(515, 600, 0, 0.0, 3)
    exit_at = first[-2][1]
    return Story(
        _merge(first, _php_life(515, 601, 1, 1.0, 3), _victim(700, 515, 0, exit_at - 0.0003)),
        races=1,
        limit=3,
    )


def shutdown_story() -> Story:
    """The same failure during ``apache2 -k stop``: the php-cgi got SIGTERM first."""
    life = _php_life(515, 600, 0, 0.0, 2, signal_first=True)
    exit_at = life[-2][1]
    return Story(_merge(life, _victim(700, 515, 0, exit_at - 0.0003)), races=0, limit=None)

