"""Process classes for PHP that mod_fcgid runs without an FcgidWrapper: the program an Action reaches.

mod_fcgid keys such a class by the requested file itself (mod_fcgid.c L252-268, fcgid_bridge.c L59-63),
so the class is the program file, per vhost, and only where the vhost's PHP route really reaches it.
"""

from __future__ import annotations

from pathlib import Path

from fcgilint import overview
from fcgilint.formats import render
from fcgilint.report import Overview
from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import analyse

RACES = "#!/bin/sh\nPHP_FCGI_MAX_REQUESTS=20\nexport PHP_FCGI_MAX_REQUESTS\nexec /usr/bin/php-cgi\n"
NOT_PHP = "#!/bin/sh\nexec /usr/bin/python3 /srv/app/server.py\n"
MAIN = "ServerRoot /etc/apache2\nInclude sites/*.conf\n"


def _vhost(name: str, body: str) -> str:
    return f"<VirtualHost *:80>\n    ServerName {name}\n    DocumentRoot /srv/{name}/www\n{body}</VirtualHost>\n"


SCRIPT_ALIAS = (
    "    ScriptAlias /fcgi-bin/ /srv/{name}/fcgi/\n"
    "    <Directory /srv/{name}/fcgi>\n        SetHandler fcgid-script\n        Options +ExecCGI\n    </Directory>\n"
    "    <Directory /srv/{name}/www>\n        AddHandler php-fcgi .php\n        Action php-fcgi /fcgi-bin/php-wrapper\n"
    "    </Directory>\n"
)


def _analyse(tree, files: dict[str, str]):
    base: Path = tree(files)
    return analyse(base / "etc/apache2/apache2.conf", LoadOptions(root=base))


def _site(name: str, extra: str = "", route: str = SCRIPT_ALIAS) -> str:
    return _vhost(name, extra + route.format(name=name))


def test_an_action_to_a_scriptaliased_fcgid_script_is_a_class_of_its_vhost(tree) -> None:
    result = _analyse(tree, {
        "etc/apache2/apache2.conf": MAIN,
        "etc/apache2/sites/a.conf": _site("a.example"),
        "srv/a.example/fcgi/php-wrapper": RACES,
    })
    (pc,) = result.model.classes
    assert pc.kind == "action" and pc.is_php and pc.vhost is not None and pc.vhost.server_name == "a.example"
    assert pc.command == "/srv/a.example/fcgi/php-wrapper"
    assert pc.directive is not None and pc.directive.name == "Action" and pc.directive.location.line == 11
    lines = [(step.location.line if step.location else None, step.text.split()[0]) for step in pc.origin]
    assert lines == [(10, "AddHandler"), (11, "Action"), (4, "ScriptAlias"), (6, "SetHandler")]
    assert pc.values["PHP_FCGI_MAX_REQUESTS"].number == 20
    (race,) = [f for f in result.findings if f.rule == "FCG001"]
    assert race.vhosts == ["a.example"] and race.location.line == 11
    assert race.fix is not None and race.fix.edits[0].file.endswith("sites/a.conf")


def test_each_vhost_gets_its_own_class_and_only_the_uncovered_one_races(tree) -> None:
    result = _analyse(tree, {
        "etc/apache2/apache2.conf": MAIN,
        "etc/apache2/sites/a.conf": _site("a.example"),
        "etc/apache2/sites/b.conf": _site("b.example", "    FcgidMaxRequestsPerProcess 20\n"),
        "srv/a.example/fcgi/php-wrapper": RACES,
        "srv/b.example/fcgi/php-wrapper": RACES,
    })
    names = sorted(pc.vhost.server_name for pc in result.model.classes if pc.vhost is not None)
    assert names == ["a.example", "b.example"] and all(pc.kind == "action" for pc in result.model.classes)
    assert [f.vhosts for f in result.findings if f.rule == "FCG001"] == [["a.example"]]


CGI_BIN = (
    "    ScriptAlias /cgi-bin/ /srv/{name}/cgi-bin/\n"
    "    AddHandler fcgid-script .fcgi\n"
    "    AddType application/x-httpd-php .php\n"
    "    Action application/x-httpd-php /cgi-bin/php.fcgi\n"
)


def test_an_action_to_a_fcgi_file_handled_by_its_extension_is_a_class(tree) -> None:
    result = _analyse(tree, {
        "etc/apache2/apache2.conf": MAIN,
        "etc/apache2/sites/a.conf": _site("a.example", "    AddHandler application/x-httpd-php .php\n", CGI_BIN),
        "srv/a.example/cgi-bin/php.fcgi": RACES,
    })
    (pc,) = result.model.classes
    assert pc.kind == "action" and pc.command == "/srv/a.example/cgi-bin/php.fcgi"
    assert pc.origin[-1].text.startswith("AddHandler fcgid-script .fcgi applies to php.fcgi")
    assert [f.vhosts for f in result.findings if f.rule == "FCG001"] == [["a.example"]]


FILES_SECTION = (
    "    Alias /php/ /opt/php/\n"
    "    <Directory /opt/php>\n        Options +ExecCGI\n"
    "        <Files php-starter>\n            SetHandler fcgid-script\n        </Files>\n    </Directory>\n"
    "    AddHandler php-script .php\n    Action php-script /php/php-starter\n"
)


def test_an_action_to_a_file_with_its_own_sethandler_is_a_class(tree) -> None:
    result = _analyse(tree, {
        "etc/apache2/apache2.conf": MAIN,
        "etc/apache2/sites/a.conf": _site("a.example", route=FILES_SECTION),
        "opt/php/php-starter": RACES,
    })
    (pc,) = result.model.classes
    assert pc.command == "/opt/php/php-starter" and pc.origin[2].text.startswith("Alias /php/ maps")


