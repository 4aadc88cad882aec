"""FCG033 on real files: suexec's mode and owner checks, read with stat as suexec reads them."""

from __future__ import annotations

import grp
import os
import pwd
from pathlib import Path

import pytest

from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import analyse

WRAPPER = "#!/bin/sh\nexec /usr/bin/php-cgi\n"


def _site(tmp_path: Path, user: str, group: str) -> tuple[Path, Path]:
    wrapper = tmp_path / "fcgi" / "php-wrapper"
    wrapper.parent.mkdir()
    wrapper.write_text(WRAPPER)
    wrapper.chmod(0o755)
    wrapper.parent.chmod(0o755)
    conf = tmp_path / "httpd.conf"
    conf.write_text(f"FcgidMaxRequestsPerProcess 500\n<VirtualHost *:80>\nSuexecUserGroup {user} {group}\n"
                    f"FcgidWrapper {wrapper} .php\n</VirtualHost>\n")
    return conf, wrapper


def _messages(conf: Path, docroot: Path) -> list[str]:
    result = analyse(conf, LoadOptions(suexec_docroot=str(docroot)))
    return [f.message for f in result.findings if f.rule == "FCG033"]


def _me() -> tuple[str, str]:
    return pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name


def test_a_wrapper_of_its_own_user_with_mode_0755_passes(tmp_path: Path) -> None:
    conf, _ = _site(tmp_path, *_me())
    assert _messages(conf, tmp_path) == []


def test_group_or_other_writable_file_and_directory(tmp_path: Path) -> None:
    conf, wrapper = _site(tmp_path, *_me())
    wrapper.chmod(0o775)
    wrapper.parent.chmod(0o777)
    found = _messages(conf, tmp_path)
    assert any(f"the file {wrapper} is writable" in m for m in found)
    assert any(f"the directory {wrapper.parent} is writable" in m for m in found)


@pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")
def test_owner_other_than_suexec_user_group(tmp_path: Path) -> None:
    nobody = pwd.getpwnam("nobody")
    group = grp.getgrgid(nobody.pw_gid).gr_name
    conf, wrapper = _site(tmp_path, "nobody", group)
    found = _messages(conf, tmp_path)
    assert any("not to SuexecUserGroup's" in m and f"chown them to nobody {group}" in m for m in found), found
    for path in (wrapper, wrapper.parent):
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    assert _messages(conf, tmp_path) == []


def test_outside_the_docroot(tmp_path: Path) -> None:
    conf, _ = _site(tmp_path, *_me())
    assert any("outside suexec's document root /var/www" in m for m in _messages(conf, Path("/var/www")))
