"""``fcgilint show``: per vhost, the .php route and each class's values, with file:line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _show(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fcgilint", "show", *args], cwd=REPO, capture_output=True, text=True, timeout=60
    )


def _scopes(example: str) -> dict[str | None, dict]:
    done = _show("--root", f"examples/{example}", f"examples/{example}/etc/apache2", "--format", "json")
    assert done.returncode == 0, done.stderr
    return {scope["vhost"]: scope for scope in json.loads(done.stdout)["scopes"]}


def _rows(scope: dict, kind: str) -> list[dict[str, dict]]:
    return [{row["name"]: row for row in part["rows"]} for part in scope["parts"] if part["kind"] == kind]


def test_the_bundled_example_shows_penny_routed_to_its_wrapper_and_the_race() -> None:
    scopes = _scopes("seed")
    assert list(scopes) == [None, "penny.example.org"]
    (route,) = _rows(scopes["penny.example.org"], "route")
    assert route["index.php"]["value"] == "mod_fcgid" and "/usr/local/bin/php-wrapper" in route["index.php"]["why"]
    assert route["DocumentRoot"]["value"] == "/var/www/penny/htdocs"
    (pc,) = _rows(scopes["penny.example.org"], "class")
    assert pc["PHP_FCGI_MAX_REQUESTS"]["value"] == "500 (unset)"
    assert (pc["FcgidMaxRequestsPerProcess"]["value"], pc["FcgidMaxRequestsPerProcess"]["why"]) == (
        "0",
        "mod_fcgid default",
    )
    assert (
        pc["php.ini"]["value"].endswith("etc/php/8.2/cgi/php.ini") and pc["php.ini"]["why"] == "PHPRC /etc/php/8.2/cgi"
    )
    assert pc["FcgidIOTimeout"]["file"].endswith("mods-enabled/fcgid.conf") and pc["FcgidIOTimeout"]["line"] == 3


def test_three_vhosts_each_shown_as_httpd_serves_them() -> None:
    scopes = _scopes("hosting")
    assert list(scopes) == [None, "blog.example.com", "legacy.example.org", "shop.example.com"]
    blog = _rows(scopes["blog.example.com"], "route")[0]
    # Debian's php8.2-cgi.conf <FilesMatch> SetHandler beats the vhost's AddHandler: the source is sent.
    assert blog["index.php"]["value"].startswith("its source")
    assert blog["index.php"]["file"].endswith("conf-enabled/php8.2-cgi.conf")
    shop_route, = _rows(scopes["shop.example.com"], "route")
    assert shop_route["index.php"]["value"] == "mod_fcgid"
    (shop,) = _rows(scopes["shop.example.com"], "class")
    limit = shop["FcgidMaxRequestsPerProcess"]
    assert (limit["value"], limit["why"], limit["file"].rsplit("/", 2)[-2:]) == (
        "1000",
        "vhost",
        ["sites-includes", "shop.example.com.conf"],
    )
    assert shop["post_max_size"]["why"] == "-d on the php-cgi command line"
    (legacy,) = _rows(scopes["legacy.example.org"], "class")
    assert legacy["FcgidMaxRequestsPerProcess"]["value"] == "0" and legacy["PHP_FCGI_MAX_REQUESTS"]["value"] == "500"


def test_text_view_and_bad_input() -> None:
    done = _show("--root", "examples/hosting", "examples/hosting/etc/apache2")
    assert done.returncode == 0 and "<VirtualHost *:80> shop.example.com" in done.stdout
    assert "process class /var/www/php-fcgi-scripts/shop/.php-fcgi-starter" in done.stdout
    missing = _show("examples/nowhere")
    assert missing.returncode == 2 and missing.stderr.startswith("fcgilint: ") and "Traceback" not in missing.stderr


def test_capacity_is_shown_per_class_and_for_the_server() -> None:
    scopes = _scopes("hosting")
    (server,) = _rows(scopes[None], "server-capacity")
    assert server["FcgidSpawnScore"]["value"] == "1" and server["FcgidSpawnScoreUpLimit"]["why"] == "mod_fcgid default"
    assert server["worker ceiling"]["value"] == "400 workers" and server["worker ceiling"]["why"].startswith(
        "event MPM"
    )
    (shop,) = _rows(scopes["shop.example.com"], "capacity")
    assert shop["recycle length"]["value"] == "1000 requests"
    assert shop["recycle length"]["file"].endswith("sites-includes/shop.example.com.conf")
    assert shop["sustainable rate"]["value"] == "333 req/s"
    assert shop["concurrency ceiling"]["value"] == "100 requests at once"
    text = _show("--root", "examples/hosting", "examples/hosting/etc/apache2").stdout
    assert "  capacity of /var/www/php-fcgi-scripts/shop/.php-fcgi-starter (" in text
    assert "sustainable rate                        333 req/s" in text
