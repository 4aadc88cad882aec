"""AllowOverride and AllowOverrideList per directive, as httpd 2.4 applies them to a .htaccess.

Each case below was run on the real server (Apache 2.4 + mod_fcgid): a line neither allows is a 500
"NAME not allowed here" for every request of the directory; Nonfatal=Override skips it instead;
AllowOverrideList does not admit a directive no .htaccess may hold; the two directives are
independent, whatever their order.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fcgilint.findings import Severity
from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import analyse

WRAPPER = "#!/bin/sh\nPHP_FCGI_MAX_REQUESTS=20\nexport PHP_FCGI_MAX_REQUESTS\nexec /usr/bin/php-cgi\n"


def _analyse(tree, overrides: str, htaccess: str):
    base: Path = tree({
        "etc/apache2/apache2.conf": "ServerRoot /etc/apache2\n<VirtualHost *:80>\n    ServerName a.example\n"
        f"    DocumentRoot /srv/a\n    <Directory /srv/a>\n{overrides}    </Directory>\n</VirtualHost>\n",
        "srv/a/.htaccess": htaccess,
        "usr/local/bin/php-wrapper": WRAPPER,
    })
    return analyse(base / "etc/apache2/apache2.conf", LoadOptions(root=base))


WRAP = "FcgidWrapper /usr/local/bin/php-wrapper .php\n"
HANDLER = "AddHandler fcgid-script .php\n"


def _refused(result) -> list[tuple[int, Severity, str]]:
    return [(f.location.line, f.severity, f.message) for f in result.findings
            if f.rule == "FCG007" and f.location.file.endswith(".htaccess")]


def test_a_line_allowoverridelist_does_not_name_is_a_500_and_the_file_never_applies(tree) -> None:
    result = _analyse(tree, "        AllowOverride None\n        AllowOverrideList FcgidWrapper\n", WRAP + HANDLER)
    assert result.model.classes == []  # every request is a 500: the wrapper never runs
    ((line, severity, message),) = _refused(result)
    assert line == 2 and severity is Severity.ERROR
    assert message.startswith("AddHandler not allowed here: AllowOverride None (")
    assert "does not include FileInfo, and AllowOverrideList FcgidWrapper (" in message
    assert "name it in that directory's AllowOverrideList" in message


@pytest.mark.parametrize("overrides", [
    "        AllowOverride None\n        AllowOverrideList FcgidWrapper AddHandler\n",
    "        AllowOverrideList FcgidWrapper AddHandler\n        AllowOverride None\n",  # order does not matter
    "        AllowOverride FileInfo\n        AllowOverrideList None\n",
])
def test_lines_allowed_by_either_directive_take_effect(tree, overrides: str) -> None:
    result = _analyse(tree, overrides, WRAP + HANDLER)
    (pc,) = result.model.classes
    assert pc.directive is not None and pc.directive.htaccess and _refused(result) == []
    assert [f.vhosts for f in result.findings if f.rule == "FCG001"] == [["a.example"]]


def test_nonfatal_override_skips_the_refused_line_alone(tree) -> None:
    result = _analyse(tree, "        AllowOverride Nonfatal=Override\n        AllowOverrideList FcgidWrapper\n",
                      WRAP + "Options -Indexes\n")
    (pc,) = result.model.classes  # the wrapper still applies
    assert pc.directive is not None and pc.directive.htaccess
    ((line, severity, message),) = _refused(result)
    assert line == 2 and severity is Severity.WARNING and message.startswith("Options is ignored: ")
    assert "does not include Options" in message


def test_allowoverridelist_does_not_admit_a_server_directive(tree) -> None:
    result = _analyse(tree, "        AllowOverride None\n"
                      "        AllowOverrideList FcgidWrapper FcgidMaxRequestsPerProcess\n",
                      WRAP + "FcgidMaxRequestsPerProcess 20\n")
    assert result.model.classes == []
    ((line, _severity, message),) = _refused(result)
    assert line == 2 and "FcgidMaxRequestsPerProcess is not allowed in a .htaccess at all" in message
    assert "set it in the vhost's config" in message


def test_allowoverride_classes_are_matched_per_directive(tree) -> None:
    result = _analyse(tree, "        AllowOverride AuthConfig Options=Indexes\n        AllowOverrideList None\n",
                      "Options -Indexes\nRequire all granted\n" + WRAP)
    assert [(line, message.split(":")[0]) for line, _s, message in _refused(result)] == [
        (3, "FcgidWrapper not allowed here")
    ]


def test_a_section_needs_an_override_class_too_as_cpanel_writes_it(tree) -> None:
    cpanel = "<IfModule fcgid_module>\n    " + WRAP + "</IfModule>\n"
    result = _analyse(tree, "        AllowOverride None\n        AllowOverrideList FcgidWrapper\n", cpanel)
    assert result.model.classes == []
    ((line, severity, message),) = _refused(result)  # httpd stops at the section: its body is not judged
    assert line == 1 and severity is Severity.ERROR and message.startswith("<IfModule not allowed here: ")
    assert "does not include any class" in message
    allowed = _analyse(tree, "        AllowOverride FileInfo\n", cpanel)
    assert len(allowed.model.classes) == 1 and _refused(allowed) == []


def test_nonfatal_does_not_save_a_refused_section(tree) -> None:
    result = _analyse(tree, "        AllowOverride Nonfatal=Override\n        AllowOverrideList FcgidWrapper\n",
                      WRAP + "<IfModule mime_module>\n    AddType text/plain .txt\n</IfModule>\n")
    assert result.model.classes == []
    ((line, severity, message),) = _refused(result)
    assert line == 2 and severity is Severity.ERROR
    assert "('</IfModule> without matching <IfModule> section')" in message
