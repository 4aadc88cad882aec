"""The one table of what the evidence reader looks for.

Two tables, and everything else is derived from them:

* :data:`STRACE_INPUTS`: the system calls the strace correlator reads, the
  handler that reads them, and the fixed strings (needles) that select their
  lines. The grep prefilter (:data:`NEEDLES`), the correlator's dispatch and the
  ``trace --live`` syscall filter (:func:`live_filter`) come from it, so a new
  handler cannot be added without saying which lines it needs; each row carries
  a line of each form it must see, and the tests run those through the prefilter.
* :data:`KINDS`: every detection kind, where it comes from, what it means and the
  config rule it confirms; the rule links and the table of docs/trace.md come
  from it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StraceInput:
    """Calls the strace correlator reads with one handler, and the needles that keep their lines."""

    handler: str  # method of StraceCorrelator, "" for lines strace prints whatever it traces
    calls: tuple[str, ...]  # system call names, for the dispatch and strace -e trace=
    needles: tuple[bytes, ...]  # five characters or more: grep skips ahead by the shortest one
    examples: tuple[str, ...]  # lines of each form the handler needs, as strace -f -tt -T -yy writes them


_SOCK = 'sun_path="/run/fcgid/10802.7"'
STRACE_INPUTS: tuple[StraceInput, ...] = (
    StraceInput(
        "_on_connect",
        ("connect",),
        (b"connect(",),
        (f"1795 connect(14<UNIX-STREAM:[32613]>, {{sa_family=AF_UNIX, {_SOCK}}}, 110) = 0",),
    ),
    StraceInput(
        "_on_bind",
        ("bind",),
        (b"bind(",),
        (f"1795 bind(8<UNIX-STREAM:[31390]>, {{sa_family=AF_UNIX, {_SOCK}}}, 110) = 0",),
    ),
    StraceInput(
        "_on_clone",
        ("clone", "clone3", "fork", "vfork"),
        (b"clone", b"fork(", b"fork resumed"),
        (
            "1795 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD, child_tidptr=0x7f90) = 10802",
            "1795 fork()                        = 10803",
            "1795 <... vfork resumed>)            = 10804",
        ),
    ),
    StraceInput(
        "_on_execve",
        ("execve",),
        (b"execve",),
        ('10802 execve("/usr/lib/cgi-bin/php-wrapper", ["/usr/lib/cgi-bin/php-wrapper"], 0x55 /* 9 vars */) = 0',),
    ),
    StraceInput(
        "_on_accept",
        ("accept", "accept4"),
        (b"accept",),
        ('10802 accept(0<UNIX-STREAM:[31390,"/run/fcgid/10802.0"]>, NULL, NULL) = 3',),
    ),
    StraceInput("_on_exit_group", ("exit_group",), (b"exit_group",), ("10802 exit_group(0)                     = ?",)),
    StraceInput(
        "_on_read",
        ("read", "recvfrom", "recvmsg", "readv"),
        (b"ECONNRESET", b', "", ', b'resumed>"", '),
        (
            "1795 read(21<UNIX-STREAM:[32596]>, 0x7f90, 8192) = -1 ECONNRESET (Connection reset by peer)",
            '1795 read(21<UNIX-STREAM:[32596]>, "", 8192) = 0',
            '1795 <... read resumed>"", 8192) = 0',
        ),
    ),
    StraceInput(
        "_on_write",
        ("writev", "write", "sendmsg", "sendto"),
        (b"writev(", b"EPIPE (", b"ECONNRESET"),
        (
            '1795 writev(14<UNIX-STREAM:[32613]>, [{iov_base="\\1\\1\\0\\1", iov_len=8}], 1) = 8',
            '1795 write(14<UNIX-STREAM:[32613]>, "\\1\\5", 8) = -1 EPIPE (Broken pipe)',
        ),
    ),
    StraceInput(
        "_on_poll",
        ("poll", "ppoll", "select", "pselect6"),
        (b"(Timeout)", b"ECONNRESET", b"EPIPE ("),
        ("1795 poll([{fd=14<UNIX-STREAM:[32613]>, events=POLLIN}], 1, 40000) = 0 (Timeout)",),
    ),
    StraceInput("_on_close", ("close",), (b"close(",), ("1795 close(14<UNIX-STREAM:[32613->33471]>) = 0",)),
    # Signals and process ends: strace prints them whatever -e trace= selects.
    StraceInput(
        "",
        (),
        (b"+++ exited", b"+++ killed", b"--- SIG"),
        (
            "10802 +++ exited with 0 +++",
            "10803 +++ killed by SIGKILL +++",
            "10802 --- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=10849, si_uid=0} ---",
        ),
    ),
)

#: Fixed strings that select candidate lines: every call the correlator reads
#: contains one of them in its own line or in its ``resumed`` line.
NEEDLES: tuple[bytes, ...] = tuple(dict.fromkeys(n for i in STRACE_INPUTS for n in i.needles))


def live_filter() -> str:
    """strace's ``-e`` argument for ``trace --live``: only the calls the correlator reads.

    ``?`` lets strace skip a name the machine's architecture lacks (``select`` on arm64).
    """
    calls = dict.fromkeys(c for i in STRACE_INPUTS for c in i.calls)
    return "trace=" + ",".join(f"?{c}" for c in calls)


@dataclass(frozen=True)
class Kind:
    """One kind of detection, as docs/trace.md lists it."""

    name: str  # the kind, or a family such as "http-<status>"
    sources: tuple[str, ...]  # "strace", "error log", "access log"
    meaning: str
    rule: str | None = None  # the config rule a detection of this kind confirms


KINDS: tuple[Kind, ...] = (
    Kind("request-limit-race", ("strace",),
         "an httpd thread connected to a FastCGI socket, wrote the request (maybe polled) and its read hit ECONNRESET"
         " or EOF (or the write hit EPIPE/ECONNRESET), and the php-cgi bound to that socket called `exit_group` by"
         " itself, without a terminating signal first: PHP_FCGI_MAX_REQUESTS retired it while mod_fcgid still routed"
         " it a request", "FCG001"),
    Kind("shutdown-reset", ("strace", "error log"),
         "the same failure, but the php-cgi had received SIGTERM (or SIGKILL/SIGINT/SIGQUIT/SIGHUP/SIGUSR1) first —"
         " mod_fcgid stopping it (`apache2 -k stop`, restart, idle or lifetime kill); in the error log: a read error"
         " within 10 s after or 2 s before a shutdown notice"),
    Kind("php-crash", ("strace",), "the same failure, but the php-cgi died of another signal (SIGSEGV, SIGABRT, ...)"),
    Kind("fcgi-reset", ("strace",), "the same failure, with the php-cgi side not in the capture"),
    Kind("io-timeout", ("strace", "error log"),
         "a poll on an fd connected to a FastCGI socket returned `0 (Timeout)`; `mod_fcgid: read data timeout in N"
         " seconds`", "FCG003"),
    Kind("fcgi-read-error", ("error log",),
         "`mod_fcgid: error reading data from FastCGI server` (or `..., FastCGI server closed connection`, the"
         " pre-2.3.2 wording, or Windows' `get overlap result error`), paired with the `End of script output before"
         " headers` / `Premature end of script headers` line of the same request (same pid:tid in 2.4, same client in"
         " 2.2, the next lines of an excerpt without times); both lines are in the samples. It confirms FCG001 (a PHP"
         " limit) unless that line names a script that is not PHP (`smokeping.fcgi`, `app.pl`): then `rule` is"
         " `null`", "FCG001"),
    Kind("busy-timeout", ("error log",),
         "`mod_fcgid: URI took longer than busy timeout (N secs)` (or the old wording); `process-exit:busy-timeout`"
         " also names FCG004", "FCG004"),
    Kind("request-too-long", ("error log",),
         "`mod_fcgid: HTTP request length N (so far) exceeds MaxRequestLen (M)` (or the old `http request length N >"
         " M`)", "FCG005"),
    Kind("no-process-slot", ("error log",),
         "`mod_fcgid: can't apply process slot for WRAPPER`: the 503 of a class that got no process in about a minute"
         " (spawn score, process ceilings); `wrapper` names the class, and `check --evidence` sets it beside the"
         " class's capacity"),
    Kind("spawn-failure", ("error log",),
         "`can't run`, `spawn process ... error`, `can't create process`; `wrapper` names the class"),
    Kind("process-exit:<reason>", ("error log",),
         "`mod_fcgid: process WRAPPER(PID) exit(<reason>)` counted per wrapper, for the reasons that are not routine:"
         " `communication-error` (the race's victim), `server-exited` and `normal-exit` (php-cgi quit on its own while"
         " idle), `busy-timeout`, `connect-error`, `unknown`. `lifetime expired`, `idle timeout` and `shutting down`"
         " are mod_fcgid doing its job and are not reported"),
    Kind("script-ended-without-headers", ("error log",),
         "`End of script output before headers` (or `Premature end of script headers`) with no mod_fcgid line for the"
         " same request before it: the program ended before sending a header (a wrapper that cannot run: bad `#!`,"
         " CRLF line ends, not executable; a suEXEC refusal; a crash), not a read error mod_fcgid saw"),
    Kind("php-directive-without-mod-php", ("error log",),
         "`Invalid command 'php_value'` (or `php_flag`, `php_admin_value`, `php_admin_flag`, `PHPINIDir`), in a"
         " `.htaccess` (each request a 500) or from `apache2 -t`; `php_admin_value not allowed here`", "FCG018"),
    Kind("invalid-command", ("error log",),
         "`Invalid command 'X'` for any other directive: a typo, or a module's directive without its `LoadModule`",
         "FCG030"),
    Kind("suexec-policy-violation", ("error log", "suEXEC log"),
         "`suexec policy violation: see suexec log for more details` (suexec's own stderr line), and the refusals in"
         " suexec.log (`command not in docroot`, `target uid/gid ... mismatch`, `file is writable by others`, ...)",
         "FCG033"),
    Kind("open-basedir-restriction", ("error log",),
         "`mod_fcgid: stderr: PHP Warning: ... open_basedir restriction in effect. File(...) is not within the allowed"
         " path(s)`", "FCG032"),
    Kind("response-write-failed", ("error log",),
         "`mod_fcgid: ap_pass_brigade failed in handle_request_ipc function`: the response could not be passed on"
         " (the client went away, or an output filter failed); mod_fcgid answers 500, php-cgi is not at fault"),
    Kind("ipc-setup-failure", ("error log",),
         "`mod_fcgid: can't get pipe mutex`, `Can't initialize shared memory or mutex`, `Can't create shared memory"
         " for size N bytes`, `Can't create global ... mutex`: mod_fcgid could not set up its process table or locks"
         " (the `FcgidIPCDir`/`FcgidProcessTableFile` directory not writable by httpd, files left by a crash,"
         " SELinux)"),
    Kind("not-mod_fcgid:<stack>", ("error log", "php-fpm log"),
         "lines of another FastCGI stack, named so they are not read as mod_fcgid's: `proxy_fcgi` (`[proxy_fcgi:...]`,"
         " `AH01071`, `FCGI: attempt to connect ...`), `mod_fastcgi` (`FastCGI: ...`), `php-fpm` (its own log)"),
    Kind("http-<status>", ("access log",), "requests answered with that 5xx status"),
)

#: Config rule each kind confirms (kinds not listed confirm no single rule).
RULE_OF_KIND = {k.name: k.rule for k in KINDS if k.rule is not None}


def kinds_table() -> str:
    """The Detections table of docs/trace.md."""
    rows = ["| kind | source | what it means | rule |", "|---|---|---|---|"]
    rows += [f"| `{k.name}` | {', '.join(k.sources)} | {k.meaning} | {k.rule or '—'} |" for k in KINDS]
    return "\n".join(rows) + "\n"
