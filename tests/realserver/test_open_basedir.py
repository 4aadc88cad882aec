"""FCG032 on a real server: open_basedir without the DocumentRoot, or without the upload fallback.

The lab's php.ini gets one open_basedir line before php-cgi starts: the DocumentRoot left out
makes every request a 404 "No input file specified."; the DocumentRoot alone (upload_tmp_dir
unset) leaves uploads without a temporary directory ($_FILES error 6). Sessions are not held to
open_basedir by the files handler, which the last assertion shows.
"""

from __future__ import annotations

import http.client
import uuid

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

PAGE = (
    "<?php\nsession_start();\n$_SESSION['n'] = 1;\nsession_write_close();\n"
    "echo 'upload error: ', $_FILES['f']['error'] ?? 'none', \"\\n\";\n"
)


def _upload(lab: fcgidlab.Lab) -> tuple[int, str]:
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n'
            f"Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n").encode()
    conn = http.client.HTTPConnection("127.0.0.1", lab.port, timeout=30)
    try:
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        conn.request("POST", "/files.php", body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        conn.close()


def _lab(start_lab, name: str, basedir: str | None) -> fcgidlab.Lab:
    lab = start_lab(fcgidlab.Scenario(name=name, fcgid_max_requests=20))
    (lab.docroot / "files.php").write_text(PAGE)
    with lab.php_ini.open("a") as ini:  # read by the first php-cgi, which the first request starts
        ini.write(f"open_basedir = {basedir or lab.docroot}/\n")
    return lab


def test_open_basedir_without_the_document_root(start_lab, fcgilint) -> None:
    lab = _lab(start_lab, "basedir-elsewhere", "/srv/elsewhere")
    status, text = _upload(lab)
    assert (status, text) == (404, "No input file specified.\n")
    findings = fcgilint("check", "--select", "FCG032", str(lab.conf))["findings"]
    errors = [f for f in findings if f["severity"] == "error"]
    assert len(errors) == 1 and "No input file specified" in errors[0]["message"]
    assert errors[0]["file"] == str(lab.php_ini)


def test_open_basedir_without_the_upload_fallback(start_lab, fcgilint) -> None:
    lab = _lab(start_lab, "basedir-docroot", None)
    assert _upload(lab) == (200, "upload error: 6\n")  # the session worked, the upload had no directory
    assert "File upload error - unable to create a temporary file" in lab.error_log.read_text()
    (finding,) = fcgilint("check", "--select", "FCG032", str(lab.conf))["findings"]
    assert "leaves out /tmp" in finding["message"] and "error 6" in finding["message"]
