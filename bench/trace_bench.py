"""Benchmark ``fcgilint trace`` against ``grep -c ECONNRESET`` on a large synthetic strace file.

Usage::

    python bench/trace_bench.py                 # 1 GiB file in bench/out/
    python bench/trace_bench.py --size 200M     # quicker run
    python bench/trace_bench.py --keep          # leave the file for further runs
    python bench/trace_bench.py --repeat 5      # best of five timings of each command
    python bench/trace_bench.py --replay DIR --size 300M   # a real capture (fcgidlab.py capture --out DIR), repeated

The file imitates ``strace -f -tt -T -yy -s 256`` of Apache's event MPM with
mod_fcgid: 64 httpd threads, ten php-cgi processes at a time that retire after
PHP_FCGI_MAX_REQUESTS requests and are respawned by the process manager, the
usual noise (openat, newfstatat, mmap, read, close ...) in about the
proportions of the real captures in tests/data/captures (some 120 lines per
request, one in ten holding a needle of the prefilter), unfinished/resumed
pairs, and now and then a request routed to a php-cgi that is exiting (the
race).  The generator knows how many races it wrote; the benchmark checks that
fcgilint reports exactly that many and infers the configured limit, then prints
the time ratio to grep and the peak RSS of the fcgilint process.  Both commands
run ``--repeat`` times, alternating, and the best time of each is kept: on a
shared machine the slow runs measure the neighbours.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LIMIT = 50
PM = 1000
THREADS = list(range(2000, 2064))
CLASS_SIZE = 10
SOCK_DIR = "/run/apache2/fcgid/sock"
WRAPPER = "/var/www/php-fcgi/php-wrapper"
RACE_EVERY = 7  # one retirement in this many catches a request in flight


def _size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper()
    if text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


@dataclass
class _Php:
    pid: int
    sock: str
    served: int = 0


@dataclass
class _Generator:
    """Writes the synthetic capture and remembers what it put in."""

    rng: random.Random
    clock: float = 36000.0
    next_pid: int = 5000
    counter: int = 0
    races: int = 0
    requests: int = 0
    pool: list[_Php] = field(default_factory=list)
    out: list[str] = field(default_factory=list)

    def line(self, pid: int, body: str, duration: bool = True) -> None:
        self.clock += 0.000017
        whole = int(self.clock)
        stamp = f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{int((self.clock - whole) * 1e6):06d}"
        tail = f" <0.0000{self.rng.randint(10, 99)}>" if duration else ""
        self.out.append(f"{pid} {stamp} {body}{tail}\n")

    def spawn(self) -> _Php:
        sock = f"{SOCK_DIR}/{PM}.{self.counter}"
        self.counter += 1
        pid = self.next_pid
        self.next_pid += 1
        self.line(PM, f"socket(AF_UNIX, SOCK_STREAM, 0) = 8<UNIX-STREAM:[{pid * 3}]>")
        self.line(
            PM,
            f'bind(8<UNIX-STREAM:[{pid * 3}]>, {{sa_family=AF_UNIX, sun_path="{sock}"}}, 110 <unfinished ...>',
            False,
        )
        self.line(PM, "<... bind resumed>) = 0")
        self.line(PM, f"listen(8<UNIX-STREAM:[{pid * 3},\"{sock}\"]>, 5) = 0")
        self.line(
            PM, "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>", False
        )
        self.line(PM, f"<... clone resumed>, child_tidptr=0x7f89c0644a50) = {pid}")
        self.line(pid, f'execve("{WRAPPER}", ["{WRAPPER}"], 0x7f89c048c848 /* 2 vars */ <unfinished ...>', False)
        self.line(pid, "<... execve resumed>) = 0")
        self.line(pid, 'execve("/usr/bin/php-cgi", ["/usr/bin/php-cgi"], 0x562ab8061998 /* 4 vars */) = 0')
        for n in range(40):
            self.noise(pid, n)
        return _Php(pid, sock)

    def quiet(self, pid: int, n: int) -> None:
        """Calls without any of fcgilint's needles, as most of a real capture is."""
        kind = n % 8
        if kind == 0:
            self.line(
                pid,
                "rt_sigaction(SIGPROF, {sa_handler=0x562ab8052dc0, sa_mask=~[RTMIN RT_1], sa_flags=SA_RESTORER, sa_"
                "restorer=0x7f58f35b0050}, NULL, 8) = 0",
            )
        elif kind == 1:
            self.line(
                pid,
                "setitimer(ITIMER_PROF, {it_interval={tv_sec=0, tv_usec=0}, it_value={tv_sec=30, tv_usec=0}}, NULL) = "
                "0",
            )
        elif kind == 2:
            self.line(pid, f"futex(0x7f89c0644a{n:02x}, FUTEX_WAKE_PRIVATE, 1) = 0")
        elif kind == 3:
            self.line(
                pid,
                f'newfstatat(AT_FDCWD</>, "/var/www/html/inc{n}.php", {{st_mode=S_IFREG|0644, st_size={n * 37}, ...}}, '
                '0) = 0',
            )
        elif kind == 4:
            self.line(
                pid,
                f'openat(AT_FDCWD</>, "/var/www/{n}/.htaccess", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or '
                'directory)',
            )
        elif kind == 5:
            self.line(pid, "rt_sigprocmask(SIG_SETMASK, [], NULL, 8) = 0")
        elif kind == 6:
            self.line(
                pid,
                f"mmap(NULL, {4096 * (n + 1)}, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
                f"0x7fb07aa{n:05x}",
            )
        else:
            self.line(pid, 'getcwd("/var/www/html", 4096) = 14')

    def noise(self, pid: int, n: int) -> None:
        kind = n % 6
        if kind == 0:
            self.line(
                pid,
                f'openat(AT_FDCWD</>, "/usr/lib/x86_64-linux-gnu/lib{n}.so.1", O_RDONLY|O_CLOEXEC) = 3</usr/lib/x86_64-'
                f'linux-gnu/lib{n}.so.1>',
            )
        elif kind == 1:
            self.line(
                pid,
                'read(3</usr/lib/x86_64-linux-gnu/libc.so.6>, '
                '"\\177ELF\\2\\1\\1\\3\\0\\0\\0\\0\\0\\0\\0\\0\\3\\0>\\0\\1\\0\\0\\0"..., 832) = 832',
            )
        elif kind == 2:
            self.line(
                pid,
                f"mmap(NULL, {4096 * (n + 1)}, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
                f"0x7fb07aa{n:05x}",
            )
        elif kind == 3:
            self.line(
                pid,
                f'newfstatat(AT_FDCWD</>, "/var/www/html/inc{n}.php", {{st_mode=S_IFREG|0644, st_size={n * 37}, ...}}, '
                '0) = 0',
            )
        elif kind == 4:
            self.line(pid, "close(3</usr/lib/x86_64-linux-gnu/libc.so.6>) = 0")
        else:
            self.line(pid, f"brk(0x55d6{n:08x}) = 0x55d6{n:08x}")

    def request(self, thread: int, php: _Php, doomed: bool) -> None:
        fd = 22 + thread % 7
        inode = self.rng.randint(20000, 99999)
        deco = f"{fd}<UNIX-STREAM:[{inode}]>"
        self.line(
            thread,
            f'read(15<TCP:[127.0.0.1:80->127.0.0.1:{40000 + thread}]>, "GET /index.php HTTP/1.1\\r\\nHost: www.example.'
            'test\\r\\n\\r\\n", 8000) = 52',
        )
        for n in range(28):
            self.quiet(thread, n)
        self.line(thread, f"socket(AF_UNIX, SOCK_STREAM, 0) = {deco}")
        self.line(thread, f'connect({deco}, {{sa_family=AF_UNIX, sun_path="{php.sock}"}}, 110 <unfinished ...>', False)
        self.line(php.pid, "futex(0x7f89c0644a50, FUTEX_WAKE_PRIVATE, 1) = 0")
        self.line(thread, "<... connect resumed>) = 0")
        self.line(thread, f"fcntl({deco}, F_SETFL, O_RDWR|O_NONBLOCK) = 0")
        self.line(
            thread,
            f'writev({deco}, [{{iov_base="\\1\\1\\0\\1\\0\\10\\0\\0", iov_len=8}}, {{iov_base="\\t\\17HTTP_HOSTwww.'
            'example.test"..., iov_len=1002}], 2) = 1010',
        )
        self.line(thread, f"read({deco}, 0x7f89bc284048, 8192) = -1 EAGAIN (Resource temporarily unavailable)")
        self.line(thread, f"poll([{{fd={deco}, events=POLLIN}}], 1, 40000 <unfinished ...>", False)
        if doomed:
            self.line(php.pid, "exit_group(0) = ?", False)
            self.line(php.pid, "+++ exited with 0 +++", False)
            self.line(thread, f"<... poll resumed>) = 1 ([{{fd={fd}, revents=POLLIN|POLLERR|POLLHUP}}])")
            self.line(thread, f"read({deco}, 0x7f89bc284048, 8192) = -1 ECONNRESET (Connection reset by peer)")
            self.line(
                thread,
                'write(2</var/log/apache2/error.log>, "[Fri Nov 27 10:00:00.000000 2026] [fcgid:warn] "..., 171) = 171',
            )
            self.line(thread, f"close({deco}) = 0")
            self.races += 1
            return
        listen = f'0<UNIX-STREAM:[{php.pid * 3},"{php.sock}"]>'
        self.line(php.pid, f"accept({listen}, <unfinished ...>", False)
        self.line(
            php.pid,
            f'<... accept resumed>{{sa_family=AF_UNIX}}, [112 => 2]) = 4<UNIX-STREAM:[{inode + 1}->{inode},'
            f'"{php.sock}"]>',
        )
        conn = f'4<UNIX-STREAM:[{inode + 1}->{inode},"{php.sock}"]>'
        self.line(
            php.pid,
            f'read({conn}, "\\1\\1\\0\\1\\0\\10\\0\\0\\0\\1\\0\\0\\0\\0\\0\\0\\1\\4\\0\\1\\3\\362\\0\\0", 8192) = 1010',
        )
        for n in range(12):
            self.noise(php.pid, n)
        for n in range(50):
            self.quiet(php.pid, n)
        self.line(php.pid, 'read(5</var/www/html/index.php>, "", 8192) = 0')
        self.line(
            php.pid,
            f'write({conn}, "\\1\\6\\0\\1\\0\\230\\0\\0Content-type: text/html; charset=UTF-8\\r\\n\\r\\n<html>"..., '
            '160) = 160',
        )
        self.line(php.pid, f"shutdown({conn}, SHUT_WR) = 0")
        self.line(php.pid, f"close({conn}) = 0")
        self.line(thread, f"<... poll resumed>) = 1 ([{{fd={fd}, revents=POLLIN}}])")
        self.line(thread, f'read({deco}, "\\1\\6\\0\\1\\0\\230\\0\\0Content-type: text/html"..., 8192) = 160')
        self.line(thread, f"close({deco}) = 0")
        self.line(
            thread,
            f'writev(15<TCP:[127.0.0.1:80->127.0.0.1:{40000 + thread}]>, [{{iov_base="HTTP/1.1 200 OK\\r\\nDate: Fri, '
            '27 Nov"..., iov_len=180}], 1) = 180',
        )
        self.line(
            thread,
            'write(9</var/log/apache2/access.log>, "127.0.0.1 - - [27/Nov/2026:10:00:00 +0000] \\"GET /index.php"..., '
            '92) = 92',
        )
        self.line(
            thread, "epoll_wait(9<anon_inode:[eventpoll]>, [{events=EPOLLIN, data={u32=1, u64=1}}], 100, 10000) = 1"
        )
        php.served += 1

    def step(self) -> None:
        """One request, retiring and respawning php-cgi processes at their limit."""
        while len(self.pool) < CLASS_SIZE:
            self.pool.append(self.spawn())
        php = self.pool[self.requests % CLASS_SIZE]
        thread = self.rng.choice(THREADS)
        self.request(thread, php, doomed=False)
        self.requests += 1
        if php.served == LIMIT:
            self.pool.remove(php)
            if self.rng.randrange(RACE_EVERY) == 0:
                self.request(self.rng.choice(THREADS), php, doomed=True)
            else:
                self.line(php.pid, "exit_group(0) = ?", False)
                self.line(php.pid, "+++ exited with 0 +++", False)


