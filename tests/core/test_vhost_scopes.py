"""Per-vhost correctness: each value belongs to the vhost where httpd applies it."""

from __future__ import annotations

from pathlib import Path

from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import analyse

WRAPPER = "#!/bin/sh\nPHP_FCGI_MAX_REQUESTS=20\nexport PHP_FCGI_MAX_REQUESTS\nexec /usr/bin/php-cgi\n"
TWO_VHOSTS = {
    "etc/apache2/apache2.conf": "ServerRoot /etc/apache2\nAddHandler fcgid-script .php\nInclude sites/*.conf\n",
    "etc/apache2/sites/a.conf": "<VirtualHost *:80>\n    ServerName a.example\n    Include site-a/*.conf\n</VirtualHost>\n",
    "etc/apache2/sites/b.conf": "<VirtualHost *:80>\n    ServerName b.example\n"
    "    FcgidWrapper /usr/local/bin/php-wrapper .php\n</VirtualHost>\n",
    "etc/apache2/site-a/fcgid.conf": "FcgidWrapper /usr/local/bin/php-wrapper .php\nFcgidMaxRequestsPerProcess 20\n",
    "usr/local/bin/php-wrapper": WRAPPER,
}


def _analyse(tree, files: dict[str, str]):
    base: Path = tree(files)
    return analyse(base / "etc/apache2/apache2.conf", LoadOptions(root=base))


def test_a_wrapper_included_into_a_vhost_is_that_vhosts_class_only(tree) -> None:
    result = _analyse(tree, TWO_VHOSTS)
    scopes = sorted(pc.vhost.server_name for pc in result.model.classes if pc.vhost is not None)
    assert scopes == ["a.example", "b.example"]
    assert all(pc.vhost is not None for pc in result.model.classes), "no phantom main-server class"
    races = [f for f in result.findings if f.rule == "FCG001"]
    assert [f.location.file.rsplit("/", 1)[-1] for f in races] == ["b.conf"]
    assert "b.example" in races[0].message and "a.example" not in races[0].message
