#!/usr/bin/env python3
"""A private Apache httpd + mod_fcgid + php-cgi instance on 127.0.0.1, for tests and captures.

The PHP_FCGI_MAX_REQUESTS race only shows up on the real stack, so the lab builds one from a
scenario: its own ServerRoot, config, pid file, logs, IPC dir and process table, PHP pages, a
php.ini and a wrapper script.  Everything is written as plain files so ``fcgilint check`` can be
pointed at the same tree the server ran from.  The system Apache and its configuration are never
read or touched; the instance listens on 127.0.0.1 only.

Usage (by hand)::

    python scripts/fcgidlab.py up --scenario race            # prints the lab dir and URL
    python scripts/fcgidlab.py load --root DIR -n 500 -c 10  # status and error-log counts
    python scripts/fcgidlab.py down --root DIR
    python scripts/fcgidlab.py capture --scenario race --out tests/data/captures/race

Standard library only, so it runs before the project itself is installed.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

MODULE_DIR = Path("/usr/lib/apache2/modules")
PHP_CGI = "/usr/bin/php-cgi"
APACHE = "apache2"
LAB_TAG = "FCGIDLAB_ROOT"
"""Env var given to every FastCGI process so leftovers of one instance can be found and killed."""

STRACE_BASE = ("-T", "-yy", "-s", "256")


# --------------------------------------------------------------------------------------------
# Scenarios


@dataclasses.dataclass(frozen=True)
class Workload:
    """One bounded batch of requests; several batches make up a capture."""

    path: str = "/info.php"
    requests: int = 200
    concurrency: int = 10
    body_bytes: int = 0
    """A POST body of this many bytes when non-zero (GET otherwise)."""
    host: str | None = None
    """The Host header (a virtual host's ServerName); None sends none (the default vhost)."""


@dataclasses.dataclass(frozen=True)
class VirtualHost:
    """A name-based virtual host of the instance, with its own docroot, wrapper and error log."""

    name: str
    """ServerName; also names its docroot ``sites/NAME``, wrapper ``bin/php-wrapper-NAME`` and
    error log ``logs/NAME.error.log``."""
    php_max_requests: int = 20
    """PHP_FCGI_MAX_REQUESTS exported by the vhost's wrapper."""
    fcgid_max_requests: int | None = None
    """The vhost's own FcgidMaxRequestsPerProcess; None inherits the main server's."""
    included: bool = False
    """Whether the vhost's FcgidWrapper and limit live in ``conf/vhosts/NAME.conf``, Included
    inside the <VirtualHost> (how hosting panels add per-site lines)."""
    lines: tuple[str, ...] = ()
    """More lines inside the <VirtualHost>."""
    php_ini: str | None = None
    """The site's own php.ini (``conf/NAME.php.ini``, ``{ini}`` below); None: the lab's php.ini."""
    wrapper_line: str | None = None
    """FcgidWrapper's command instead of the wrapper script, e.g. ``"{php_cgi} -c {ini}"``."""
    wrapper_script: str | None = None
    """The wrapper script's text instead of the default one; ``{php_cgi}`` and ``{ini}`` are filled."""
    htaccess: tuple[str, ...] | None = None
    """When given, the docroot allows overrides (AllowOverride All) and its ``.htaccess`` holds the
    FcgidWrapper line followed by these lines; the vhost then sets only its limit."""
    overrides: tuple[str, ...] = ("AllowOverride All",)
    """The docroot <Directory>'s lines that let its ``.htaccess`` be read (when ``htaccess`` is given)."""
    route: str = "wrapper"
    """How .php reaches php-cgi: ``wrapper`` (AddHandler fcgid-script .php + FcgidWrapper), or an
    ``Action`` with no FcgidWrapper to the wrapper script as a program under ``ScriptAlias /fcgi-bin/``
    (``fcgi/NAME/``): ``action`` (``AddHandler php-fcgi .php``, ``Action php-fcgi
    /fcgi-bin/php-wrapper``, ``SetHandler fcgid-script`` in the program's <Directory>) or
    ``action-fcgi`` (``Action application/x-httpd-php /fcgi-bin/php.fcgi``, ``AddHandler fcgid-script
    .fcgi``)."""
    program_alias: str = "ScriptAlias"
    """How ``/fcgi-bin/`` is mapped for an Action route: ``ScriptAlias`` or ``Alias``."""
    program_exec_cgi: bool = True
    """Whether the program's <Directory> has ``Options +ExecCGI`` (else ``Options -ExecCGI``)."""


@dataclasses.dataclass(frozen=True)
class Scenario:
    """Everything that varies between lab instances; defaults are the seed race."""

    name: str = "race"
    limit_source: str = "wrapper"
    """Where PHP_FCGI_MAX_REQUESTS comes from: ``wrapper`` (export), ``initialenv``
    (FcgidInitialEnv) or ``default`` (FcgidWrapper is php-cgi itself, PHP's built-in 500)."""
    php_max_requests: int = 20
    fcgid_max_requests: int | None = None
    """FcgidMaxRequestsPerProcess; None leaves it unset (mod_fcgid default 0 = unlimited)."""
    io_timeout: int | None = None
    max_request_len: int | None = None
    max_processes_per_class: int | None = None
    max_execution_time: int = 30
    post_max_size: str = "8M"
    slow_seconds: int = 5
    mpm: str = "event"
    threads_per_child: int = 10
    strace_flags: tuple[str, ...] = ("-f", "-tt", *STRACE_BASE)
    workloads: tuple[Workload, ...] = (Workload(),)
    extra_conf: tuple[str, ...] = ()
    """Server-level lines appended to httpd.conf (e.g. a distribution's handler snippet)."""
    exec_cgi: bool = True
    """Whether the document root has ``Options +ExecCGI`` (mod_fcgid answers 403 without it)."""
    vhosts: tuple[VirtualHost, ...] = ()
    """Name-based virtual hosts on the same port; the first is the default for requests without
    a Host header. Empty: the main server alone serves ``htdocs``, as before."""
    spawn_score_up_limit: int | None = 100000
    """FcgidSpawnScoreUpLimit; high by default so loads take seconds, None keeps mod_fcgid's 10."""

    def __post_init__(self) -> None:
        routes = {v.route for v in self.vhosts} - {"wrapper", "action", "action-fcgi"}
        if routes:
            raise ValueError(f"a vhost route must be wrapper, action or action-fcgi, not {sorted(routes)}")
        if self.limit_source not in ("wrapper", "initialenv", "default"):
            raise ValueError(f"limit_source must be wrapper, initialenv or default, not {self.limit_source!r}")
        if self.mpm not in ("event", "prefork"):
            raise ValueError(f"mpm must be event or prefork, not {self.mpm!r}")

    @property
    def effective_php_limit(self) -> int:
        """The limit php-cgi will actually apply (500 when nothing sets it)."""
        return 500 if self.limit_source == "default" else self.php_max_requests

    def settings(self) -> dict[str, object]:
        """The scenario as JSON-friendly data (for meta.json and lab.json)."""
        data = dataclasses.asdict(self)
        data["strace_flags"] = list(self.strace_flags)
        data["effective_php_limit"] = self.effective_php_limit
        return data

    @classmethod
    def from_settings(cls, data: dict[str, object]) -> "Scenario":
        """Inverse of :meth:`settings`."""
        fields = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in fields}
        kwargs["strace_flags"] = tuple(kwargs.get("strace_flags", ()))
        kwargs["workloads"] = tuple(Workload(**w) for w in kwargs.get("workloads", ()))
        kwargs["extra_conf"] = tuple(kwargs.get("extra_conf", ()))
        kwargs["vhosts"] = tuple(
            VirtualHost(**{**v, "lines": tuple(v.get("lines", ())), "overrides": tuple(v.get("overrides", ())),
                           "htaccess": None if v.get("htaccess") is None else tuple(v["htaccess"])})
            for v in kwargs.get("vhosts", ())
        )
        return cls(**kwargs)


