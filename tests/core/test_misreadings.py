"""Real-world lines httpd accepts but reads differently from what their authors meant.

Each input is a minimal line of the kind seen in published set-ups; the differential
tests check httpd's acceptance of the same lines where httpd is installed.
"""

from __future__ import annotations

from pathlib import Path

from fcgilint.findings import Finding, Severity
from fcgilint.load.apache_tree import LoadOptions
from fcgilint.model import environ_entry
from fcgilint.pipeline import analyse
from tests.conftest import write_tree


def _findings(tmp_path: Path, text: str, rule: str) -> list[Finding]:
    conf = tmp_path / "fcgid.conf"
    conf.write_text(text, encoding="utf-8")
    return [f for f in analyse(conf, LoadOptions()).findings if f.rule == rule]


def test_words_after_hash_on_addhandler_are_a_warning_naming_the_extensions(tmp_path: Path) -> None:
    (found,) = _findings(
        tmp_path, "AddHandler fcgid-script .fcgi # you can put whatever extension you want\n", "FCG007"
    )
    assert found.severity is Severity.WARNING
    assert (
        "maps the extensions '#', 'you', 'can', 'put', 'whatever', 'extension', 'want' to fcgid-script" in found.message
    )
    assert "refuse" not in found.message
    assert found.fix is not None and found.fix.safe


def test_words_after_hash_beyond_the_arity_are_an_error(tmp_path: Path) -> None:
    found = _findings(
        tmp_path, "SetHandler fcgid-script # php\nFcgidMaxRequestsPerProcess 500 # keep in sync\n", "FCG007"
    )
    assert [(f.location.line, f.severity) for f in found] == [(1, Severity.ERROR), (2, Severity.ERROR)]
    assert all("httpd refuses to start" in f.message for f in found)


def test_words_after_hash_within_the_arity_are_read_as_a_value(tmp_path: Path) -> None:
    (found,) = _findings(tmp_path, "FcgidInitialEnv PHP_FCGI_MAX_REQUESTS #500\n", "FCG007")
    assert found.severity is Severity.WARNING and "reads '#500' as more arguments of FcgidInitialEnv" in found.message


def test_section_opener_with_the_quote_after_the_bracket_is_no_error(tmp_path: Path) -> None:
    text = '<Files ~ "\\.php$>"\n    SetHandler fcgid-script\n</Files>\n'
    assert _findings(tmp_path, text, "FCG007") == []


def test_initialenv_name_equals_value_is_read_as_httpd_builds_the_environment(tmp_path: Path) -> None:
    conf = tmp_path / "fcgid.conf"
    conf.write_text(
        "FcgidInitialEnv PHP_FCGI_MAX_REQUESTS=1000\nFcgidWrapper /usr/bin/php-cgi .php\n", encoding="utf-8"
    )
    result = analyse(conf, LoadOptions())
    (pc,) = result.model.classes
    limit = pc.values["PHP_FCGI_MAX_REQUESTS"]
    assert (limit.raw, limit.number) == ("1000=", 1000)  # atoi("1000=") is 1000
    (misread,) = [f for f in result.findings if f.rule == "FCG007"]
    assert misread.severity is Severity.WARNING and misread.location.line == 1
    assert "variable named 'PHP_FCGI_MAX_REQUESTS=1000' with an empty value" in misread.message
    assert "FCG010" not in {f.rule for f in result.findings}  # one root cause, one finding
    assert misread.fix is not None and misread.fix.safe
    (edit,) = misread.fix.edits
    text = conf.read_text()
    assert text[: edit.start] + edit.replacement + text[edit.end :] == (
        "FcgidInitialEnv PHP_FCGI_MAX_REQUESTS 1000\nFcgidWrapper /usr/bin/php-cgi .php\n")


def test_environ_entry_follows_ap_create_environment() -> None:
    assert environ_entry("PHPRC=/etc/php/", "") == ("PHPRC", "/etc/php/=")
    assert environ_entry("9X-Y", "z") == ("_X_Y", "z")
    assert environ_entry("PHP_FCGI_CHILDREN", "0") == ("PHP_FCGI_CHILDREN", "0")


ISPCONFIG = """<Directory {tmpl_var name='web_basedir'}/{tmpl_var name='domain'}>
    AllowOverride None
</Directory>
<VirtualHost {tmpl_var name='ip_address'}:{tmpl_var name='port'}>
    ServerName <tmpl_var name="domain">
    FcgidMaxRequestsPerProcess {tmpl_var name='fastcgi_max_requests'}
    FcgidMaxRequestLen <tmpl_var name="fastcgi_max_request_len">
    <Directory /var/www>
        Options +ExecCGI
        FcgidWrapper /var/www/php-fcgi-scripts/php-fcgi-starter .php
    </Directory>
</VirtualHost>
"""


def _ispconfig(tmp_path: Path, values: tuple[tuple[str, str], ...]) -> list[Finding]:
    write_tree(
        tmp_path,
        {
            "etc/apache2/sites/vhost.conf": ISPCONFIG,
            "var/www/php-fcgi-scripts/php-fcgi-starter": "#!/bin/sh\nexport PHP_FCGI_MAX_REQUESTS=5000\nexec /usr/bin/"
                                                         "php-cgi\n",
        },
    )
    return analyse(tmp_path / "etc/apache2/sites/vhost.conf", LoadOptions(root=tmp_path, placeholders=values)).findings


def test_ispconfig_tmpl_var_in_braces_and_brackets_is_an_unknown_value(tmp_path: Path) -> None:
    rules = {f.rule for f in _ispconfig(tmp_path, ())}
    assert not rules & {"FCG001", "FCG005", "FCG007"}, rules  # neither "takes 1 argument" nor atol('{tmpl_var') = 0


def test_set_fills_both_tmpl_var_spellings(tmp_path: Path) -> None:
    found = _ispconfig(tmp_path, (("fastcgi_max_requests", "6000"), ("fastcgi_max_request_len", "1000")))
    by_rule = {f.rule: f for f in found}
    assert "FcgidMaxRequestsPerProcess is 6000" in by_rule["FCG001"].message
    assert "FcgidMaxRequestLen is 1000 bytes" in by_rule["FCG005"].message
    assert "FCG007" not in by_rule
    config = "etc/apache2/sites/vhost.conf"
    assert not [e for f in found if f.fix for e in f.fix.edits if e.file.endswith(config)]  # the tag stays the panel's