def test_an_action_to_plain_cgi_or_to_a_wrapped_file_adds_no_program_class(tree) -> None:
    plain_cgi = "    ScriptAlias /cgi-bin/ /srv/{name}/cgi-bin/\n    AddHandler php-cgi .php\n" \
                "    Action php-cgi /cgi-bin/php\n"
    wrapped = SCRIPT_ALIAS + "    FcgidWrapper /usr/local/bin/php-wrapper\n"
    result = _analyse(tree, {
        "etc/apache2/apache2.conf": MAIN,
        "etc/apache2/sites/a.conf": _site("a.example", route=plain_cgi),  # mod_cgi runs it: no FastCGI class
        "etc/apache2/sites/b.conf": _site("b.example", route=wrapped),  # the wrapper is what mod_fcgid starts
        "srv/a.example/cgi-bin/php": RACES,
        "usr/local/bin/php-wrapper": RACES,
    })
    assert [(pc.kind, pc.command) for pc in result.model.classes] == [("wrapper", "/usr/local/bin/php-wrapper")]


def test_fcgidcmdoptions_applies_to_the_program_an_action_reaches_and_is_not_dead(tree) -> None:
    options = "    FcgidCmdOptions /srv/a.example/fcgi/php-wrapper MaxRequestsPerProcess 20\n" \
              "    FcgidCmdOptions /srv/a.example/fcgi/other MaxRequestsPerProcess 20\n"
    result = _analyse(tree, {
        "etc/apache2/apache2.conf": MAIN,
        "etc/apache2/sites/a.conf": _site("a.example", options),
        "srv/a.example/fcgi/php-wrapper": RACES,
    })
    (pc,) = result.model.classes
    assert pc.cmd_options is not None and pc.cmd_options.location.line == 4
    assert pc.values["FcgidMaxRequestsPerProcess"].decided_by == "FcgidCmdOptions"
    assert not [f for f in result.findings if f.rule == "FCG001"]
    # the second line names a file in the fcgid-script directory: it may be requested directly, so not dead
    assert not [f for f in result.findings if f.rule == "FCG031"]


def test_a_program_that_is_not_php_or_missing_is_said_not_guessed(tree) -> None:
    result = _analyse(tree, {
        "etc/apache2/apache2.conf": MAIN,
        "etc/apache2/sites/a.conf": _site("a.example"),
        "etc/apache2/sites/b.conf": _site("b.example"),
        "srv/a.example/fcgi/php-wrapper": NOT_PHP,
    })
    by_vhost = {pc.vhost.server_name: pc for pc in result.model.classes if pc.vhost is not None}
    assert not by_vhost["a.example"].is_php  # it execs python3: a class, but no PHP rule judges it
    assert not by_vhost["b.example"].is_php and by_vhost["b.example"].script is None
    assert any("/srv/b.example/fcgi/php-wrapper that this Action reaches is missing" in why
               for _rule, why in result.model.unchecked)


def test_show_says_how_the_class_is_started_and_the_route_to_it(tree) -> None:
    result = _analyse(tree, {
        "etc/apache2/apache2.conf": MAIN,
        "etc/apache2/sites/a.conf": _site("a.example"),
        "srv/a.example/fcgi/php-wrapper": RACES,
    })
    text = render("text", Overview(overview.build(result.model)))
    assert "process class /srv/a.example/fcgi/php-wrapper" in text
    assert "started as                  the file an Action reaches, run by mod_fcgid itself" in text
    assert "ScriptAlias /fcgi-bin/ maps /fcgi-bin/php-wrapper to /srv/a.example/fcgi/php-wrapper" in text


def test_a_vhost_whose_php_goes_to_an_action_inherits_no_main_server_wrapper(tree) -> None:
    main = "ServerRoot /etc/apache2\nFcgidWrapper /usr/local/bin/php-wrapper .php\nInclude sites/*.conf\n"
    result = _analyse(tree, {
        "etc/apache2/apache2.conf": main,
        "etc/apache2/sites/a.conf": _site("a.example"),
        "etc/apache2/sites/b.conf": _vhost("b.example", "    AddHandler fcgid-script .php\n"),
        "srv/a.example/fcgi/php-wrapper": RACES,
        "usr/local/bin/php-wrapper": RACES,
    })
    scopes = sorted((pc.kind, pc.vhost.server_name if pc.vhost else "") for pc in result.model.classes)
    assert scopes == [("action", "a.example"), ("wrapper", ""), ("wrapper", "b.example")]


ALIASED_NO_EXECCGI = (
    "    Alias /php/ /opt/php/\n"
    "    <Directory /opt/php>\n        SetHandler fcgid-script\n    </Directory>\n"
    "    AddHandler php-script .php\n    Action php-script /php/php-starter\n"
)


def test_an_action_program_outside_scriptalias_needs_execcgi_in_its_own_directory(tree) -> None:
    result = _analyse(tree, {
        "etc/apache2/apache2.conf": MAIN,
        "etc/apache2/sites/a.conf": _site("a.example", route=ALIASED_NO_EXECCGI),  # Alias: ExecCGI needed, absent
        # ScriptAlias: mod_fcgid needs no ExecCGI there
        "etc/apache2/sites/b.conf": _site("b.example", route=SCRIPT_ALIAS.replace("        Options +ExecCGI\n", "")),
        "opt/php/php-starter": RACES,
        "srv/b.example/fcgi/php-wrapper": RACES,
    })
    (denied,) = [f for f in result.findings if f.rule == "FCG017"]
    assert denied.location.file.endswith("sites/a.conf") and denied.location.line == 9  # the Action line
    assert "Options for <Directory /opt/php> do not include ExecCGI" in denied.message