SCENARIOS: dict[str, Scenario] = {
    "race": Scenario(name="race"),
    "race-ttt-ff": Scenario(name="race-ttt-ff", strace_flags=("-ff", "-ttt", *STRACE_BASE)),
    "greater": Scenario(name="greater", fcgid_max_requests=40),
    "fixed": Scenario(name="fixed", fcgid_max_requests=20, workloads=(Workload(concurrency=4),)),
    "timeout": Scenario(
        name="timeout",
        io_timeout=3,
        slow_seconds=5,
        max_execution_time=30,
        workloads=(Workload(path="/slow.php", requests=3, concurrency=3), Workload(requests=10, concurrency=2)),
    ),
    "upload": Scenario(
        name="upload",
        max_request_len=131072,
        post_max_size="8M",
        workloads=(
            Workload(path="/upload.php", requests=3, concurrency=1, body_bytes=200_000),
            Workload(path="/upload.php", requests=3, concurrency=1, body_bytes=100_000),
        ),
    ),
    "initialenv": Scenario(name="initialenv", limit_source="initialenv"),
    "php-default": Scenario(
        name="php-default",
        limit_source="default",
        max_processes_per_class=1,
        workloads=(Workload(requests=1100, concurrency=4),),
    ),
}


def scenario_with(name: str, overrides: dict[str, str]) -> Scenario:
    """A preset scenario with ``key=value`` overrides from the command line, typed by field."""
    base = SCENARIOS[name]
    types = {f.name: f.type for f in dataclasses.fields(Scenario)}
    changes: dict[str, object] = {}
    for key, raw in overrides.items():
        if key not in types or key in ("workloads", "strace_flags", "vhosts"):
            raise ValueError(f"unknown or non-scalar scenario setting {key!r}")
        changes[key] = _coerce(raw, str(types[key]))
    return dataclasses.replace(base, **changes)


