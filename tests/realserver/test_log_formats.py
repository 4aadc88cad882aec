"""trace on error logs that httpd itself writes in other layouts than the default.

Admins paste logs from servers with an ``ErrorLogFormat`` of their own (a vhost column, no
timestamps, an ISO time); the lab writes its log in each of these layouts while a .htaccess with
php_value fails three requests, and trace must find the three failures in every one of them.
"""

from __future__ import annotations

import shutil

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

FORMATS = {  # name: (ErrorLogFormat, whether the lines carry a time trace can read, the vhost they name)
    "vhost-column": ("%v [%t] [%m:%l] [pid %P:tid %T] [client %a] %M", True, "127.0.0.1"),
    "no-timestamps": ("[%m:%l] [pid %P] %M", False, None),
    "iso-time-no-brackets": ("%{cu}t %v %l %M", True, "127.0.0.1"),
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_trace_reads_the_layouts_httpd_writes(name: str, fcgilint) -> None:
    layout, timed, vhost = FORMATS[name]
    lines = ("<Directory />", "    AllowOverride All", "</Directory>", f'ErrorLogFormat "{layout}"')
    lab = fcgidlab.Lab.create(fcgidlab.Scenario(name=f"log-{name}", fcgid_max_requests=20, extra_conf=lines))
    broken = lab.docroot / "broken"
    broken.mkdir()
    shutil.copyfile(lab.docroot / "info.php", broken / "info.php")
    (broken / ".htaccess").write_text("php_value upload_max_filesize 64M\n")
    try:
        lab.start()
        evidence = fcgidlab.drive(lab, fcgidlab.Workload(path="/broken/info.php", requests=3, concurrency=1), 30)
        assert evidence.load.statuses == {"500": 3}
        report = fcgilint("trace", str(lab.error_log))
        found = {d["kind"]: d for d in report["detections"]}
        assert found["php-directive-without-mod-php"]["count"] == 3
        assert found["php-directive-without-mod-php"]["rule"] == "FCG018"
        assert (found["php-directive-without-mod-php"]["first"] is not None) is timed
        assert found["php-directive-without-mod-php"]["vhost"] == vhost  # %v: the lab's ServerName
        assert report["inputs"] == [{"file": str(lab.error_log), "kind": "error"}]
    finally:
        lab.stop()
        shutil.rmtree(lab.root, ignore_errors=True)
