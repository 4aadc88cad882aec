"""FCG001's fix says when the limit it sets keeps the class throttled; FCG021's fix raises both limits together."""

from __future__ import annotations

from pathlib import Path

from tests.fix.fix_support import RULES, fix

from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import analyse

VHOST = "<VirtualHost *:80>\n    ServerName shop.example\n    FcgidWrapper /opt/w .php\n</VirtualHost>\n"
WRAPPER = "#!/bin/sh\nPHP_FCGI_MAX_REQUESTS={n}\nexport PHP_FCGI_MAX_REQUESTS\nexec /usr/bin/php-cgi\n"


def _tree(tree, php: int) -> Path:
    base = tree({"httpd.conf": VHOST, "opt/w": WRAPPER.format(n=php)})
    conf = base / "httpd.conf"
    conf.write_text(conf.read_text().replace("/opt/w", str(base / "opt/w")))
    return conf


def _rules(conf: Path) -> dict[str, list]:
    found: dict[str, list] = {}
    for finding in analyse(conf, LoadOptions(), RULES).findings:
        found.setdefault(finding.rule, []).append(finding)
    return found


def test_fcg001_fix_names_the_throttle_it_keeps(tree) -> None:
    (race,) = _rules(_tree(tree, 20))["FCG001"]
    assert race.fix is not None and race.fix.safe
    assert "still replaces each process every 20 requests" in race.fix.description
    assert "about 6.7 req/s" in race.fix.description and "FCG021" in race.fix.description


def test_fcg001_fix_is_silent_when_the_limit_does_not_throttle(tree) -> None:
    (race,) = _rules(_tree(tree, 2000))["FCG001"]
    assert race.fix is not None and "FCG021" not in race.fix.description


def test_safe_fixes_end_the_race_and_the_unsafe_one_ends_the_throttle(tree) -> None:
    conf = _tree(tree, 20)
    fix(conf)
    after_safe = _rules(conf)
    assert "FCG001" not in after_safe and "FCG021" in after_safe
    fix(conf, unsafe=True)
    after = _rules(conf)
    assert "FCG001" not in after and "FCG021" not in after
    wrapper = conf.parent / "opt/w"
    assert "PHP_FCGI_MAX_REQUESTS=100\n" in wrapper.read_text()
    assert "FcgidMaxRequestsPerProcess 100" in conf.read_text()