def _coerce(raw: str, type_name: str) -> object:
    """Turn a command-line string into the field's type; ``none`` unsets optional fields."""
    if "None" in type_name and raw.lower() in ("none", "unset", ""):
        return None
    return int(raw) if type_name.startswith("int") else raw


# --------------------------------------------------------------------------------------------
# Files of one instance


def missing_components() -> list[str]:
    """What the host lacks to run a lab (empty when everything is there)."""
    missing = []
    if shutil.which(APACHE) is None:
        missing.append("apache2")
    if not (MODULE_DIR / "mod_fcgid.so").exists():
        missing.append("mod_fcgid (libapache2-mod-fcgid)")
    if not Path(PHP_CGI).exists():
        missing.append("php-cgi")
    return missing


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _static_modules() -> set[str]:
    """Modules compiled into the httpd binary (Debian builds log_config and unixd in)."""
    out = subprocess.run([APACHE, "-l"], capture_output=True, text=True, check=False).stdout
    return {m.strip()[:-2] for m in out.splitlines() if m.strip().endswith(".c")}


PAGES = {
    "info.php": "<?php\nusleep(2000);\nheader('X-Pid: ' . getmypid());\necho getmypid(), \"\\n\";\n",
    "slow.php": (
        "<?php\n$s = isset($_GET['s']) ? (int)$_GET['s'] : {slow};\nsleep($s);\n"
        "header('X-Pid: ' . getmypid());\necho \"slept $s\\n\";\n"
    ),
    "ini.php": (
        "<?php\nheader('X-Pid: ' . getmypid());\n$stat = explode(' ', file_get_contents('/proc/self/stat'));\n"
        "echo ini_get('post_max_size'), ' ', ini_get('max_execution_time'), ' nice=', $stat[18], \"\\n\";\n"
    ),
    "upload.php": (
        "<?php\nheader('X-Pid: ' . getmypid());\n"
        "echo 'post fields: ', count($_POST), ', content length: ', (int)($_SERVER['CONTENT_LENGTH'] ?? 0), \"\\n\";\n"
    ),
}