def generate(path: Path, size: int, seed: int) -> _Generator:
    """Write about ``size`` bytes of synthetic capture to ``path``."""
    gen = _Generator(random.Random(seed))
    written = 0
    with open(path, "w", encoding="ascii", buffering=1 << 20) as handle:
        while written < size:
            for _ in range(200):
                gen.step()
            block = "".join(gen.out)
            gen.out.clear()
            handle.write(block)
            written += len(block)
    return gen


_HEAD = re.compile(r"^(\d+) (\d\d):(\d\d):(\d\d)\.(\d{6}) ")
_CHILD = re.compile(r"= (\d+)( <[\d.]+>)?$")


def _shift_line(line: str, pids: int, seconds: int) -> str:
    """One line of a capture as a later copy: pids (line prefix, clone/fork results) and time moved on."""
    head = _HEAD.match(line)
    if head is None:
        return line
    pid, hh, mm, ss, micro = head.groups()
    total = int(hh) * 3600 + int(mm) * 60 + int(ss) + seconds
    rest = line[head.end():]
    if "clone" in rest or "fork" in rest:
        rest = _CHILD.sub(lambda m: f"= {int(m.group(1)) + pids}{m.group(2) or ''}", rest.rstrip("\n")) + "\n"
    stamp = f"{total // 3600 % 24:02d}:{total % 3600 // 60:02d}:{total % 60:02d}.{micro}"
    return f"{int(pid) + pids} {stamp} {rest}"


