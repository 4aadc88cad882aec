"""A live server never loses data: atomic writes, kept modes, refused symlinks, --verify roll-back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fcgilint.cli import _normalise_argv, app
from fcgilint.fix import engine, writer
from tests.fix.fix_support import fix, snapshot

RACE = "<VirtualHost *:80>\n    FcgidWrapper /usr/bin/php-cgi .php\n</VirtualHost>\n"
FIXED = (
    "<VirtualHost *:80>\n    FcgidWrapper /usr/bin/php-cgi .php\n    FcgidMaxRequestsPerProcess 500\n</VirtualHost>\n"
)


def invoke(*args: str):
    """Run the CLI on FCG001 only, so the host's own php.ini cannot add findings."""
    argv = _normalise_argv([*args])
    if "--help" not in argv:
        argv += ["--select", "FCG001"]
    return CliRunner().invoke(app, argv)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    conf = tmp_path / "httpd.conf"
    conf.write_text(RACE)
    return conf


def test_mode_is_kept(site: Path) -> None:
    site.chmod(0o640)
    fix(site)
    assert site.read_text() == FIXED
    assert oct(os.stat(site).st_mode & 0o7777) == oct(0o640)


def test_no_temporary_file_is_left(site: Path) -> None:
    fix(site)
    assert sorted(p.name for p in site.parent.iterdir()) == ["httpd.conf"]