class Lab:
    """One private Apache instance rooted in its own directory."""

    def __init__(self, root: Path, scenario: Scenario, port: int | None = None) -> None:
        self.root = root.resolve()
        self.scenario = scenario
        self.port = port or free_port()
        self._strace: subprocess.Popen[bytes] | None = None

    # -- layout -------------------------------------------------------------------------------
    @property
    def conf(self) -> Path:
        return self.root / "conf" / "httpd.conf"

    @property
    def php_ini(self) -> Path:
        return self.root / "conf" / "php.ini"

    @property
    def wrapper(self) -> Path:
        return self.root / "bin" / "php-wrapper"

    @property
    def docroot(self) -> Path:
        return self.root / "htdocs"

    @property
    def error_log(self) -> Path:
        return self.root / "logs" / "error.log"

    def vhost_docroot(self, vhost: VirtualHost) -> Path:
        return self.root / "sites" / vhost.name

    def vhost_wrapper(self, vhost: VirtualHost) -> Path:
        return self.root / "bin" / f"php-wrapper-{vhost.name}"

    def vhost_program(self, vhost: VirtualHost) -> Path:
        """The script mod_fcgid runs itself for an Action-routed vhost (the wrapper for the others)."""
        if vhost.route == "wrapper":
            return self.vhost_wrapper(vhost)
        return self.root / "fcgi" / vhost.name / ("php.fcgi" if vhost.route == "action-fcgi" else "php-wrapper")

    def vhost_error_log(self, vhost: VirtualHost) -> Path:
        return self.root / "logs" / f"{vhost.name}.error.log"

    def vhost_access_log(self, vhost: VirtualHost) -> Path:
        return self.root / "logs" / f"{vhost.name}.access.log"

    def vhost(self, name: str) -> VirtualHost:
        return next(v for v in self.scenario.vhosts if v.name == name)

    def vhost_include(self, vhost: VirtualHost) -> Path:
        return self.root / "conf" / "vhosts" / f"{vhost.name}.conf"

    @property
    def access_log(self) -> Path:
        return self.root / "logs" / "access.log"

    @property
    def pid_file(self) -> Path:
        return self.root / "run" / "httpd.pid"

    @property
    def strace_dir(self) -> Path:
        return self.root / "strace"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def create(cls, scenario: Scenario, root: Path | None = None, port: int | None = None) -> "Lab":
        """Make a fresh lab dir (``/tmp/fcgidlab-XXXX`` unless given) and write all its files."""
        root = root or Path(tempfile.mkdtemp(prefix="fcgidlab-"))
        lab = cls(root, scenario, port)
        lab.write()
        return lab

    @classmethod
    def open(cls, root: Path) -> "Lab":
        """Re-open a lab written earlier (``down``/``load`` run in another process than ``up``)."""
        state = json.loads((root / "lab.json").read_text())
        return cls(root, Scenario.from_settings(state["scenario"]), int(state["port"]))

    def write(self) -> None:
        """Write config, wrapper, php.ini and pages; world-readable because php-cgi runs as www-data."""
        for sub in ("conf", "bin", "htdocs", "logs", "run", "strace"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        self.conf.write_text(self.render_httpd_conf())
        (self.root / "conf" / "mime.types").write_text("text/html html\ntext/plain txt\n")
        self.php_ini.write_text(self.render_php_ini())
        self.wrapper.write_text(self.render_wrapper())
        self.wrapper.chmod(0o755)
        for name, body in PAGES.items():
            (self.docroot / name).write_text(body.replace("{slow}", str(self.scenario.slow_seconds)))
        for vhost in self.scenario.vhosts:
            self._write_vhost(vhost)
        state = {"scenario": self.scenario.settings(), "port": self.port}
        (self.root / "lab.json").write_text(json.dumps(state, indent=2) + "\n")

    def _write_vhost(self, vhost: VirtualHost) -> None:
        """A vhost's pages, wrapper and (when ``included``) its Included fcgid lines."""
        docroot = self.vhost_docroot(vhost)
        docroot.mkdir(parents=True, exist_ok=True)
        (self.root / "sites").chmod(0o755)
        for name, body in PAGES.items():
            (docroot / name).write_text(body.replace("{slow}", str(self.scenario.slow_seconds)))
        if vhost.php_ini is not None:
            self.vhost_php_ini(vhost).write_text(vhost.php_ini)
        script = vhost.wrapper_script or (
            f"#!/bin/sh\n# PHP FastCGI wrapper of {vhost.name}.\nPHP_FCGI_MAX_REQUESTS={vhost.php_max_requests}\n"
            "export PHP_FCGI_MAX_REQUESTS\nexec {php_cgi} -c {ini}\n"
        )
        program = self.vhost_program(vhost)
        program.parent.mkdir(parents=True, exist_ok=True)
        program.parent.parent.chmod(0o755)
        program.write_text(self._fill(vhost, script))
        program.chmod(0o755)
        if vhost.htaccess is not None:
            (docroot / ".htaccess").write_text("\n".join([self._wrapper_line(vhost), *vhost.htaccess]) + "\n")
        if vhost.included:
            self.vhost_include(vhost).parent.mkdir(parents=True, exist_ok=True)
            self.vhost_include(vhost).write_text("\n".join(self._vhost_fcgid_lines(vhost)) + "\n")

    def vhost_php_ini(self, vhost: VirtualHost) -> Path:
        return self.root / "conf" / f"{vhost.name}.php.ini" if vhost.php_ini is not None else self.php_ini

    def _fill(self, vhost: VirtualHost, text: str) -> str:
        return text.replace("{php_cgi}", PHP_CGI).replace("{ini}", str(self.vhost_php_ini(vhost)))

    def _wrapper_line(self, vhost: VirtualHost) -> str:
        command = self._fill(vhost, vhost.wrapper_line) if vhost.wrapper_line else str(self.vhost_wrapper(vhost))
        return f"FcgidWrapper {command} .php"

    def _vhost_fcgid_lines(self, vhost: VirtualHost) -> list[str]:
        lines = [] if vhost.htaccess is not None or vhost.route != "wrapper" else [self._wrapper_line(vhost)]
        if vhost.fcgid_max_requests is not None:
            lines.append(f"FcgidMaxRequestsPerProcess {vhost.fcgid_max_requests}")
        return lines

    def render_vhost(self, vhost: VirtualHost) -> list[str]:
        """One <VirtualHost> block on the instance's address."""
        docroot = self.vhost_docroot(vhost)
        inner = [f'Include "{self.vhost_include(vhost)}"'] if vhost.included else self._vhost_fcgid_lines(vhost)
        return [
            "",
            f"<VirtualHost 127.0.0.1:{self.port}>",
            f"    ServerName {vhost.name}",
            f'    DocumentRoot "{docroot}"',
            f'    ErrorLog "{self.vhost_error_log(vhost)}"',
            f'    CustomLog "{self.vhost_access_log(vhost)}" timed',
            f'    <Directory "{docroot}">',
            "        Options +ExecCGI",
            "        Require all granted",
            *(f"        {line}" for line in self._php_route(vhost)),
            *(f"        {line}" for line in (vhost.overrides if vhost.htaccess is not None else ())),
            "    </Directory>",
            *self._program_directory(vhost),
            *(f"    {line}" for line in [*inner, *vhost.lines]),
            "</VirtualHost>",
        ]

    def _php_route(self, vhost: VirtualHost) -> list[str]:
        """The docroot's lines that send .php to php-cgi."""
        url = "/fcgi-bin/" + self.vhost_program(vhost).name
        if vhost.route == "action":
            return ["AddHandler php-fcgi .php", f"Action php-fcgi {url}"]
        if vhost.route == "action-fcgi":
            return ["AddHandler application/x-httpd-php .php", f"Action application/x-httpd-php {url}"]
        return ["AddHandler fcgid-script .php"]

    def _program_directory(self, vhost: VirtualHost) -> list[str]:
        """ScriptAlias and <Directory> of the program an Action reaches (nothing for a wrapper route)."""
        if vhost.route == "wrapper":
            return []
        where = self.vhost_program(vhost).parent
        handler = "SetHandler fcgid-script" if vhost.route == "action" else "AddHandler fcgid-script .fcgi"
        options = "+ExecCGI" if vhost.program_exec_cgi else "-ExecCGI"
        return [f'    {vhost.program_alias} /fcgi-bin/ "{where}/"', f'    <Directory "{where}">', f"        {handler}",
                f"        Options {options}", "        Require all granted", "    </Directory>"]

    def render_wrapper(self) -> str:
        """The FastCGI wrapper; only the ``wrapper`` scenario sets the PHP limit here."""
        lines = ["#!/bin/sh", "# PHP FastCGI wrapper of this lab instance."]
        if self.scenario.limit_source == "wrapper":
            lines += [f"PHP_FCGI_MAX_REQUESTS={self.scenario.php_max_requests}", "export PHP_FCGI_MAX_REQUESTS"]
        lines.append(f"exec {PHP_CGI} -c {self.php_ini}")
        return "\n".join(lines) + "\n"

    def render_php_ini(self) -> str:
        s = self.scenario
        return (
            f"max_execution_time = {s.max_execution_time}\n"
            f"post_max_size = {s.post_max_size}\n"
            "upload_max_filesize = 2M\n"
            "display_errors = Off\n"
            "log_errors = On\n"
        )

    def render_httpd_conf(self) -> str:
        """httpd.conf with absolute paths only, so it can be linted from anywhere."""
        s, r = self.scenario, self.root
        static = _static_modules()
        mods = [f"mpm_{s.mpm}", "authz_core", "mime", "dir", "log_config", "unixd", "fcgid"]
        if any(v.route != "wrapper" for v in s.vhosts):
            mods += ["alias", "actions"]
        lines = [
            "# Private Apache instance of fcgidlab (never the system one).",
            f'ServerRoot "{r}"',
            "ServerName 127.0.0.1",
            f"Listen 127.0.0.1:{self.port}",
            f'PidFile "{self.pid_file}"',
            f'DefaultRuntimeDir "{r}/run"',
        ]
        lines += [f"LoadModule {m}_module {MODULE_DIR}/mod_{m}.so" for m in mods if f"mod_{m}" not in static]
        if os.geteuid() == 0:
            lines += ["User www-data", "Group www-data"]
        lines += self._mpm_lines()
        lines += [
            f'ErrorLog "{self.error_log}"',
            "LogLevel warn fcgid:info",
            'LogFormat "%h %l %u %t \\"%r\\" %>s %b %D" timed',
            f'CustomLog "{self.access_log}" timed',
            f'TypesConfig "{r}/conf/mime.types"',
            f'DocumentRoot "{self.docroot}"',
            "DirectoryIndex info.php",
            "",
            f'FcgidIPCDir "{r}/run/fcgid-sock"',
            f'FcgidProcessTableFile "{r}/run/fcgid-shm"',
            f"FcgidInitialEnv {LAB_TAG} {r}",
        ]
        lines += self._fcgid_lines()
        lines += [
            "",
            f'<Directory "{self.docroot}">',
            "    Options +ExecCGI" if s.exec_cgi else "    Options FollowSymLinks",
            "    Require all granted",
            "    AddHandler fcgid-script .php",
            f"    FcgidWrapper {PHP_CGI if s.limit_source == 'default' else self.wrapper} .php",
            "</Directory>",
            *s.extra_conf,
        ]
        for vhost in s.vhosts:
            lines += self.render_vhost(vhost)
        return "\n".join(lines) + "\n"

    def _mpm_lines(self) -> list[str]:
        """Few workers: enough for the load, and few strace -ff files."""
        if self.scenario.mpm == "prefork":
            return ["StartServers 2", "MinSpareServers 2", "MaxSpareServers 10", "MaxRequestWorkers 20"]
        t = self.scenario.threads_per_child
        return [
            "StartServers 1",
            "ServerLimit 2",
            f"ThreadsPerChild {t}",
            f"MaxRequestWorkers {2 * t}",
            f"MinSpareThreads {t}",
            f"MaxSpareThreads {2 * t}",
        ]

    def _fcgid_lines(self) -> list[str]:
        s = self.scenario
        lines = []
        if s.limit_source == "initialenv":
            lines.append(f"FcgidInitialEnv PHP_FCGI_MAX_REQUESTS {s.php_max_requests}")
        optional = {
            "FcgidMaxRequestsPerProcess": s.fcgid_max_requests,
            "FcgidIOTimeout": s.io_timeout,
            "FcgidMaxRequestLen": s.max_request_len,
            "FcgidMaxProcessesPerClass": s.max_processes_per_class,
            "FcgidSpawnScoreUpLimit": s.spawn_score_up_limit,
        }
        lines += [f"{name} {value}" for name, value in optional.items() if value is not None]
        return lines

    # -- life cycle ---------------------------------------------------------------------------
    def start(self, strace: bool = False, timeout: float = 20.0) -> None:
        """Start httpd (optionally under strace, which follows every php-cgi it spawns)."""
        cmd = [APACHE, "-f", str(self.conf), "-k", "start"]
        if strace:
            self._start_traced(cmd)
        else:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"apache2 failed to start: {done.stderr.strip() or done.stdout.strip()}")
        self._wait_ready(timeout)

    def _start_traced(self, cmd: list[str]) -> None:
        """strace stays in the foreground until the last traced process exits, hence Popen."""
        if shutil.which("strace") is None:
            raise RuntimeError("strace is not installed")
        flags = list(self.scenario.strace_flags)
        out = self.strace_dir / ("trace" if "-ff" in flags else "strace.txt")
        with (self.root / "logs" / "strace.stderr").open("wb") as log:
            self._strace = subprocess.Popen(["strace", *flags, "-o", str(out), *cmd], stdout=log, stderr=log)

    def _wait_ready(self, timeout: float) -> None:
        """Wait until the pid file exists and the port answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pid_file.exists():
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                        return
                except OSError:
                    pass
            time.sleep(0.1)
        raise RuntimeError(f"lab httpd did not come up on {self.url}; see {self.error_log}")

    def main_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self, timeout: float = 20.0) -> None:
        """Stop httpd via ``-k stop`` and the pid file, then kill any php-cgi left of this instance."""
        pid = self.main_pid()
        family = _descendants(pid) if pid else set()
        try:
            subprocess.run(
                [APACHE, "-f", str(self.conf), "-k", "stop"], capture_output=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            pass  # the SIGKILLs below still end the instance
        if pid and not _wait_gone(pid, timeout):
            _kill(pid, signal.SIGKILL)
        for leftover in {p for p in family if _runs_lab_binary(p)} | self._tagged_processes():
            _kill(leftover, signal.SIGKILL)
        if self._strace is not None:
            try:
                self._strace.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._strace.kill()
                self._strace.wait()
            self._strace = None

    def _tagged_processes(self) -> set[int]:
        """FastCGI processes started by this instance, found by the env tag they inherited."""
        tag = f"{LAB_TAG}={self.root}".encode()
        found = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if tag in (entry / "environ").read_bytes().split(b"\0"):
                    found.add(int(entry.name))
            except OSError:
                continue
        return found

    # -- evidence -----------------------------------------------------------------------------
    def get(self, path: str, host: str | None = None, timeout: float = 30.0) -> tuple[int, str]:
        """One GET to this instance (to a name-based vhost when ``host`` is given): status and body text."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers={"Host": host} if host else {})
            response = conn.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Poll ``condition``: httpd writes the access log after the response, and mod_fcgid
        logs process exits only at its next scan (every 3 s by default)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)
        return True

    def error_counts(self, host: str | None = None) -> dict[str, int]:
        """Signature counts of the main error log, or of one vhost's own ErrorLog."""
        log = self.vhost_error_log(self.vhost(host)) if host else self.error_log
        return count_error_lines(log.read_text(errors="replace") if log.exists() else "")

    def access_status_counts(self, host: str | None = None) -> dict[str, int]:
        """Status counts of the main access log, or of one vhost's own CustomLog."""
        log = self.vhost_access_log(self.vhost(host)) if host else self.access_log
        return count_access_statuses(log.read_text() if log.exists() else "")