def replay(capture: Path, path: Path, size: int) -> int:
    """Write copies of a real capture (``strace -f -tt``) one after the other until ``path`` holds
    ``size`` bytes; each copy runs with other pids and later times, as the same server would on
    another day. Returns the number of copies."""
    opener = gzip.open if capture.suffix == ".gz" else open
    with opener(capture, "rt", encoding="utf-8", errors="surrogateescape") as handle:
        lines = handle.readlines()
    stamps = [m for m in (_HEAD.match(line) for line in (lines[0], lines[-1])) if m]
    span = 1 + sum(int(x) * f for x, f in zip(stamps[-1].groups()[1:4], (3600, 60, 1), strict=True)) - \
        sum(int(x) * f for x, f in zip(stamps[0].groups()[1:4], (3600, 60, 1), strict=True))
    copies = written = 0
    with open(path, "w", encoding="utf-8", errors="surrogateescape", buffering=1 << 20) as out:
        while written < size:
            block = "".join(_shift_line(line, copies * 100_000, copies * span) for line in lines)
            out.write(block)
            written += len(block)
            copies += 1
    return copies


#: The parts of ``fcgilint trace --format json`` the benchmark reads.
Report = dict[str, list[dict[str, int]]]


def _races(report: Report) -> int:
    return sum(d["count"] for d in report["detections"] if d["kind"] == "request-limit-race")


