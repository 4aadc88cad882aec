"""FCG033 on a real server: suexec refuses a wrapper outside its document root.

The lab runs its wrapper, owned by root, from its own directory under /tmp, outside Debian's
AP_DOC_ROOT (/var/www, ``suexec -V``); with SuexecUserGroup nobody nogroup the request fails and
suexec.log says why.
fcgilint, told suexec's document root, reports it; without the setting it says what it could not
judge for this layout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

SUEXEC = Path("/usr/lib/apache2/suexec")
SUEXEC_LOG = Path("/var/log/apache2/suexec.log")


@pytest.fixture(scope="module")
def suexec_lab(start_lab) -> fcgidlab.Lab:
    if not SUEXEC.exists():
        pytest.skip("suexec is not installed (apache2-suexec-pristine)")
    lines = (f"LoadModule suexec_module {fcgidlab.MODULE_DIR}/mod_suexec.so", "SuexecUserGroup nobody nogroup")
    return start_lab(fcgidlab.Scenario(name="suexec-outside", fcgid_max_requests=20, extra_conf=lines))


def test_a_wrapper_outside_the_docroot_is_refused_and_reported(suexec_lab: fcgidlab.Lab, fcgilint) -> None:
    before = SUEXEC_LOG.stat().st_size if SUEXEC_LOG.exists() else 0
    evidence = fcgidlab.drive(suexec_lab, fcgidlab.Workload(requests=2, concurrency=1), time_limit=60)
    assert "200" not in evidence.load.statuses  # php-cgi never starts
    with SUEXEC_LOG.open() as log:
        log.seek(before)
        assert "command not in docroot" in log.read()
    config = suexec_lab.root / "fcgilint.yaml"
    config.write_text("suexec_docroot: /var/www\n")
    findings = fcgilint("check", "--config", str(config), "--select", "FCG033", str(suexec_lab.conf))["findings"]
    messages = [f["message"] for f in findings]
    assert any("outside suexec's document root /var/www" in m for m in messages), messages
    assert any("not to SuexecUserGroup's" in m for m in messages)  # the lab's files are root's, not nobody's


def test_without_the_setting_the_layout_is_named_as_unknown(suexec_lab: fcgidlab.Lab) -> None:
    done = subprocess.run([sys.executable, "-m", "fcgilint", "check", "--select", "FCG033", "--format", "json",
                           str(suexec_lab.conf)], cwd=Path(__file__).resolve().parents[2], capture_output=True,
                          text=True, timeout=120, check=False)
    report = json.loads(done.stdout)
    assert not any("document root" in f["message"] for f in report["findings"])  # the owners are still judged
    assert any("suexec's document root is not known" in note for note in report["notes"])