def _descendants(pid: int) -> set[int]:
    """All processes below ``pid`` (children, process manager, php-cgi) from /proc."""
    parents: dict[int, list[int]] = collections.defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            parents[ppid].append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _runs_lab_binary(pid: int) -> bool:
    """Guard against pid reuse between listing the family and killing what is left of it."""
    try:
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False
    return argv0.endswith((b"apache2", b"php-cgi", b"php-wrapper"))


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists() or _is_zombie(pid):
            return True
        time.sleep(0.1)
    return False


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _kill(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# --------------------------------------------------------------------------------------------
# Log counting

ERROR_PATTERNS = {
    "error_reading": "error reading data from FastCGI server",
    "error_writing": "error writing data to FastCGI server",
    "end_of_script_output": "End of script output before headers",
    "exit_communication_error": "exit(communication error)",
    "exit_lifetime_expired": "exit(lifetime expired)",
    "exit_server_exited": "exit(server exited)",
    "exit_shutting_down": "exit(shutting down)",
    "read_timeout": "read data timeout in",
    "exceeds_max_request_len": "exceeds MaxRequestLen",
    "cant_apply_process_slot": "can't apply process slot",
}


def count_error_lines(text: str) -> dict[str, int]:
    """How many error-log lines carry each signature mod_fcgid/httpd use for these failures."""
    return {key: sum(needle in line for line in text.splitlines()) for key, needle in ERROR_PATTERNS.items()}


ACCESS_STATUS = re.compile(r'" (\d{3}) ')


def count_access_statuses(text: str) -> dict[str, int]:
    """HTTP status counts from the access log (common/timed format)."""
    counts: collections.Counter[str] = collections.Counter()
    for line in text.splitlines():
        match = ACCESS_STATUS.search(line)
        if match:
            counts[match.group(1)] += 1
    return dict(sorted(counts.items()))


# --------------------------------------------------------------------------------------------
# Load generator


@dataclasses.dataclass
class LoadResult:
    """What the client saw: status counts, php-cgi pid per successful response, and timing."""

    statuses: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    pids: list[int] = dataclasses.field(default_factory=list)
    sent: int = 0
    seconds: float = 0.0
    timed_out: bool = False

    def merge(self, other: "LoadResult") -> None:
        self.statuses.update(other.statuses)
        self.pids.extend(other.pids)
        self.sent += other.sent
        self.seconds += other.seconds
        self.timed_out = self.timed_out or other.timed_out

    def as_dict(self) -> dict[str, object]:
        return {
            "sent": self.sent,
            "statuses": dict(sorted(self.statuses.items())),
            "distinct_pids": len(set(self.pids)),
            "seconds": round(self.seconds, 2),
            "timed_out": self.timed_out,
        }


def run_load(
    port: int, work: Workload, time_limit: float = 120.0, request_timeout: float = 60.0
) -> LoadResult:
    """Send ``work.requests`` requests from ``work.concurrency`` threads; stop at ``time_limit``.

    One connection per request, like ``ab`` without keep-alive, so every request goes through
    mod_fcgid's process selection again.  Transport errors count under their exception name.
    """
    result = LoadResult()
    tickets: Iterator[int] = iter(range(work.requests))
    lock = threading.Lock()
    deadline = time.monotonic() + time_limit
    body = b"a=" + b"x" * max(work.body_bytes - 2, 0) if work.body_bytes else None

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                if next(tickets, None) is None:
                    return
                result.sent += 1
            status, pid = _one_request(port, work.path, body, request_timeout, work.host)
            with lock:
                result.statuses[status] += 1
                if pid is not None:
                    result.pids.append(pid)

    started = time.monotonic()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(work.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0) + request_timeout)
    result.seconds = time.monotonic() - started
    result.timed_out = result.sent < work.requests or any(t.is_alive() for t in threads)
    return result