@dataclass
class _Timing:
    """Best wall time, best CPU time (the process and its grep/gzip children) and peak RSS of one command."""

    wall: float = float("inf")
    cpu: float = float("inf")
    rss_kib: int = 0

    def add(self, wall: float, cpu: float, rss_kib: int) -> None:
        self.wall = min(self.wall, wall)
        self.cpu = min(self.cpu, cpu)
        self.rss_kib = max(self.rss_kib, rss_kib)


#: Runs a command and reports its wall time, CPU time and peak RSS on stderr. Linux folds the memory of the
#: process that forks into the peak RSS of the child (across exec), so the benchmark, which holds a copy of the
#: capture, starts the commands from this small process instead of forking them itself.
_LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
took = time.perf_counter() - start
print(took, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status), file=sys.stderr)
"""


def _timed(cmd: list[str], timing: _Timing, env: dict[str, str] | None = None) -> tuple[int, bytes]:
    """Run ``cmd`` (through :data:`_LAUNCHER`) and add its times to ``timing``; its exit status and output."""
    done = subprocess.run([sys.executable, "-c", _LAUNCHER, *cmd], capture_output=True, env=env, check=True)
    wall, cpu, rss, status = done.stderr.split()
    timing.add(float(wall), float(cpu), int(rss))
    return int(status), done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1G", help="file size, e.g. 200M or 1G (default 1G)")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="directory for the file (default bench/out)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="time each command this many times, alternating, and keep the best (default 3)",
    )
    parser.add_argument(
        "--replay",
        type=Path,
        help="a capture directory of scripts/fcgidlab.py: repeat its real strace "
        "output to --size instead of generating synthetic lines",
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "trace-bench.strace"
    size = _size(args.size)
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}

    start = time.perf_counter()
    if args.replay is not None:
        return _replayed(args.replay, path, size, args.repeat, args.keep, env)
    gen = generate(path, size, args.seed)
    actual = path.stat().st_size
    print(
        f"generated {actual / (1 << 20):.0f} MiB, {gen.requests} requests, {gen.races} races in "
        f"{time.perf_counter() - start:.1f} s"
    )

    lint, grep, _, report = _compare(path, args.repeat, env)
    races = _races(report)
    limits = sorted({i["php_fcgi_max_requests"] for i in report["inferred"]})
    found = f"races {races} (expected {gen.races}), inferred limit {limits} (expected [{LIMIT}])"
    _print(lint, grep, args.repeat, found)
    if not args.keep:
        path.unlink()
    return 0 if races == gen.races and limits == [LIMIT] else 1


def _compare(path: Path, repeat: int, env: dict[str, str]) -> tuple[_Timing, _Timing, int, Report]:
    """fcgilint trace and grep -c on the file, alternating: their timings, grep's count and fcgilint's report."""
    subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=True)  # same warm page cache for both
    lint, grep = _Timing(), _Timing()
    for _ in range(repeat):
        status, report = _timed([sys.executable, "-m", "fcgilint", "trace", "--format", "json", str(path)], lint, env)
        _, count = _timed(["grep", "-c", "ECONNRESET", str(path)], grep)
    if status not in (0, 1):
        raise SystemExit(f"fcgilint trace exited with {status}")
    return lint, grep, int(count.decode().strip() or 0), json.loads(report)


def _print(lint: _Timing, grep: _Timing, repeat: int, found: str) -> None:
    """The table rows: wall times (best of ``repeat``), CPU times (a steadier measure on a shared machine), RSS."""
    print(f"grep -c ECONNRESET: {grep.wall:.2f} s, CPU {grep.cpu:.2f} s (best of {repeat})")
    print(f"fcgilint trace:     {lint.wall:.2f} s, CPU {lint.cpu:.2f} s (best of {repeat}), {found}")
    print(f"ratio to grep:      {lint.wall / grep.wall:.1f}x wall, {lint.cpu / grep.cpu:.1f}x CPU")
    print(f"peak RSS:           {lint.rss_kib / 1024:.0f} MiB")


def _replayed(directory: Path, path: Path, size: int, repeat: int, keep: bool, env: dict[str, str]) -> int:
    """The replayed shape: a real capture (scripts/fcgidlab.py capture) repeated to the size asked."""
    capture = next((p for p in (directory / "strace.txt", directory / "strace.txt.gz") if p.exists()), None)
    if capture is None:
        raise SystemExit(f"{directory}: no strace.txt or strace.txt.gz (a fcgidlab.py capture directory)")
    single = path.with_name("trace-bench-single.strace")
    replay(capture, single, 1)
    alone = _compare(single, 1, env)[3]
    copies = replay(capture, path, size)
    mib = path.stat().st_size / (1 << 20)
    print(f"replayed {capture} {copies} times: {mib:.0f} MiB, {_races(alone)} races per copy")
    lint, grep, count, report = _compare(path, repeat, env)
    _print(lint, grep, repeat, f"races {_races(report)} (expected {_races(alone) * copies}; grep counted {count})")
    for leftover in (single, *(() if keep else (path,))):
        leftover.unlink()
    return 0 if _races(report) == _races(alone) * copies else 1


if __name__ == "__main__":
    sys.exit(main())
