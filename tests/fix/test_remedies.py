"""What each remedy writes, and where: the narrowest place, the siblings' indentation, the right value."""

from __future__ import annotations

from pathlib import Path

from tests.fix.fix_support import RULES, fix

from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import analyse

WRAPPER_500 = "#!/bin/sh\nexport PHP_FCGI_MAX_REQUESTS=500\nexec /usr/bin/php-cgi\n"


def findings(path: Path, rule: str) -> list:
    return [f for f in analyse(path, LoadOptions(), RULES).findings if f.rule == rule]


def test_fcg001_inserts_in_the_vhost_with_sibling_indentation(tree) -> None:
    base = tree(
        {
            "httpd.conf": "<VirtualHost *:80>\n\tServerName a.example\n\t<Directory /srv>\n\t\tFcgidWrapper /opt/w ."
                          "php\n\t</Directory>\n</VirtualHost>\n",
            "opt/w": WRAPPER_500,
        }
    )
    conf = base / "httpd.conf"
    conf.write_text(conf.read_text().replace("/opt/w", str(base / "opt/w")))
    outcome = fix(conf)
    assert [a.finding.rule for a in outcome.applied] == ["FCG001"]
    assert conf.read_text().endswith("\t</Directory>\n\tFcgidMaxRequestsPerProcess 500\n</VirtualHost>\n")
    assert not findings(conf, "FCG001")


def test_fcg001_edits_the_directive_in_force(tree) -> None:
    base = tree(
        {
            "httpd.conf": 'FcgidMaxRequestsPerProcess 10000\n<Files ~ "\\.php$">\n    FcgidWrapper /usr/bin/php-cgi .'
                          'php\n</Files>\n'
        }
    )
    conf = base / "httpd.conf"
    fix(conf)
    assert conf.read_text().startswith("FcgidMaxRequestsPerProcess 500\n")


def test_fcg001_main_server_goes_into_the_ifmodule_block(tree) -> None:
    base = tree({
        "httpd.conf": "Include fcgid.conf\n<Files ~ \"\\.php$\">\n  FcgidWrapper /usr/bin/php-cgi .php\n</Files>\n",
        "fcgid.conf": "<IfModule mod_fcgid.c>\r\n  FcgidIOTimeout 60\r\n</IfModule>\r\n",
    })
    conf = base / "httpd.conf"
    conf.write_text(conf.read_text().replace("Include fcgid.conf", f"Include {base / 'fcgid.conf'}"))
    fix(conf)
    assert (
        (base / "fcgid.conf").read_bytes()
        == b"<IfModule mod_fcgid.c>\r\n  FcgidIOTimeout 60\r\n  FcgidMaxRequestsPerProcess 500\r\n</IfModule>\r\n"
    )


def test_fcg001_main_server_without_fcgid_block_goes_after_the_wrapper_scope(tree) -> None:
    base = tree({"httpd.conf": "ServerName x\n<Files ~ \"\\.php$\">\n  FcgidWrapper /usr/bin/php-cgi .php\n</Files>"})
    conf = base / "httpd.conf"
    fix(conf)
    assert (
        conf.read_text()
        == 'ServerName x\n<Files ~ "\\.php$">\n  FcgidWrapper /usr/bin/php-cgi .php\n</Files>\n'
           'FcgidMaxRequestsPerProcess 500'
    )


def test_fcg001_shared_scope_takes_the_smallest_and_says_why(tree) -> None:
    base = tree({"a": WRAPPER_500, "b": WRAPPER_500.replace("500", "200")})
    (base / "httpd.conf").write_text(
        f"<VirtualHost *:80>\n    FcgidWrapper {base / 'a'} .php\n    FcgidWrapper {base / 'b'} .php5\n</VirtualHost>\n"
    )
    conf = base / "httpd.conf"
    hits = findings(conf, "FCG001")
    assert len(hits) == 2 and all(h.fix is not None for h in hits)
    assert "200 is the smallest value" in hits[0].fix.description
    fix(conf)
    assert "    FcgidMaxRequestsPerProcess 200\n</VirtualHost>" in conf.read_text()
    assert not findings(conf, "FCG001")