def _one_request(
    port: int, path: str, body: bytes | None, timeout: float, host: str | None = None
) -> tuple[str, int | None]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Connection": "close", **({"Host": host} if host else {})}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request("POST" if body is not None else "GET", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        pid = response.getheader("X-Pid")
        return str(response.status), int(pid) if pid and response.status == 200 else None
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__, None
    finally:
        conn.close()


@dataclasses.dataclass(frozen=True)
class Evidence:
    """The client's view and the server's logs of one load, taken while the server still runs.

    Taken before ``-k stop`` on purpose: the stop makes mod_fcgid SIGTERM its processes, and a
    request caught by that logs the same ECONNRESET pair as the race.
    """

    load: LoadResult
    errors: dict[str, int]
    access: dict[str, int]

    def server_500s(self) -> int:
        return self.access.get("500", 0)

    def as_dict(self) -> dict[str, object]:
        return {"client": self.load.as_dict(), "access_log_statuses": self.access, "error_log_counts": self.errors}


def drive(lab: Lab, work: Workload, time_limit: float = 120.0) -> Evidence:
    """Run one load and snapshot both logs once every answered request is in the access log."""
    load = run_load(lab.port, work, time_limit=time_limit)
    answered = sum(n for status, n in load.statuses.items() if status.isdigit())
    lab.wait_for(lambda: sum(lab.access_status_counts(work.host).values()) >= answered)
    return Evidence(load, lab.error_counts(work.host), lab.access_status_counts(work.host))


