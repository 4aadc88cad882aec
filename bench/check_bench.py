"""Benchmark: `fcgilint check` against `apache2 -t` on the same hosting-sized tree, in every common shape.

Hosting panels and hand-written set-ups place the mod_fcgid lines differently, and each placement
takes a different path through the loader, the model and the checks. For each shape and each size
this generates a tree of N sites (each its own vhost file, wrapper script and php.ini, every fifth
site without FcgidMaxRequestsPerProcess: a real race), checks that ``apache2 -t`` accepts it, then
runs both tools alternately (``--runs`` times each; the medians are compared, so a neighbour's
burst on a shared machine moves both a little instead of one a lot) and prints the ratio of a cold
check (``--no-cache``), the growth from the previous size, the time and ratio of a re-check of the
unchanged tree (``again``: answered by the cache), the same two ratios in CPU time (user + system,
steadier than wall time when other work shares the machine) and the peak RSS of the cold check.
Growth is that of the wall time. fcgilint runs
with its address space bounded (4 GiB), so a quadratic shape fails instead of taking the machine
down. Shapes:

    vhost       AddHandler + FcgidWrapper in the <VirtualHost>
    directory   AddHandler + FcgidWrapper in the site's <Directory> (as panels write them)
    htaccess    AddHandler + FcgidWrapper in the docroot's .htaccess (AllowOverride)
    include     per-site lines in a file Included inside each <VirtualHost>
    filesmatch  <FilesMatch "\\.php$"> SetHandler fcgid-script, FcgidWrapper without suffix
    debian      as directory, with Debian's php-cgi handler snippet enabled server-wide
    cmdoptions  FcgidCmdOptions per site (in its vhost) for its wrapper
    suexec      SuexecUserGroup per site (one numeric user and group each)
    action      Action-routed wrapper: AddHandler php-fcgi .php, Action php-fcgi /fcgi-bin/php-wrapper
    shared      one file with AddHandler + FcgidWrapper Included in every <VirtualHost> (one wrapper for all)

Usage:

    python bench/check_bench.py [--sizes 1000,5000,20000] [--shapes vhost,directory] [--runs 3]
                                [--keep DIR] [--fcgilint-args "--no-cache"]
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

MODULES = "/usr/lib/apache2/modules"
LIMIT_BYTES = 4 << 30
REPO = Path(__file__).resolve().parent.parent  # python -m fcgilint runs the code of this checkout
LOADED = ("mpm_event", "authz_core", "mime", "fcgid", "alias", "actions", "suexec")
DEBIAN_SNIPPET = """<FilesMatch ".+\\.ph(?:ar|p|tml)$">
    SetHandler application/x-httpd-php
</FilesMatch>
<FilesMatch ".+\\.phps$">
    SetHandler application/x-httpd-php-source
    Require all denied
</FilesMatch>
<FilesMatch "^\\.ph(?:ar|p|ps|tml)$">
    Require all denied
