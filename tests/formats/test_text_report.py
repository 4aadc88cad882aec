"""The text report as people read it: one line per finding, details on -v, and the switches around it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.formats.helpers import chdir, invoke, make_repo

WRAPPER = "#!/bin/sh\nexec /usr/bin/php-cgi\n"
SITES = {
    "etc/apache2/apache2.conf": "FcgidConnectTimeout 20\nIncludeOptional sites-enabled/*.conf\n",
    "etc/apache2/sites-enabled/shop.conf": "<VirtualHost *:80>\n    ServerName shop.example.org\n"
    "    FcgidWrapper /usr/local/bin/php-wrapper .php\n</VirtualHost>\n",
    "etc/apache2/sites-enabled/blog.conf": "<VirtualHost *:80>\n    ServerName blog.example.org\n    "
                                           "FcgidMaxRequestsPerProcess 500\n"
    "    FcgidWrapper /usr/local/bin/php-wrapper .php\n    MaxRequestLen 200\n</VirtualHost>\n",
    "usr/local/bin/php-wrapper": WRAPPER,
}
CHECK = [
    "check",
    "--root",
    ".",
    "etc/apache2/apache2.conf",
    "--select",
    "FCG001",
    "--select",
    "FCG006",
    "--select",
    "FCG013",
]
HEAD = re.compile(r"^etc/apache2/\S+:\d+: (error|warning|info) FCG\d{3} [a-z-]+: ")


def sites(tmp_path: Path) -> Path:
    return make_repo(tmp_path, SITES)


def test_default_is_one_line_per_finding_and_a_summary(tmp_path: Path) -> None:
    with chdir(sites(tmp_path)):
        out = invoke(CHECK)
    lines = out.stdout.splitlines()
    assert out.code == 1 and len(lines) == 4, out.stdout
    assert all(HEAD.match(line) for line in lines[:3])
    assert lines[-1] == "3 findings (1 error, 2 infos). 2 fixable with `fcgilint fix`."


def test_verbose_adds_related_places_provenance_fix_and_the_line(tmp_path: Path) -> None:
    with chdir(sites(tmp_path)):
        for flag in ("-v", "--show-provenance", "--verbose"):
            out = invoke([*CHECK, flag]).stdout
            assert "    provenance:" in out and "    related: " in out and "    fix: " in out, flag
            assert re.search(r"^\s+3 \|     FcgidWrapper /usr/local/bin/php-wrapper \.php$", out, re.M)


def test_quiet_prints_the_findings_only_and_nothing_when_clean(tmp_path: Path) -> None:
    with chdir(sites(tmp_path)):
        out = invoke([*CHECK, "--quiet"]).stdout.splitlines()
        assert len(out) == 3 and all(HEAD.match(line) for line in out)
        clean = invoke(["check", "--root", ".", "etc/apache2/apache2.conf", "--select", "FCG002", "-q"])
    assert clean.code == 0 and clean.stdout == ""


def test_statistics_counts_per_rule(tmp_path: Path) -> None:
    with chdir(sites(tmp_path)):
        out = invoke([*CHECK, "--statistics"]).stdout.splitlines()
    assert out[:3] == [
        "1  FCG001  request-limit-race  error  [1 fixable]",
        "1  FCG006  legacy-directive-name  info  [1 fixable]",
        "1  FCG013  connect-timeout-no-effect  info",
    ]


def test_group_by_vhost_and_by_file(tmp_path: Path) -> None:
    with chdir(sites(tmp_path)):
        by_vhost = invoke([*CHECK, "--group-by", "vhost", "-q"]).stdout.splitlines()
        by_file = invoke([*CHECK, "--group-by", "file", "-q"]).stdout.splitlines()
    assert [line for line in by_vhost if not line.startswith("  ")] == [
        "the main server",
        "blog.example.org",
        "shop.example.org",
    ]
    shop = by_vhost.index("shop.example.org")
    assert by_vhost[shop + 1].startswith("  etc/apache2/sites-enabled/shop.conf:3: error FCG001 ")
    assert "etc/apache2/sites-enabled/blog.conf" in by_file and "  5: info FCG006 legacy-directive-name: " in "\n".join(
        by_file
    )


def test_output_file_and_colour_switches(tmp_path: Path) -> None:
    with chdir(sites(tmp_path)):
        written = invoke([*CHECK, "--output-file", "report.txt", "--color", "always"])
        assert written.code == 1 and written.stdout == ""
        assert "\x1b[1;31merror\x1b[0m" in Path("report.txt").read_text()
        sarif = invoke([*CHECK, "--format", "sarif", "-o", "report.sarif"])
        assert sarif.stdout == "" and Path("report.sarif").read_text().lstrip().startswith("{")
        assert "\x1b[" not in invoke([*CHECK, "--color", "never"], env={"FORCE_COLOR": "1"}).stdout
        assert "\x1b[" in invoke([*CHECK, "--color", "always"], env={"NO_COLOR": "1"}).stdout  # the flag wins
        assert "\x1b[" not in invoke(CHECK, env={"NO_COLOR": "1", "FORCE_COLOR": "1"}).stdout
        bad = invoke([*CHECK, "--color", "sometimes"])
        assert bad.code == 2 and "--color sometimes: use auto, always, never" in bad.stderr
        unwritable = invoke([*CHECK, "-o", "no/such/dir/report.txt"])
        assert unwritable.code == 2 and "--output-file no/such/dir/report.txt: cannot write" in unwritable.stderr


def test_fix_lists_what_remains_one_line_each(tmp_path: Path) -> None:
    with chdir(sites(tmp_path)):
        out = invoke(
            ["fix", "--root", ".", "etc/apache2/apache2.conf", "--select", "FCG001", "--select", "FCG013"]
        ).stdout
        assert "fixed FCG001 etc/apache2/sites-enabled/shop.conf:3: " in out and "    because: " not in out
        remaining = out[out.index("remaining:"):].splitlines()[1:]
        assert HEAD.match(remaining[0]) and "FCG013" in remaining[0] and not remaining[1].startswith("    ")


def test_the_php_ini_step_reads_as_a_sentence(tmp_path: Path) -> None:
    with chdir(sites(tmp_path)):
        out = invoke(["check", "--root", ".", "etc/apache2/apache2.conf", "--select", "FCG005", "-v"]).stdout
    steps = [line.strip() for line in out.splitlines() if "php.ini" in line and line.startswith("      ")]
    assert (
        "post_max_size: no php.ini found (no -c, no PHPRC, no /etc/php/*/cgi/php.ini): PHP's built-in defaults apply"
        in steps
    )
    assert "chosen by" not in out
