"""FCG020 against the real server: which settings hand the Authorization header to php-cgi.

Each lab differs in the lines that try to pass the header; auth.php prints what PHP received.
Every way the rule accepts passes it on the real stack, the RewriteRule without RewriteEngine On
does not, and FCG020 speaks only of that one (a site with no attempt gets no finding either).
"""

from __future__ import annotations

import http.client
import shutil

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

MODULES = fcgidlab.MODULE_DIR
RULE = "RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]"
REWRITE = f"LoadModule rewrite_module {MODULES}/mod_rewrite.so"
CASES = {  # name: (extra lines, header reaches PHP, FCG020 fires)
    "nothing": ((), False, False),
    "rule-without-engine": ((REWRITE, RULE), False, True),
    "rule-with-engine": ((REWRITE, "RewriteEngine On", RULE), True, False),
    "cgipassauth": (("<Directory />", "CGIPassAuth On", "</Directory>"), True, False),
    "fcgidpassheader": (("FcgidPassHeader Authorization",), True, False),
    "setenvif": ((f"LoadModule setenvif_module {MODULES}/mod_setenvif.so",
                  'SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1'), True, False),
}
PAGE = "<?php\necho $_SERVER['HTTP_AUTHORIZATION'] ?? 'none', \"\\n\";\n"


@pytest.mark.parametrize("case", sorted(CASES))
def test_what_reaches_php_is_what_fcgilint_says(case: str, fcgilint) -> None:
    extra, reaches, fires = CASES[case]
    lab = fcgidlab.Lab.create(fcgidlab.Scenario(name=f"auth-{case}", fcgid_max_requests=20, extra_conf=extra))
    (lab.docroot / "auth.php").write_text(PAGE)
    try:
        lab.start()
        conn = http.client.HTTPConnection("127.0.0.1", lab.port, timeout=30)
        conn.request("GET", "/auth.php", headers={"Authorization": "Bearer t0ken"})
        seen = conn.getresponse().read().decode().strip()
        conn.close()
        assert seen == ("Bearer t0ken" if reaches else "none")
        findings = fcgilint("check", "--select", "FCG020", str(lab.conf))["findings"]
        assert bool(findings) is fires
        if fires:
            assert lab.conf.read_text().splitlines()[findings[0]["line"] - 1] == RULE
    finally:
        lab.stop()
        shutil.rmtree(lab.root, ignore_errors=True)
