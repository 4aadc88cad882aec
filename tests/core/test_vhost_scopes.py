"""Per-vhost correctness: each value belongs to the vhost where httpd applies it."""

from __future__ import annotations

from pathlib import Path

from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import analyse

WRAPPER = "#!/bin/sh\nPHP_FCGI_MAX_REQUESTS=20\nexport PHP_FCGI_MAX_REQUESTS\nexec /usr/bin/php-cgi\n"
TWO_VHOSTS = {
    "etc/apache2/apache2.conf": "ServerRoot /etc/apache2\nAddHandler fcgid-script .php\nInclude sites/*.conf\n",
    "etc/apache2/sites/a.conf": "<VirtualHost *:80>\n    ServerName a.example\n    Include site-a/*.conf\n</"
                                "VirtualHost>\n",
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


SHARED = {
    "etc/apache2/apache2.conf": "ServerRoot /etc/apache2\nAddHandler fcgid-script .php\n"
    "FcgidWrapper /usr/local/bin/php-wrapper .php\nInclude sites/*.conf\n",
    "etc/apache2/sites/a.conf": "<VirtualHost *:80>\n    ServerName a.example\n</VirtualHost>\n",
    "etc/apache2/sites/b.conf": "<VirtualHost *:80>\n    ServerName b.example\n</VirtualHost>\n",
    "etc/apache2/sites/c.conf": "<VirtualHost *:80>\n    ServerName c.example\n    FcgidMaxRequestsPerProcess 10\n"
    "</VirtualHost>\n",
    "usr/local/bin/php-wrapper": WRAPPER,
}


def test_a_server_level_cause_is_one_finding_naming_every_vhost_it_reaches(tree) -> None:
    result = _analyse(tree, SHARED)
    (race,) = [f for f in result.findings if f.rule == "FCG001"]
    assert race.vhosts == [None, "a.example", "b.example"]  # c.example's own limit covers it
    assert "3 scopes (main server, a.example, b.example)" in race.message
    assert race.to_json()["vhosts"] == [None, "a.example", "b.example"] and "vhost" not in race.to_json()
    (upload,) = [f for f in result.findings if f.rule == "FCG005"]
    assert upload.vhosts == [None, "a.example", "b.example", "c.example"]


def test_a_finding_about_one_vhost_names_it(tree) -> None:
    result = _analyse(tree, TWO_VHOSTS)
    (race,) = [f for f in result.findings if f.rule == "FCG001"]
    assert race.to_json()["vhost"] == "b.example"
    legacy = analyse_text(tree, "<VirtualHost *:80>\nServerName d.example\nMaxRequestsPerProcess 5\n</VirtualHost>\n")
    (finding,) = [f for f in legacy.findings if f.rule == "FCG006"]
    assert finding.to_json()["vhost"] == "d.example"


def analyse_text(tree, conf: str):
    base: Path = tree({"httpd.conf": conf})
    return analyse(base / "httpd.conf", LoadOptions(root=base))


def test_fcg009_is_judged_per_vhost_on_the_hosting_example() -> None:
    """Debian's php8.2-cgi.conf exposes blog (AddHandler in its <Directory>) and not the vhosts
    that route by <FilesMatch> SetHandler fcgid-script; blog's X.PHP escapes the snippet's
    case-sensitive pattern and gets AddHandler's fcgid-script without a wrapper (FCG040)."""
    repo = Path(__file__).resolve().parents[2] / "examples" / "hosting"
    result = analyse(repo / "etc/apache2/apache2.conf", LoadOptions(root=repo))
    exposed = [f for f in result.findings if f.rule in ("FCG009", "FCG040")]
    assert sorted((f.rule, tuple(f.vhosts or ())) for f in exposed) == [
        ("FCG009", ("blog.example.com",)), ("FCG040", ("blog.example.com",))]
    exposed = [f for f in exposed if f.rule == "FCG009"]
    assert exposed[0].location.file.endswith("conf-enabled/php8.2-cgi.conf") and exposed[0].location.line == 8


HTACCESS = {
    "etc/apache2/apache2.conf": "ServerRoot /etc/apache2\nInclude sites/*.conf\n",
    "etc/apache2/sites/a.conf": "<VirtualHost *:80>\n    ServerName a.example\n    DocumentRoot /srv/a\n"
    "    <Directory /srv/a>\n        AllowOverride FileInfo\n    </Directory>\n</VirtualHost>\n",
    "etc/apache2/sites/b.conf": "<VirtualHost *:80>\n    ServerName b.example\n    DocumentRoot /srv/b\n</"
                                "VirtualHost>\n",
    "etc/apache2/sites/c.conf": "<VirtualHost *:80>\n    ServerName c.example\n    DocumentRoot /srv/c\n"
    "    <Directory /srv/c>\n        AllowOverride FileInfo\n    </Directory>\n</VirtualHost>\n",
    "srv/a/.htaccess": "AddHandler fcgid-script .php\nFcgidWrapper /usr/local/bin/php-wrapper .php\n",
    "srv/b/.htaccess": "AddHandler fcgid-script .php\nFcgidWrapper /usr/local/bin/php-wrapper .php\n",
    # a server directive: httpd answers every request of /srv/c with 500, so the file's wrapper never runs
    "srv/c/.htaccess": "AddHandler fcgid-script .php\nFcgidWrapper /usr/local/bin/php-wrapper .php\n"
                       "FcgidMaxRequestsPerProcess 20\n",
    "usr/local/bin/php-wrapper": WRAPPER,
}


def test_htaccess_is_read_where_allowoverride_allows_it_and_never_fixed(tree) -> None:
    result = _analyse(tree, HTACCESS)
    (pc,) = result.model.classes  # b.example's .htaccess is not read (AllowOverride None), c.example's is refused
    assert pc.vhost is not None and pc.vhost.server_name == "a.example" and pc.directive is not None
    assert pc.directive.htaccess and pc.directive.location.file.endswith("srv/a/.htaccess")
    (race,) = [f for f in result.findings if f.rule == "FCG001"]
    assert race.vhosts == ["a.example"] and race.fix is not None
    assert all(not e.file.endswith(".htaccess") for e in race.fix.edits)  # the remedy goes to the vhost
    (misplaced,) = [f for f in result.findings if f.rule == "FCG007"]
    assert misplaced.location.file.endswith("srv/c/.htaccess") and misplaced.location.line == 3
    assert "not allowed here" in misplaced.message and "no line of this file takes effect" in misplaced.message


def test_a_htaccess_checked_alone_is_never_written(tree) -> None:
    base: Path = tree({"srv/a/.htaccess": "FcgidWrapper /usr/local/bin/php-wrapper .php\n",
                       "usr/local/bin/php-wrapper": WRAPPER})
    result = analyse(base / "srv/a/.htaccess", LoadOptions(root=base))
    assert [f.rule for f in result.findings if f.rule == "FCG001"] == ["FCG001"]
    assert all(f.fix is None or not any(e.file.endswith(".htaccess") for e in f.fix.edits) for f in result.findings)


def test_a_main_server_directory_wrapper_is_a_class_only_of_vhosts_whose_php_it_serves(tree) -> None:
    result = _analyse(tree, {
        "etc/apache2/apache2.conf": "ServerRoot /etc/apache2\nAddHandler fcgid-script .php\n<Directory /var/www>\n"
        "    FcgidWrapper /usr/local/bin/php-wrapper .php\n</Directory>\nInclude sites/*.conf\n",
        "etc/apache2/sites/a.conf": "<VirtualHost *:80>\n    ServerName a.example\n    DocumentRoot /var/www/a\n"
        "</VirtualHost>\n",
        "etc/apache2/sites/b.conf": "<VirtualHost *:80>\n    ServerName b.example\n    DocumentRoot /srv/b\n"
        "</VirtualHost>\n",
        "usr/local/bin/php-wrapper": WRAPPER,
    })
    scopes = sorted(pc.vhost.server_name if pc.vhost else "" for pc in result.model.classes)
    assert scopes == ["", "a.example"]  # /srv/b is outside <Directory /var/www>: that wrapper never runs for b


def test_a_main_server_wrapper_for_a_subdirectory_of_a_docroot_is_that_vhosts_class(tree) -> None:
    """``<Directory /var/www/a/app>`` serves a.example's /app/ requests, though its DocumentRoot's PHP does not."""
    result = _analyse(tree, {
        "etc/apache2/apache2.conf": "ServerRoot /etc/apache2\nAddHandler fcgid-script .php\n"
        "<Directory /var/www/a/app>\n    FcgidWrapper /usr/local/bin/php-wrapper .php\n</Directory>\n"
        "Include sites/*.conf\n",
        "etc/apache2/sites/a.conf": "<VirtualHost *:80>\n    ServerName a.example\n    DocumentRoot /var/www/a/\n"
        "</VirtualHost>\n",
        "etc/apache2/sites/b.conf": "<VirtualHost *:80>\n    ServerName b.example\n    DocumentRoot /var/www/ab\n"
        "</VirtualHost>\n",
        "usr/local/bin/php-wrapper": WRAPPER,
    })
    scopes = sorted(pc.vhost.server_name if pc.vhost else "" for pc in result.model.classes)
    assert scopes == ["", "a.example"]  # /var/www/ab is a sibling of /var/www/a, not its parent
    (race,) = [f for f in result.findings if f.rule == "FCG001"]  # PHP_FCGI_MAX_REQUESTS=20, mod_fcgid unlimited
    assert "a.example" in race.to_json()["vhosts"]