</FilesMatch>
"""


class Site:
    """Paths and lines of one generated site."""

    def __init__(self, base: Path, i: int) -> None:
        self.i = i
        self.fcgi = base / "fcgi" / f"site{i}"
        self.www = base / "www" / f"site{i}"
        self.wrapper = self.fcgi / "php-wrapper"
        self.limit = "" if i % 5 == 0 else "FcgidMaxRequestsPerProcess 500\n"

    def head(self) -> str:
        return (f"# site {self.i}\n<VirtualHost *:80>\nServerName site{self.i}.example\nDocumentRoot {self.www}\n"
                f"FcgidMaxRequestLen 33554432\n{self.limit}")

    def handler(self, suffix: str = " .php") -> str:
        return f"AddHandler fcgid-script .php\nFcgidWrapper {self.wrapper}{suffix}\n"

    def directory(self, body: str, override: str = "None") -> str:
        return (f"<Directory {self.www}>\nOptions +ExecCGI\nAllowOverride {override}\n{body}Require all granted\n</"
                "Directory>\n")


def _vhost(site: Site, base: Path) -> str:
    return site.head() + site.handler() + site.directory("") + "</VirtualHost>\n"


def _directory(site: Site, base: Path) -> str:
    return site.head() + site.directory(site.handler()) + "</VirtualHost>\n"


def _htaccess(site: Site, base: Path) -> str:
    (site.www / ".htaccess").write_text(site.handler())
    return site.head() + site.directory("", override="All") + "</VirtualHost>\n"


def _include(site: Site, base: Path) -> str:
    (site.fcgi / "fcgid.conf").write_text(site.directory(site.handler()))
    return site.head() + f"Include {site.fcgi}/fcgid.conf\n</VirtualHost>\n"


def _filesmatch(site: Site, base: Path) -> str:
    body = f'FcgidWrapper {site.wrapper}\n<FilesMatch "\\.php$">\nSetHandler fcgid-script\n</FilesMatch>\n'
    return site.head() + site.directory(body) + "</VirtualHost>\n"


def _cmdoptions(site: Site, base: Path) -> str:
    options = f"FcgidCmdOptions {site.wrapper} MaxRequestsPerProcess 500 IOTimeout 60 MaxProcesses 4\n"
    return site.head() + options + site.directory(site.handler()) + "</VirtualHost>\n"


def _suexec(site: Site, base: Path) -> str:
    uid = 20000 + site.i  # numeric ids: httpd needs no account per site to accept them
    return site.head() + f"SuexecUserGroup #{uid} #{uid}\n" + site.directory(site.handler()) + "</VirtualHost>\n"


def _action(site: Site, base: Path) -> str:
    cgi = (f"ScriptAlias /fcgi-bin/ {site.fcgi}/\n<Directory {site.fcgi}>\nSetHandler fcgid-script\nOptions +ExecCGI\n"
           "Require all granted\n</Directory>\n")
    route = "AddHandler php-fcgi .php\nAction php-fcgi /fcgi-bin/php-wrapper\n"
    return site.head() + cgi + site.directory(route) + "</VirtualHost>\n"


def _shared(site: Site, base: Path) -> str:
    return site.head() + f"Include {base}/fcgid-common.conf\n" + site.directory("") + "</VirtualHost>\n"


SHAPES: dict[str, Callable[[Site, Path], str]] = {
    "vhost": _vhost, "directory": _directory, "htaccess": _htaccess, "include": _include, "filesmatch": _filesmatch,
    "debian": _directory, "cmdoptions": _cmdoptions, "suexec": _suexec, "action": _action, "shared": _shared,
}


def generate(base: Path, shape: str, sites: int) -> Path:
    """Write the tree of one shape; returns the entry file."""
    (base / "vhosts").mkdir(parents=True)
    conf = base / "httpd.conf"
    snippet = ""
    if shape == "debian":
        (base / "php-cgi.conf").write_text(DEBIAN_SNIPPET)
        snippet = f"Include {base}/php-cgi.conf\n"
    if shape == "shared":
        (base / "fcgid-common.conf").write_text(
            f"AddHandler fcgid-script .php\nFcgidWrapper {base}/fcgi/site0/php-wrapper .php\n"
        )
    conf.write_text(
        f"ServerRoot {base}\nServerName bench.invalid\nListen 127.0.0.1:8999\nPidFile {base}/httpd.pid\n"
        f"ErrorLog {base}/error.log\n"
        + "".join(f"LoadModule {m}_module {MODULES}/mod_{m}.so\n" for m in LOADED)
        + f"FcgidIPCDir {base}/sock\nFcgidProcessTableFile {base}/shm\nFcgidIOTimeout 60\n{snippet}"
        + f"IncludeOptional {base}/vhosts/*.conf\n"
    )
    write = SHAPES[shape]
    for i in range(sites):
        site = Site(base, i)
        site.fcgi.mkdir(parents=True)
        site.www.mkdir(parents=True)
        (base / "vhosts" / f"site{i}.conf").write_text(write(site, base))
        site.wrapper.write_text(
            f"#!/bin/sh\nPHPRC={site.fcgi}\nexport PHPRC\nexport PHP_FCGI_MAX_REQUESTS=500\n"
            "export PHP_FCGI_CHILDREN=0\nexec /usr/bin/php-cgi\n"
        )
        site.wrapper.chmod(0o755)
        (site.fcgi / "php.ini").write_text(
            "[PHP]\nmax_execution_time = 30\npost_max_size = 32M\nupload_max_filesize = 16M\n"
        )
    return conf


def _bounded() -> None:
    """Child set-up: a run that goes quadratic fails with MemoryError instead of taking the shared machine down."""
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int, bytes, float]:
    """Wall time, exit code, peak RSS (KiB), output and CPU time (user + system) of one run (address space
    bounded, see _bounded). On a machine shared with other work the CPU time is the steadier measure."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=_bounded, cwd=REPO, env=env
    )
    out = proc.stdout.read() if proc.stdout else b""
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, proc.returncode, usage.ru_maxrss, out, usage.ru_utime + usage.ru_stime


def apache_binary() -> str | None:
    found = shutil.which("apache2") or shutil.which("httpd") or "/usr/sbin/apache2"
    return found if Path(found).exists() else None


