"""FCG018 on a real server: mod_php's php_value without mod_php.

In a .htaccess httpd reads, every request of that directory becomes a 500 while the rest of the
site keeps working; in the server configuration httpd refuses to start.
"""

from __future__ import annotations

import http.client
import shutil
import subprocess

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

HTACCESS_LINE = "php_value upload_max_filesize 64M\n"


@pytest.fixture(scope="module")
def htaccess_lab(start_lab) -> fcgidlab.Lab:
    """A lab whose directories allow .htaccess; /broken/ has one with a php_value line."""
    allow = ("<Directory />", "    AllowOverride All", "</Directory>")
    scenario = fcgidlab.Scenario(name="php-value-htaccess", fcgid_max_requests=20, extra_conf=allow)
    lab = start_lab(scenario)
    broken = lab.docroot / "broken"
    broken.mkdir()
    shutil.copyfile(lab.docroot / "info.php", broken / "info.php")
    (broken / ".htaccess").write_text(HTACCESS_LINE)
    return lab


def test_php_value_in_htaccess_fails_every_request_of_its_directory(htaccess_lab: fcgidlab.Lab, fcgilint) -> None:
    broken = fcgidlab.drive(htaccess_lab, fcgidlab.Workload(path="/broken/info.php", requests=3, concurrency=1), 30)
    assert broken.load.statuses == {"500": 3}
    healthy = fcgidlab.drive(htaccess_lab, fcgidlab.Workload(path="/info.php", requests=3, concurrency=1), 30)
    assert healthy.load.statuses == {"200": 3}
    assert "Invalid command 'php_value'" in htaccess_lab.error_log.read_text()
    report = fcgilint("check", "--select", "FCG018", str(htaccess_lab.docroot / "broken" / ".htaccess"))
    (finding,) = report["findings"]
    assert finding["line"] == 1 and "500" in finding["message"] and "-d upload_max_filesize=64M" in finding["message"]
    traced = fcgilint("trace", str(htaccess_lab.error_log))
    (detection,) = [d for d in traced["detections"] if d["kind"] == "php-directive-without-mod-php"]
    assert detection["rule"] == "FCG018" and detection["count"] == 3


def test_the_tree_reaches_the_document_roots_htaccess(start_lab, fcgilint) -> None:
    """Checking the server's config finds the .htaccess httpd reads in the DocumentRoot, and calls it an error."""
    allow = ("<Directory />", "    AllowOverride All", "</Directory>")
    lab = start_lab(fcgidlab.Scenario(name="php-value-docroot", fcgid_max_requests=20, extra_conf=allow))
    (lab.docroot / ".htaccess").write_text(HTACCESS_LINE)
    assert fcgidlab.drive(lab, fcgidlab.Workload(requests=2, concurrency=1), 30).load.statuses == {"500": 2}
    (finding,) = fcgilint("check", "--select", "FCG018", str(lab.conf))["findings"]
    assert finding["file"] == str(lab.docroot / ".htaccess") and finding["severity"] == "error"
    assert "every request where httpd reads this file fails with 500" in finding["message"]
    assert finding["fix"] is None  # no fix writes into a .htaccess


def test_php_value_in_server_config_stops_httpd_from_starting(fcgilint) -> None:
    scenario = fcgidlab.Scenario(name="php-value-server", fcgid_max_requests=20, extra_conf=(HTACCESS_LINE.strip(),))
    lab = fcgidlab.Lab.create(scenario)
    try:
        done = subprocess.run([fcgidlab.APACHE, "-t", "-f", str(lab.conf)], capture_output=True, text=True, timeout=60)
        assert done.returncode != 0 and "Invalid command 'php_value'" in done.stderr
        report = fcgilint("check", "--select", "FCG018", str(lab.conf))
        (finding,) = report["findings"]
        lines = lab.conf.read_text().splitlines()
        assert lines[finding["line"] - 1] == HTACCESS_LINE.strip()
        assert finding["severity"] == "error" and "httpd refuses to start" in finding["message"]
    finally:
        shutil.rmtree(lab.root, ignore_errors=True)


def test_the_unsafe_fix_moves_the_value_onto_php_cgis_command_line(fcgilint_fix) -> None:
    """After 'fix --unsafe-fixes' httpd starts, and php-cgi has the value the php_value line meant."""
    scenario = fcgidlab.Scenario(name="php-value-fixed", fcgid_max_requests=20, extra_conf=(HTACCESS_LINE.strip(),))
    lab = fcgidlab.Lab.create(scenario)
    (lab.docroot / "ini.php").write_text("<?php\necho ini_get('upload_max_filesize'), \"\\n\";\n")
    try:
        fcgilint_fix("--unsafe-fixes", "--select", "FCG018", str(lab.conf))
        assert HTACCESS_LINE.strip() not in lab.conf.read_text()
        assert "-d upload_max_filesize=64M" in lab.wrapper.read_text()
        done = subprocess.run([fcgidlab.APACHE, "-t", "-f", str(lab.conf)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        lab.start()
        conn = http.client.HTTPConnection("127.0.0.1", lab.port, timeout=30)
        conn.request("GET", "/ini.php")
        assert conn.getresponse().read().decode() == "64M\n"
        conn.close()
    finally:
        lab.stop()
        shutil.rmtree(lab.root, ignore_errors=True)
