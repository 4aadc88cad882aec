"""Error-log excerpts as admins paste them: prefixes, no timestamps, bare messages, other stacks.

Each excerpt is shaped like the ones posted in public trackers and forums (syslog and journald
prefixes, a ``%v`` vhost column, 2.2 and 2.4 layouts, Windows, lines cut to the message), with
made-up hosts and addresses.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from fcgilint.cli import app
from fcgilint.evidence import analyse, sniff
from fcgilint.evidence.logs import parse_error_line

runner = CliRunner()

RACE_PAIR_24 = (
    "[fcgid:warn] [pid 2211:tid 2230] (104)Connection reset by peer: [client 192.0.2.7:50110] "
    "mod_fcgid: error reading data from FastCGI server\n"
    "[core:error] [pid 2211:tid 2230] [client 192.0.2.7:50110] End of script output before headers: index.php\n"
)

EXCERPTS = {
    "syslog": (
        "Dec  1 10:00:01 web1 apache2[2211]: [fcgid:warn] [pid 2211:tid 2230] (104)Connection reset by peer: "
        "[client 192.0.2.7:50110] mod_fcgid: error reading data from FastCGI server\n"
        "Dec  1 10:00:01 web1 apache2[2211]: [core:error] [pid 2211:tid 2230] [client 192.0.2.7:50110] "
        "End of script output before headers: index.php\n"
    ),
    "journald-iso": (
        "2026-12-01T10:00:01.120000+01:00 web1 httpd[2211]: [fcgid:warn] [pid 2211:tid 2230] (104)Connection reset "
        "by peer: [client 192.0.2.7:50110] mod_fcgid: error reading data from FastCGI server\n"
        "2026-12-01T10:00:01.120400+01:00 web1 httpd[2211]: [core:error] [pid 2211:tid 2230] "
        "[client 192.0.2.7:50110] End of script output before headers: index.php\n"
    ),
    "vhost-column": (
        "shop.example.org [Tue Dec 01 10:00:01.120000 2026] [fcgid:warn] [pid 2211:tid 2230] (104)Connection reset "
        "by peer: [client 192.0.2.7:50110] mod_fcgid: error reading data from FastCGI server\n"
        "shop.example.org [Tue Dec 01 10:00:01.120400 2026] [core:error] [pid 2211:tid 2230] "
        "[client 192.0.2.7:50110] End of script output before headers: index.php\n"
    ),
    "no-timestamps": RACE_PAIR_24,
    "bare-2.2": (
        "(104)Connection reset by peer: mod_fcgid: error reading data from FastCGI server\n"
        "Premature end of script headers: index.php\n"
    ),
    "quoted-in-prose": (
        "After the upgrade every few minutes the site gives a 500, and error_log says:\n\n"
        + "    " + RACE_PAIR_24.replace("\n", "\n    ")
        + "\nAny idea? PHP 8.2, mod_fcgid 2.3.9.\n"
    ),
    "windows": (
        "[Tue Dec 01 10:00:01.120000 2026] [fcgid:warn] [pid 4242:tid 1876] (OS 109)The pipe has been ended.  : "
        "[client 192.0.2.7:50110] mod_fcgid: get overlap result error, referer: http://shop.example.org/\n"
        "[Tue Dec 01 10:00:01.121000 2026] [core:error] [pid 4242:tid 1876] [client 192.0.2.7:50110] "
        "End of script output before headers: index.php, referer: http://shop.example.org/\n"
    ),
}


@pytest.mark.parametrize("name", sorted(EXCERPTS))
def test_pasted_race_pairs_are_read_in_every_form(name: str, write) -> None:
    path = write(f"{name}.log", EXCERPTS[name])
    assert sniff(path) == "error"
    report = analyse([path])
    (found,) = report.detections
    assert (found.kind, found.rule, found.count) == ("fcgi-read-error", "FCG001", 1)
    assert "End of script output" in found.samples[1][2] or "Premature end" in found.samples[1][2]
    assert report.warnings == []


def test_times_come_from_the_line_or_an_iso_prefix(write) -> None:
    journald = analyse([write("j.log", EXCERPTS["journald-iso"])]).detections[0]
    assert journald.first == "2026-12-01T10:00:01.120000"
    assert analyse([write("s.log", EXCERPTS["syslog"])]).detections[0].first is None  # BSD syslog has no year
    assert analyse([write("v.log", EXCERPTS["vhost-column"])]).detections[0].first == "2026-12-01T10:00:01.120000"


def test_a_perl_apps_reset_confirms_no_php_rule(write) -> None:
    text = (
        "[Thu Mar 05 09:12:10.533486 2026] [fcgid:warn] [pid 2938] (104)Connection reset by peer: "
        "[client 192.0.2.44:50766] mod_fcgid: error reading data from FastCGI server\n"
        "[Thu Mar 05 09:12:10.533504 2026] [core:error] [pid 2938] [client 192.0.2.44:50766] "
        "End of script output before headers: smokeping.fcgi\n"
    )
    (found,) = analyse([write("perl.log", text)]).detections
    assert (found.kind, found.rule) == ("fcgi-read-error", None)


_T = "[Tue Dec 01 10:00:0{} 2026]"
_C = "[core:alert] [pid 3001:tid 301{}] [client 192.0.2.8:4000{}]"
_NOT_INCLUDED = "perhaps misspelled or defined by a module not included in the server configuration"
NEW_PATTERNS = "\n".join([
    f"{_T.format('0.100000')} {_C.format(0, 0)} /srv/www/blog/.htaccess: Invalid command 'php_value', {_NOT_INCLUDED}",
    "AH00526: Syntax error on line 14 of /etc/apache2/sites-enabled/shop.conf:",
    f"Invalid command 'require_oncelocal', {_NOT_INCLUDED}",
    f"{_T.format('1.000000')} {_C.format(1, 1)} /srv/www/blog/.htaccess: php_admin_value not allowed here",
    "suexec policy violation: see suexec log for more details",
    f"{_T.format('2.000000')} [fcgid:warn] [pid 3001:tid 3012] [client 192.0.2.8:40002] mod_fcgid: stderr: "
    "PHP Warning:  file_exists(): open_basedir restriction in effect. File(/usr/share/php/Mail.php) is not within "
    "the allowed path(s): (/srv/www/blog/:/tmp/) in /srv/www/blog/lib/mail.php on line 12",
    f"{_T.format('3.000000')} [fcgid:warn] [pid 3001:tid 3013] (32)Broken pipe: [client 192.0.2.8:40003] "
    "mod_fcgid: ap_pass_brigade failed in handle_request_ipc function",
    f"{_T.format('4.000000')} [fcgid:emerg] [pid 3020:tid 3020] (13)Permission denied: [client 192.0.2.8:40004] "
    "mod_fcgid: can't get pipe mutex",
    f"{_T.format('5.000000')} [fcgid:emerg] [pid 3000:tid 3000] (17)File exists: "
    "mod_fcgid: Can't initialize shared memory or mutex",
    f"{_T.format('6.000000')} [core:error] [pid 3001:tid 3014] [client 192.0.2.8:40005] "
    "End of script output before headers: index.php",
    f"{_T.format('7.000000')} [fcgid:warn] [pid 3001:tid 3015] [client 192.0.2.8:40006] "
    "mod_fcgid: read data timeout in 40 seconds",
    f"{_T.format('7.000100')} [core:error] [pid 3001:tid 3015] [client 192.0.2.8:40006] "
    "End of script output before headers: slow.php",
]) + "\n"


def test_request_path_failures_are_named(write) -> None:
    report = analyse([write("error.log", NEW_PATTERNS)])
    counts = {(d.kind, d.rule): d.count for d in report.detections}
    assert counts == {
        ("php-directive-without-mod-php", "FCG018"): 2,
        ("invalid-command", "FCG030"): 1,
        ("suexec-policy-violation", "FCG033"): 1,
        ("open-basedir-restriction", "FCG032"): 1,
        ("response-write-failed", None): 1,
        ("ipc-setup-failure", None): 2,
        ("script-ended-without-headers", None): 1,  # the one after the timeout is the timeout's
        ("io-timeout", "FCG003"): 1,
    }
    alone = next(d for d in report.detections if d.kind == "script-ended-without-headers")
    assert alone.samples[0][1] == 10


OTHER_STACKS = "\n".join([
    "[Tue Dec 01 11:00:00.000000 2026] [proxy_fcgi:error] [pid 5001:tid 5002] [client 192.0.2.3:41000] "
    "AH01071: Got error 'Primary script unknown'",
    "[Tue Dec 01 11:00:01.000000 2026] [proxy:error] [pid 5001:tid 5003] (111)Connection refused: "
    "AH00957: FCGI: attempt to connect to 127.0.0.1:9000 (*) failed",
    "[Tue Dec 01 11:00:02 2026] [error] [client 192.0.2.3] FastCGI: comm with server "
    '"/usr/lib/cgi-bin/php5-fcgi" aborted: idle timeout (30 sec)',
    '[:warn] [pid 5100:tid 5100] FastCGI: (dynamic) server "/var/www/cgi-bin/app.fcgi" started (pid 5101)',
    "[01-Dec-2026 11:00:03] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it",
]) + "\n"


def test_other_fastcgi_stacks_are_named_as_not_mod_fcgid(write) -> None:
    report = analyse([write("error.log", OTHER_STACKS)])
    counts = {(d.kind, d.rule): d.count for d in report.detections}
    assert counts == {
        ("not-mod_fcgid:proxy_fcgi", None): 2,
        ("not-mod_fcgid:mod_fastcgi", None): 2,
        ("not-mod_fcgid:php-fpm", None): 1,
    }


def test_suexec_log_refusals(write) -> None:
    text = (
        "[2026-12-01 10:00:00]: uid: (5001/web1) gid: (5001/client1) cmd: .php-fcgi-starter\n"
        "[2026-12-01 10:00:00]: target uid/gid (5001/5001) mismatch with directory (5001/5001) or program (0/0)\n"
        "[2026-12-01 10:05:00]: uid: (5001/web1) gid: (5001/client1) cmd: php-fcgi-starter\n"
        "[2026-12-01 10:05:00]: command not in docroot (/srv/fcgi/web1/php-fcgi-starter)\n"
    )
    report = analyse([write("suexec.log", text)])
    (found,) = report.detections
    assert (found.kind, found.count, found.first, found.rule) == ("suexec-policy-violation", 2, "2026-12-01T10:00:00",
                                                                  "FCG033")


def test_a_clean_log_says_what_was_read(write) -> None:
    path = write("error.log", "[Tue Dec 01 10:00:00.1 2026] [mpm_event:notice] [pid 1:tid 1] AH00489: configured\n")
    result = runner.invoke(app, ["trace", str(path)])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"no FastCGI failure patterns found in {path} (error)")


def test_nothing_recognised_exits_2_and_says_so(write) -> None:
    prose = write("notes.txt", "the site is down since the update\nplease help\n")
    result = runner.invoke(app, ["trace", str(prose)])
    assert result.exit_code == 2
    assert "nothing recognised" in result.stderr and "suEXEC log" in result.stderr
    mixed = runner.invoke(app, ["trace", str(prose), str(write("e.log", RACE_PAIR_24))])
    assert mixed.exit_code == 1 and "notes.txt: not strace output" in mixed.stdout


@given(
    prefix=st.text(alphabet=st.characters(blacklist_characters="[\r\n", blacklist_categories=("Cs",)), max_size=60),
    line=st.sampled_from(NEW_PATTERNS.splitlines() + RACE_PAIR_24.splitlines()),
)
def test_any_short_prefix_leaves_the_message_as_it_was(prefix: str, line: str) -> None:
    """A syslog tag, a vhost column or any other short text before the httpd part changes nothing.

    A prefix ending in a path and a colon is excluded: ``/srv/site/.htaccess: Invalid command ...`` is how
    httpd itself names the file of a bad line, so that word belongs to the message.
    """
    assume(not re.search(r"[/.]\S*:$", prefix))
    plain = parse_error_line(1, line)
    prefixed = parse_error_line(1, f"{prefix} {line}" if prefix else line)
    assert plain is not None and prefixed is not None
    assert (prefixed.msg, prefixed.pid, prefixed.level) == (plain.msg, plain.pid, plain.level)


def test_check_evidence_attaches_a_pasted_php_value_failure_to_fcg018(write) -> None:
    htaccess = write(".htaccess", "php_value upload_max_filesize 64M\n")
    log = write("error.log", NEW_PATTERNS.splitlines()[0] + "\n")
    result = runner.invoke(app, ["check", "--format", "json", "--evidence", str(log), str(htaccess)])
    (finding,) = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "FCG018"]
    assert finding["evidence"][0].startswith("1 'Invalid command' for a mod_php directive")