def requests_per_pid(pids: list[int]) -> collections.Counter[int]:
    """How many successful requests each php-cgi process served: its recycling interval."""
    return collections.Counter(pids)


def run_workloads(lab: Lab, time_limit: float = 120.0) -> LoadResult:
    """All workloads of the lab's scenario, in order, sharing one time budget."""
    total = LoadResult()
    deadline = time.monotonic() + time_limit
    for work in lab.scenario.workloads:
        total.merge(run_load(lab.port, work, time_limit=max(deadline - time.monotonic(), 1.0)))
    return total


# --------------------------------------------------------------------------------------------
# Captures

GZIP_ABOVE = 256_000


def capture(scenario: Scenario, out: Path, time_limit: float = 240.0) -> dict[str, object]:
    """Run the scenario under strace and copy logs, trace and a meta.json into ``out``."""
    lab = Lab.create(scenario)
    try:
        lab.start(strace=True, timeout=60.0)
        load = run_workloads(lab, time_limit)
        time.sleep(4)  # one process-manager scan, so exit(...) lines of the victims are logged
    finally:
        lab.stop(timeout=60.0)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.iterdir():
        if stale.is_file():
            stale.unlink()
    shutil.copy(lab.error_log, out / "error.log")
    shutil.copy(lab.access_log, out / "access.log")
    traces = [_store_trace(path, out) for path in sorted(lab.strace_dir.iterdir())]
    meta = _meta(lab, load, traces)
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    shutil.rmtree(lab.root, ignore_errors=True)
    return meta