def measure(shape: str, sites: int, runs: int, extra: list[str], keep: Path | None) -> dict[str, float | int | str]:
    """Generate one tree and time both tools on it, alternately."""
    base = (keep / f"{shape}-{sites}") if keep else Path(tempfile.mkdtemp(prefix=f"fcgilint-bench-{shape}-"))
    if keep and base.exists():
        shutil.rmtree(base)
    try:
        conf = generate(base, shape, sites)
        ours_cmd = [sys.executable, "-m", "fcgilint", "check", "--format", "json", *extra, str(conf)]
        apache = apache_binary()
        theirs_cmd = [apache, "-t", "-f", str(conf)] if apache else None
        cached_env = {**os.environ, "FCGILINT_CACHE_DIR": str(base.with_name(base.name + ".cache"))}
        time.sleep(cache_settle(base))
        timed(ours_cmd, cached_env)  # fills the cache
        ours_cmd.insert(4, "--no-cache")
        ours, theirs, again, rss = [], [], [], 0
        ours_cpu, theirs_cpu, again_cpu = [], [], []
        verdict, findings = "no apache2", "?"
        for _ in range(runs):
            seconds, code, peak, out, cpu = timed(ours_cmd)
            ours.append(seconds)
            ours_cpu.append(cpu)
            rss = max(rss, peak)
            if code not in (0, 1):
                findings = f"exit {code}: {out[-300:].decode(errors='replace').strip()}"
            elif findings == "?":
                findings = str(out.count(b'"rule": "'))
            if theirs_cmd:
                seconds, code, _peak, out, cpu = timed(theirs_cmd)
                theirs.append(seconds)
                theirs_cpu.append(cpu)
                verdict = "accepted" if code == 0 else f"REJECTED: {out.decode(errors='replace').strip()[:200]}"
            replay = timed(ours_cmd[:4] + ours_cmd[5:], cached_env)
            again.append(replay[0])
            again_cpu.append(replay[4])
        row: dict[str, float | int | str] = {
            "shape": shape,
            "sites": sites,
            "fcgilint": statistics.median(ours),
            "rss_mib": rss / 1024,
            "findings": findings,
            "apache": verdict,
            "recheck": statistics.median(again),
            "cpu": statistics.median(ours_cpu),
            "recheck_cpu": statistics.median(again_cpu),
        }
        if theirs:
            row["apache2"] = statistics.median(theirs)
            row["apache2_cpu"] = statistics.median(theirs_cpu)
            row["ratio"] = statistics.median(ours) / statistics.median(theirs)
        return row
    finally:
        shutil.rmtree(base.with_name(base.name + ".cache"), ignore_errors=True)
        if keep is None:
            shutil.rmtree(base, ignore_errors=True)


def cache_settle(base: Path) -> float:
    """Seconds to wait so that no file of the new tree is too fresh for the cache to store (fcgilint.cache)."""
    newest = max(os.stat(base / "httpd.conf").st_mtime, os.stat(base / "vhosts").st_mtime)
    return max(0.0, newest + 2.1 - time.time())


def print_row(row: dict[str, float | int | str], growth: float | None) -> None:
    ratio = f"{row['ratio']:6.2f}x" if "ratio" in row else "     -"
    again = (
        f"{row['recheck']:6.2f} {row['recheck'] / row['apache2']:5.2f}x"
        if "apache2" in row
        else f"{row['recheck']:6.2f}     -"
    )
    apache = f"{row['apache2']:6.2f}" if "apache2" in row else "     -"
    grow = f"{growth:5.2f}x" if growth else "     -"
    cpu = "     -      -"
    if "apache2_cpu" in row:
        base = max(float(row["apache2_cpu"]), 0.01)
        cpu = f"{row['cpu'] / base:5.2f}x {row['recheck_cpu'] / base:5.2f}x"
    print(f"{row['shape']:<11} {row['sites']:>6} {row['fcgilint']:8.2f} {apache} {ratio} {grow} {again} {cpu} "
          f"{row['rss_mib']:7.1f} {row['findings']:>8}  {row['apache']}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,5000,20000", help="comma-separated site counts")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated shapes")
    parser.add_argument("--runs", type=int, default=3, help="runs of each tool per tree (medians are compared)")
    parser.add_argument("--keep", type=Path, help="generate the trees under this directory and keep them")
    parser.add_argument("--fcgilint-args", default="", help="extra arguments for fcgilint check")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    shapes = args.shapes.split(",")
    unknown = [s for s in shapes if s not in SHAPES]
    if unknown:
        parser.error(f"unknown shape(s): {', '.join(unknown)}")
    print(
        f"{'shape':<11} {'sites':>6} {'fcgilint':>8} {'apache':>6} {'ratio':>7} {'growth':>6} {'again':>6} "
        f"{'ratio':>6} "
        f"{'cpu':>6} {'again':>6} {'RSS MiB':>7} "
        f"{'findings':>8}  apache2 -t"
    )
    for shape in shapes:
        previous: float | None = None
        for sites in sizes:
            row = measure(shape, sites, args.runs, shlex.split(args.fcgilint_args), args.keep)
            seconds = float(row["fcgilint"])
            print_row(row, seconds / previous if previous else None)
            previous = seconds
    return 0


if __name__ == "__main__":
    sys.exit(main())
