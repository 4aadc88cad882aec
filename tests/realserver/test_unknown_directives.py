"""FCG030 against httpd itself: the names it refuses at start-up are the ones fcgilint reports.

Each case is the lab's own configuration (which loads its MPM and modules) with one line added,
checked with the real ``apache2 -t`` and with ``fcgilint check``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

CASES = {
    "typo": ("FcgidMaxRequestLenght 8388608", "Invalid command 'FcgidMaxRequestLenght'"),
    "module-not-loaded": ("RewriteEngine On", "Invalid command 'RewriteEngine'"),
    "guarded": ("<IfModule mod_rewrite.c>\nRewriteEngine On\n</IfModule>", None),
    "known": ("FcgidMaxRequestLen 8388608", None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fcgilint_reports_what_httpd_refuses(case: str, fcgilint) -> None:
    line, refusal = CASES[case]
    lab = fcgidlab.Lab.create(fcgidlab.Scenario(name=f"fcg030-{case}", fcgid_max_requests=20, extra_conf=(line,)))
    try:
        done = subprocess.run([fcgidlab.APACHE, "-t", "-f", str(lab.conf)], capture_output=True, text=True, timeout=60)
        findings = fcgilint("check", "--select", "FCG030", str(lab.conf))["findings"]
        if refusal is None:
            assert done.returncode == 0, done.stderr
            assert findings == []
        else:
            assert done.returncode != 0 and refusal in done.stderr
            (finding,) = findings
            assert Path(finding["file"]) == lab.conf and finding["severity"] == "error"
            assert lab.conf.read_text().splitlines()[finding["line"] - 1] == line
    finally:
        shutil.rmtree(lab.root, ignore_errors=True)


def test_the_installed_debian_tree_has_no_unknown_directive(fcgilint) -> None:
    """The machine's own /etc/apache2 (mods-enabled/*.load included) is accepted by httpd and by fcgilint."""
    if not Path("/etc/apache2/apache2.conf").is_file() or shutil.which("apache2ctl") is None:
        pytest.skip("no Debian /etc/apache2 and apache2ctl on this machine")
    done = subprocess.run(["apache2ctl", "-t"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Syntax OK" in done.stderr
    assert fcgilint("check", "--select", "FCG030", "/etc/apache2")["findings"] == []