def _store_trace(path: Path, out: Path) -> str:
    """Copy one strace file, gzipped when large; returns the stored name."""
    if path.stat().st_size <= GZIP_ABOVE:
        shutil.copy(path, out / path.name)
        return path.name
    target = out / f"{path.name}.gz"
    with path.open("rb") as src, gzip.GzipFile(target, "wb", mtime=0) as dst:
        shutil.copyfileobj(src, dst)
    return target.name


def _meta(lab: Lab, load: LoadResult, traces: list[str]) -> dict[str, object]:
    s = lab.scenario
    errors = lab.error_counts()
    return {
        "scenario": s.settings(),
        "lab_root": str(lab.root),
        "requests": load.sent,
        "client_statuses": dict(sorted(load.statuses.items())),
        "access_log_statuses": lab.access_status_counts(),
        "distinct_php_pids_seen_by_client": len(set(load.pids)),
        "error_reading_data_lines": errors["error_reading"],
        "exit_communication_error_lines": errors["exit_communication_error"],
        "error_log_counts": errors,
        "capture": {
            "command": ["strace", *s.strace_flags, "-o", "<file>", APACHE, "-f", "<conf>", "-k", "start"],
            "strace_flags": list(s.strace_flags),
            "strace_files": traces,
            "stopped_with": f"{APACHE} -k stop (shutdown lines at the end of error.log are not the race)",
            "versions": _versions(),
        },
        "regenerate": f"python scripts/fcgidlab.py capture --scenario {s.name} --out tests/data/captures/{s.name}",
    }


def _versions() -> dict[str, str]:
    """Versions of the stack the capture came from, for anyone comparing later captures."""
    def first_line(cmd: list[str]) -> str:
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)
        except OSError:
            return "unknown"
        return (out.stdout or out.stderr).splitlines()[0].strip() if (out.stdout or out.stderr) else "unknown"

    return {
        "apache2": first_line([APACHE, "-v"]),
        "php-cgi": first_line([PHP_CGI, "-v"]),
        "strace": first_line(["strace", "-V"]),
    }


# --------------------------------------------------------------------------------------------
# Command line


def _parse_sets(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--set expects key=value, got {pair!r}")
        out[key.strip()] = value.strip()
    return out


def _cmd_up(args: argparse.Namespace) -> int:
    lab = Lab.create(scenario_with(args.scenario, _parse_sets(args.set)), Path(args.root) if args.root else None)
    lab.start(strace=args.strace)
    print(json.dumps({"root": str(lab.root), "url": lab.url, "conf": str(lab.conf)}))
    return 0


def _cmd_down(args: argparse.Namespace) -> int:
    Lab.open(Path(args.root)).stop()
    return 0


def _cmd_load(args: argparse.Namespace) -> int:
    lab = Lab.open(Path(args.root))
    work = Workload(path=args.path, requests=args.n, concurrency=args.c, body_bytes=args.body_bytes)
    print(json.dumps(drive(lab, work, time_limit=args.time_limit).as_dict()))
    return 0


def _cmd_capture(args: argparse.Namespace) -> int:
    meta = capture(scenario_with(args.scenario, _parse_sets(args.set)), Path(args.out), args.time_limit)
    print(json.dumps({k: meta[k] for k in ("requests", "client_statuses", "error_reading_data_lines",
                                           "exit_communication_error_lines")}))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fcgidlab", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="write and start a lab instance")
    up.add_argument("--scenario", choices=sorted(SCENARIOS), default="race")
    up.add_argument("--root", help="lab directory (default: a new /tmp/fcgidlab-XXXX)")
    up.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a scenario setting")
    up.add_argument("--strace", action="store_true", help="run under strace with the scenario's flags")
    up.set_defaults(func=_cmd_up)

    down = sub.add_parser("down", help="stop a lab instance and its php-cgi processes")
    down.add_argument("--root", required=True)
    down.set_defaults(func=_cmd_down)

    load = sub.add_parser("load", help="bounded load against a running lab")
    load.add_argument("--root", required=True)
    load.add_argument("--path", default="/info.php")
    load.add_argument("-n", type=int, default=500)
    load.add_argument("-c", type=int, default=10)
    load.add_argument("--body-bytes", type=int, default=0)
    load.add_argument("--time-limit", type=float, default=120.0)
    load.set_defaults(func=_cmd_load)

    cap = sub.add_parser("capture", help="run a scenario under strace and store logs + trace + meta.json")
    cap.add_argument("--scenario", choices=sorted(SCENARIOS), required=True)
    cap.add_argument("--out", required=True)
    cap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    cap.add_argument("--time-limit", type=float, default=240.0)
    cap.set_defaults(func=_cmd_capture)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    missing = missing_components()
    if missing:
        print(f"fcgidlab: missing {', '.join(missing)} (run scripts/install-system-deps.sh)", file=sys.stderr)
        return 2
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