def test_crash_before_rename_leaves_the_original(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(site.parent)

    def crash(src: str, dst: str, **dir_fds: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(engine.FixError, match="not replaced"):
        fix(site)
    assert snapshot(site.parent) == before


def test_failed_write_of_a_second_file_restores_the_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.conf").write_text("MaxRequestsPerProcess 500\n")
    (tmp_path / "b.conf").write_text("IPCCommTimeout 40\n")
    conf = tmp_path / "httpd.conf"
    conf.write_text(f"Include {tmp_path}/a.conf\nInclude {tmp_path}/b.conf\n")
    before = snapshot(tmp_path)
    real_replace = writer.replace

    def fail_on_b(
        path: Path, expected: bytes, data: bytes, like: os.stat_result, tree: writer.Tree, sync: bool = True
    ) -> None:
        if path.name == "b.conf":
            raise writer.WriteError(f"{path}: disk full")
        real_replace(path, expected, data, like, tree, sync)

    monkeypatch.setattr(engine, "replace", fail_on_b)
    with pytest.raises(engine.FixError, match="restored"):
        fix(conf)
    assert snapshot(tmp_path) == before


def test_failing_verify_restores_every_file_and_backup(site: Path) -> None:
    site.chmod(0o600)
    before = snapshot(site.parent)
    refuses_the_fix = f"! grep -q FcgidMaxRequestsPerProcess {site} || {{ echo Syntax error on line 3 >&2; exit 1; }}"
    result = invoke("fix", "--backup", "--verify", refuses_the_fix, str(site))
    assert result.exit_code == 2
    assert "Syntax error on line 3" in result.output and "restored" in result.output
    assert snapshot(site.parent) == before
    assert not (site.parent / "httpd.conf.bak").exists()


def test_passing_verify_keeps_the_fix(site: Path) -> None:
    result = invoke("fix", "--verify", "true", str(site))
    assert result.exit_code == 0, result.output
    assert site.read_text() == FIXED


def test_backup_holds_the_original(site: Path) -> None:
    site.chmod(0o640)
    result = invoke("fix", "--backup-suffix", ".orig", str(site))
    assert result.exit_code == 0, result.output
    backup = site.parent / "httpd.conf.orig"
    assert backup.read_text() == RACE and oct(os.stat(backup).st_mode & 0o777) == oct(0o640)


def test_symlink_outside_the_tree_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "shared.conf"
    outside.parent.mkdir()
    outside.write_text(RACE)
    conf_dir = tmp_path / "etc"
    conf_dir.mkdir()
    (conf_dir / "site.conf").symlink_to(outside)
    (conf_dir / "httpd.conf").write_text(f"Include {conf_dir}/site.conf\n")
    result = invoke("fix", str(conf_dir))
    assert result.exit_code == 1
    assert "outside the configuration tree" in result.output
    assert outside.read_text() == RACE and (conf_dir / "site.conf").is_symlink()


def test_symlink_inside_root_is_edited_at_its_target(tmp_path: Path) -> None:
    available = tmp_path / "etc/apache2/sites-available"
    enabled = tmp_path / "etc/apache2/sites-enabled"
    available.mkdir(parents=True)
    enabled.mkdir()
    (available / "a.conf").write_text(RACE)
    (enabled / "a.conf").symlink_to("../sites-available/a.conf")
    (tmp_path / "etc/apache2/apache2.conf").write_text("IncludeOptional sites-enabled/*.conf\n")
    result = invoke("fix", "--root", str(tmp_path), str(tmp_path / "etc/apache2"))
    assert result.exit_code == 0, result.output
    assert (enabled / "a.conf").is_symlink()
    assert (available / "a.conf").read_text() == FIXED


def test_check_diff_writes_nothing(site: Path) -> None:
    before = snapshot(site.parent)
    mtime = os.stat(site).st_mtime_ns
    result = invoke("check", "--diff", str(site))
    assert result.exit_code == 1
    assert "+    FcgidMaxRequestsPerProcess 500\n" in result.stdout
    assert snapshot(site.parent) == before and os.stat(site).st_mtime_ns == mtime


def test_check_fix_and_dash_dash_fix_equal_fix(tmp_path: Path) -> None:
    for spelling in (["check", "--fix"], ["--fix"], ["fix"]):
        conf = tmp_path / f"{spelling[-1].strip('-')}{len(spelling)}.conf"
        conf.write_text(RACE)
        result = invoke(*spelling, str(conf))
        assert result.exit_code == 0, result.output
        assert conf.read_text() == FIXED
        assert "fixed FCG001" in result.stdout


def test_exit_codes(site: Path, tmp_path: Path) -> None:
    assert invoke("fix", str(tmp_path / "missing.conf")).exit_code == 2
    assert invoke("fix", "--diff", "--backup", str(site)).exit_code == 2
    (tmp_path / "fixed.conf").write_text("FcgidMaxRequestsPerProcess -1\nFcgidWrapper /usr/bin/php-cgi .php\n")
    assert invoke("fix", str(tmp_path / "fixed.conf")).exit_code == 0
    (tmp_path / "w").write_text("#!/bin/sh\nexec /usr/bin/php-cgi\n")
    (tmp_path / "unsafe.conf").write_text(
        f"Define L 900\nFcgidMaxRequestsPerProcess ${{L}}\nFcgidWrapper {tmp_path / 'w'} .php\n"
    )
    remains = invoke("fix", str(tmp_path / "unsafe.conf"))
    assert remains.exit_code == 1 and "1 unsafe fix(es) not applied" in remains.output
    assert invoke("fix", str(site)).exit_code == 0
    assert "--unsafe-fixes" in invoke("fix", "--help").output


def test_read_only_file_is_not_half_edited(site: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can write read-only files; the permission check cannot be exercised")
    site.parent.chmod(0o555)
    try:
        result = invoke("fix", str(site))
    finally:
        site.parent.chmod(0o755)
    assert "no permission" in result.output and site.read_text() == RACE


def test_diff_is_byte_exact_and_marks_a_missing_final_newline(tmp_path: Path) -> None:
    conf = tmp_path / "httpd.conf"
    conf.write_bytes(b"# r\xe9glages\r\nFcgidWrapper /usr/bin/php-cgi .php\r\nMaxRequestsPerProcess 900")
    result = CliRunner().invoke(app, ["fix", "--diff", "--select", "FCG001", "--select", "FCG006", str(conf)])
    assert result.exit_code == 1, result.output  # a preview fixes nothing: the findings are still there
    assert (
        b"-MaxRequestsPerProcess 900\n\\ No newline at end of file\n+FcgidMaxRequestsPerProcess 500\n\\ No newline at "
        b"end of file\n"
        in result.stdout_bytes
    )
    assert b" FcgidWrapper /usr/bin/php-cgi .php\r\n" in result.stdout_bytes
    assert conf.read_bytes().endswith(b"MaxRequestsPerProcess 900")


def test_a_rollback_that_fails_says_which_bytes_each_file_kept(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace = writer.replace

    def full_disk_on_restore(
        path: Path, expected: bytes, data: bytes, like: os.stat_result, tree: writer.Tree, sync: bool = True
    ) -> None:
        if data == RACE.encode():
            raise writer.WriteError(f"{path}: cannot write the new content (No space left on device); not replaced")
        real_replace(path, expected, data, like, tree, sync)

    monkeypatch.setattr(engine, "replace", full_disk_on_restore)
    with pytest.raises(engine.FixError) as stopped:
        fix(site, backup_suffix=".bak", verify="false")
    message = str(stopped.value)
    assert f"could not restore {site}: not restored" in message and "No space left on device" in message
    assert f"it keeps the fixed text; the original is in {site}.bak" in message
    assert "the original is unchanged" not in message
    assert site.read_text() == FIXED and (site.parent / "httpd.conf.bak").read_text() == RACE
