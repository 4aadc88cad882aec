"""FCG004 for a server scope that has no FastCGI class of its own: the remedy follows the scope."""

from __future__ import annotations

from pathlib import Path

from fcgilint.fix.edits import apply_edits
from fcgilint.checks.remedies import scope_busy_timeout
from fcgilint.load.apache_tree import LoadOptions, load_tree
from fcgilint.model import build_model, server_value

CONF = ("<IfModule mod_fcgid.c>\n  FcgidBusyTimeout 300\n  FcgidIOTimeout 900\n</IfModule>\n<VirtualHost *:80>\n  "
        "FcgidIOTimeout 1200\n</VirtualHost>\n")


def _remedy_text(path: Path, in_vhost: bool) -> str:
    model = build_model(load_tree(path, LoadOptions()))
    assert model.tree is not None
    vhost = model.tree.vhosts[0] if in_vhost else None
    fix = scope_busy_timeout(model, vhost, [server_value(model.tree, vhost, "FcgidIOTimeout")])
    assert fix is not None and not fix.safe
    return apply_edits(path.read_text(), fix.edits)


def test_main_server_edits_the_directive_in_force(tmp_path: Path) -> None:
    conf = tmp_path / "httpd.conf"
    conf.write_text(CONF)
    assert _remedy_text(conf, in_vhost=False) == CONF.replace("FcgidBusyTimeout 300", "FcgidBusyTimeout 900")


def test_vhost_gets_its_own_line(tmp_path: Path) -> None:
    conf = tmp_path / "httpd.conf"
    conf.write_text(CONF)
    assert _remedy_text(conf, in_vhost=True) == CONF.replace(
        "  FcgidIOTimeout 1200\n", "  FcgidIOTimeout 1200\n  FcgidBusyTimeout 1200\n"
    )


def test_main_server_without_busy_timeout_inserts_after_the_fcgid_block(tmp_path: Path) -> None:
    conf = tmp_path / "httpd.conf"
    conf.write_text("<IfModule mod_fcgid.c>\n\tFcgidIOTimeout 900\n</IfModule>\n")
    assert (
        _remedy_text(conf, in_vhost=False)
        == "<IfModule mod_fcgid.c>\n\tFcgidIOTimeout 900\n\tFcgidBusyTimeout 900\n</IfModule>\n"
    )


IFMODULE_VHOST = """\
<VirtualHost *:80>
    ServerName example.org
    <IfModule mod_fcgid.c>
        FcgidWrapper /usr/bin/php-cgi .php
    </IfModule>
    DocumentRoot /var/www
</VirtualHost>
"""


def test_insert_goes_inside_the_vhost_ifmodule_fcgid_block(tmp_path: Path) -> None:
    from tests.fix.fix_support import fix

    conf = tmp_path / "httpd.conf"
    conf.write_text(IFMODULE_VHOST)
    outcome = fix(conf)
    assert [a.finding.rule for a in outcome.applied] == ["FCG001"]
    assert conf.read_text() == IFMODULE_VHOST.replace(
        "        FcgidWrapper /usr/bin/php-cgi .php\n",
        "        FcgidWrapper /usr/bin/php-cgi .php\n        FcgidMaxRequestsPerProcess 500\n",
    )


def test_a_negated_or_other_module_block_is_not_used(tmp_path: Path) -> None:
    from tests.fix.fix_support import fix

    conf = tmp_path / "httpd.conf"
    text = (
        "<VirtualHost *:80>\n  FcgidWrapper /usr/bin/php-cgi .php\n  <IfModule !mod_fcgid.c>\n    Redirect / http://"
        "example.org/\n"
        "  </IfModule>\n  <IfModule mod_headers.c>\n    Header set X a\n  </IfModule>\n</VirtualHost>\n"
    )
    conf.write_text(text)
    fix(conf)
    assert conf.read_text() == text.replace("</VirtualHost>", "  FcgidMaxRequestsPerProcess 500\n</VirtualHost>")
