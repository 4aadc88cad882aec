"""Benchmark: `fcgilint check` against `apache2 -t` on the same hosting-sized tree.

Generates a tree like a hosting panel's: N virtual hosts (default 5,000), each in
its own included file, each with its own wrapper script and php.ini, then times
both tools on it (best of --runs) and prints the ratio. ``apache2 -t`` only
stats the wrappers; fcgilint also reads and simulates each wrapper and reads
its php.ini. ``--direct`` points every FcgidWrapper at php-cgi itself, so both
tools read exactly the same files. Usage:

    python bench/check_bench.py [--vhosts 5000] [--runs 3] [--direct] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODULES = "/usr/lib/apache2/modules"


def generate(base: Path, vhosts: int, direct: bool) -> Path:
    """Write the tree; every fifth vhost forgets FcgidMaxRequestsPerProcess (a real race)."""
    (base / "vhosts").mkdir(parents=True)
    conf = base / "httpd.conf"
    conf.write_text(
        f"ServerRoot {base}\nServerName bench.invalid\nListen 127.0.0.1:8999\nPidFile {base}/httpd.pid\nErrorLog {base}/error.log\n"
        + "".join(f"LoadModule {m}_module {MODULES}/mod_{m}.so\n" for m in ("mpm_event", "authz_core", "mime", "fcgid"))
        + f"FcgidIPCDir {base}/sock\nFcgidProcessTableFile {base}/shm\nFcgidIOTimeout 60\n"
        + f"IncludeOptional {base}/vhosts/*.conf\n"
    )
    for i in range(vhosts):
        site = base / "fcgi" / f"site{i}"
        www = base / "www" / f"site{i}"
        site.mkdir(parents=True)
        www.mkdir(parents=True)
        limit = "" if i % 5 == 0 else "    FcgidMaxRequestsPerProcess 500\n"
        command = "/usr/bin/php-cgi" if direct else f"{site}/php-wrapper"
        (base / "vhosts" / f"site{i}.conf").write_text(
            f"# site {i}\n<VirtualHost *:80>\n    ServerName site{i}.example\n    DocumentRoot {www}\n{limit}"
            f"    FcgidMaxRequestLen 33554432\n    <Directory {www}>\n        Options +ExecCGI\n"
            f"        AddHandler fcgid-script .php\n        FcgidWrapper {command} .php\n"
            f"        Require all granted\n    </Directory>\n</VirtualHost>\n"
        )
        if direct:
            continue
        wrapper = site / "php-wrapper"
        wrapper.write_text(f"#!/bin/sh\nPHPRC={site}\nexport PHPRC\nexport PHP_FCGI_MAX_REQUESTS=500\nexport PHP_FCGI_CHILDREN=0\nexec /usr/bin/php-cgi\n")
        wrapper.chmod(0o755)
        (site / "php.ini").write_text("[PHP]\nmax_execution_time = 30\npost_max_size = 32M\nupload_max_filesize = 16M\n")
    return conf


def best_of(cmd: list[str], runs: int) -> tuple[float, int]:
    """Best wall time of several runs, and the exit code."""
    times, code = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode
        times.append(time.perf_counter() - start)
    return min(times), code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vhosts", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--direct", action="store_true", help="FcgidWrapper runs php-cgi itself: no wrapper scripts or php.ini files")
    parser.add_argument("--keep", type=Path, help="generate here and keep the tree")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="fcgilint-bench-"))
    try:
        conf = generate(base, args.vhosts, args.direct)
        ours, code = best_of([sys.executable, "-m", "fcgilint", "check", "--format", "json", str(conf)], args.runs)
        print(f"fcgilint check: {ours:.2f} s (exit {code}) on {args.vhosts} vhosts")
        apache = shutil.which("apache2") or shutil.which("httpd") or "/usr/sbin/apache2"
        if not Path(apache).exists():
            print("apache2 not installed: no comparison")
            return 0
        theirs, code = best_of([apache, "-t", "-f", str(conf)], args.runs)
        print(f"apache2 -t:     {theirs:.2f} s (exit {code})")
        print(f"ratio fcgilint / apache2 -t: {ours / theirs:.2f}")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