def test_fcg001_cmd_options_get_the_option(tree) -> None:
    base = tree({"w": WRAPPER_500})
    conf = base / "httpd.conf"
    conf.write_text(f"FcgidCmdOptions {base / 'w'} IOTimeout 60\nFcgidWrapper {base / 'w'} .php\n")
    fix(conf)
    assert conf.read_text().startswith(f"FcgidCmdOptions {base / 'w'} IOTimeout 60 MaxRequestsPerProcess 500\n")


def test_fcg001_unsafe_alternative_when_the_directive_is_a_variable(tree) -> None:
    base = tree({"w": WRAPPER_500})
    conf = base / "httpd.conf"
    conf.write_text(f"Define LIMIT 1000\nFcgidMaxRequestsPerProcess ${{LIMIT}}\nFcgidWrapper {base / 'w'} .php\n")
    (hit,) = findings(conf, "FCG001")
    assert hit.fix is not None and not hit.fix.safe
    assert fix(conf).applied == []
    fix(conf, unsafe=True)
    assert (base / "w").read_text() == WRAPPER_500.replace("=500", "=1000")
    assert not findings(conf, "FCG001")


def test_fcg002_in_wrapper_and_initial_env(tree) -> None:
    base = tree(
        {
            "w": "#!/bin/sh\nPHP_FCGI_CHILDREN=8   # forks\nexport PHP_FCGI_CHILDREN\nexport PHP_FCGI_MAX_"
                 "REQUESTS=500\nexec php-cgi\n"
        }
    )
    conf = base / "httpd.conf"
    conf.write_text(f"FcgidMaxRequestsPerProcess 500\nFcgidWrapper {base / 'w'} .php\n")
    fix(conf)
    assert (base / "w").read_text().splitlines()[1] == "PHP_FCGI_CHILDREN=0   # forks"
    conf.write_text(
        'FcgidInitialEnv PHP_FCGI_CHILDREN "4"\nFcgidMaxRequestsPerProcess 500\nFcgidWrapper /usr/bin/php-cgi .php\n'
    )
    fix(conf)
    assert conf.read_text().splitlines()[0] == "FcgidInitialEnv PHP_FCGI_CHILDREN 0"
    assert not findings(conf, "FCG002")


def test_limits_raised_only_with_unsafe_fixes(tree) -> None:
    base = tree({
        "w": "#!/bin/sh\nexport PHP_FCGI_MAX_REQUESTS=500\nexec /usr/bin/php-cgi -c /opt/php.ini\n",
        "opt/php.ini": "[PHP]\nmax_execution_time = 600\npost_max_size = 20M\n",
    })
    conf = base / "httpd.conf"
    ini = base / "opt/php.ini"
    (base / "w").write_text((base / "w").read_text().replace("/opt/php.ini", str(ini)))
    conf.write_text(f"FcgidMaxRequestsPerProcess 500\nFcgidIOTimeout 20\nFcgidWrapper {base / 'w'} .php\n")
    before = conf.read_bytes()
    outcome = fix(conf)
    assert outcome.applied == [] and conf.read_bytes() == before
    assert {f.rule for f in outcome.remaining if f.fix is not None and not f.fix.safe} >= {"FCG003", "FCG004", "FCG005"}
    outcome = fix(conf, unsafe=True)
    text = conf.read_text()
    # max_execution_time 600 s of CPU time: 25 % more; the larger body limit (20M) plus 1 MiB of multipart room
    assert (
        "FcgidIOTimeout 750\n" in text
        and "FcgidBusyTimeout 750\n" in text
        and f"FcgidMaxRequestLen {21 * 1024 * 1024}\n" in text
    )
    assert not {f.rule for f in outcome.remaining} & {"FCG003", "FCG004", "FCG005"}



def test_timeout_margin_is_a_quarter_and_at_least_ten_seconds() -> None:
    from fcgilint.checks.remedies import io_timeout_for

    assert [io_timeout_for(s) for s in (1, 30, 40, 60, 600)] == [11, 40, 50, 75, 750]
