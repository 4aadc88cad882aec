"""Attacks on ``fcgilint fix``, each run against a real subprocess: concurrent writers, signals, links, modes.

Each test reproduces one way the fixer used to lose an edit, write outside the tree or
leak a file; they all assert on the bytes on disk afterwards.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.safety.support import (
    COUNTS,
    FIXED_LINE,
    IN_CLOSE_NOWRITE,
    IN_MOVED_TO,
    RACE,
    Watch,
    digest,
    finish,
    fixed,
    hosting_tree,
    run,
    start,
    temp_files,
)


def _lost(path: Path, wanted: str) -> int:
    """Bytes of ``wanted`` that ``path`` no longer holds (0 when it holds them all)."""
    text = path.read_text() if path.exists() else ""
    lost = 0 if wanted in text else len(wanted)
    COUNTS["bytes lost"] += lost
    return lost


def test_an_edit_made_while_fix_analyses_is_kept(tmp_path: Path) -> None:
    conf_dir = hosting_tree(tmp_path, 1500)
    victim = conf_dir / "sites/s0000.conf"
    watch = Watch(victim, IN_CLOSE_NOWRITE)
    process = start(str(conf_dir))
    try:
        assert watch.wait(60), "fix never read the file"
        with victim.open("a") as handle:  # the admin's edit, in place, while 1,499 other sites are analysed
            handle.write("# admin: keep this\n")
    finally:
        watch.close()
    code, _out, err = finish(process)
    assert code == 2, err
    assert "changed since fcgilint read it" in err and "s0000.conf" in err
    assert _lost(victim, "# admin: keep this\n") == 0
    assert (conf_dir / "sites/s0001.conf").read_text() == RACE.format(i=1)  # all or nothing: nothing written


def test_two_concurrent_backup_runs_keep_the_original(tmp_path: Path) -> None:
    conf_dir = hosting_tree(tmp_path, 400)
    runs = [start("--backup", str(conf_dir)) for _ in range(2)]
    codes = [finish(p)[0] for p in runs]
    assert set(codes) <= {0, 2}, codes  # a run that meets the other's edit stops and restores its own
    for i in range(400):
        site = conf_dir / f"sites/s{i:04}.conf"
        assert site.read_text() in (RACE.format(i=i), fixed(i))
        backups = [p.read_text() for p in site.parent.glob(f"{site.name}.bak*")]
        assert all(b == RACE.format(i=i) for b in backups)  # no backup holds another run's output
        if site.read_text() == fixed(i):
            assert backups, site  # and a fixed file has its original in a backup


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_verify_restores_every_file(tmp_path: Path, signum: int) -> None:
    conf_dir = hosting_tree(tmp_path, 50)
    marker = tmp_path / "verifying"
    before = {p: digest(p) for p in conf_dir.rglob("*.conf")}
    checked = tmp_path / "checked-before-writing"  # --verify runs once before writing: signal the second run
    process = start(
        "--backup",
        "--verify",
        f"if [ -e {checked} ]; then touch {marker}; sleep 60; else touch {checked}; fi",
        str(conf_dir),
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    # Ctrl-C reaches the whole foreground group; `timeout`/systemd send SIGTERM to the process
    os.killpg(process.pid, signum) if signum == signal.SIGINT else process.send_signal(signum)
    code, _out, err = finish(process)
    assert code == 128 + signum, err
    assert f"interrupted by {signal.Signals(signum).name}" in err and "restored" in err
    assert {p: digest(p) for p in conf_dir.rglob("*.conf")} == before
    assert not list(conf_dir.rglob("*.bak*")) and not temp_files(tmp_path)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("moment", ["first-write", "recheck"])
def test_a_signal_while_writing_or_rechecking_leaves_all_or_nothing(tmp_path: Path, signum: int, moment: str) -> None:
    sites = 800
    conf_dir = hosting_tree(tmp_path, sites)
    watched = conf_dir / "sites"
    watch = Watch(watched, IN_MOVED_TO)
    process = start(str(conf_dir))
    try:
        assert watch.wait(60), "fix never wrote"
        if moment == "recheck":  # wait for the last site of the pass: the signal lands in the re-check
            last = conf_dir / f"sites/s{sites - 1:04}.conf"
            while FIXED_LINE not in last.read_text() and process.poll() is None:
                time.sleep(0.002)
        process.send_signal(signum)
    finally:
        watch.close()
    code, _out, err = finish(process)
    states = [(conf_dir / f"sites/s{i:04}.conf").read_text() for i in range(sites)]
    originals = sum(text == RACE.format(i=i) for i, text in enumerate(states))
    fixes = sum(text == fixed(i) for i, text in enumerate(states))
    COUNTS["bytes lost"] += sum(len(t) for i, t in enumerate(states) if t not in (RACE.format(i=i), fixed(i)))
    assert originals + fixes == sites  # never a partial file
    if code == 128 + signum:
        assert originals == sites and "restored" in err
    else:  # the run ended before the signal arrived
        assert code == 0 and fixes == sites, err
    assert not temp_files(tmp_path)


def test_include_outside_a_relative_root_is_not_written(tmp_path: Path) -> None:
    (tmp_path / "repo/etc/apache2").mkdir(parents=True)
    (tmp_path / "inc").mkdir()
    evil = tmp_path / "inc/evil.conf"
    evil.write_text(RACE.format(i=1))
    (tmp_path / "repo/etc/apache2/apache2.conf").write_text("Include /../inc/evil.conf\n")
    done = run("--root", "repo", "repo/etc/apache2", cwd=tmp_path)
    assert "outside the configuration tree" in done.stdout, done.stdout + done.stderr
    assert _lost(evil, RACE.format(i=1)) == 0 and FIXED_LINE not in evil.read_text()


def test_wrapper_outside_the_root_is_not_written(tmp_path: Path) -> None:
    (tmp_path / "repo/etc/apache2").mkdir(parents=True)
    victim = tmp_path / "victim_wrapper"
    script = "#!/bin/sh\nexport PHP_FCGI_CHILDREN=4\nexec /usr/bin/php-cgi\n"
    victim.write_text(script)
    victim.chmod(0o755)
    (tmp_path / "repo/etc/apache2/apache2.conf").write_text(
        "<VirtualHost *:80>\n    FcgidWrapper /../victim_wrapper .php\n</VirtualHost>\n")
    done = run("--select", "FCG002", "--root", "repo", "repo/etc/apache2", cwd=tmp_path)  # a safe fix, in the wrapper
    assert "outside the configuration tree" in done.stdout, done.stdout + done.stderr
    assert victim.read_text() == script


def test_server_root_slash_does_not_let_a_symlink_out(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere/victim.conf"
    elsewhere.parent.mkdir()
    elsewhere.write_text(RACE.format(i=1))
    conf_dir = tmp_path / "etc/apache2"
    conf_dir.mkdir(parents=True)
    (conf_dir / "site.conf").symlink_to(elsewhere)
    (conf_dir / "apache2.conf").write_text(f'ServerRoot "/"\nInclude {conf_dir}/site.conf\n')
    done = run(str(conf_dir))
    assert "outside the configuration tree" in done.stdout, done.stdout + done.stderr
    assert elsewhere.read_text() == RACE.format(i=1)


def test_a_backup_name_that_is_a_symlink_is_never_followed(tmp_path: Path) -> None:
    secret = tmp_path / "shadow"
    secret.write_text("root:secret-hash\n")
    secret.chmod(0o600)
    conf = tmp_path / "etc/apache2/apache2.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(RACE.format(i=1))
    (conf.parent / "apache2.conf.bak").symlink_to(secret)
    done = run("--backup", "--verify", "false", str(conf.parent))
    assert done.returncode == 2, done.stderr
    assert secret.read_text() == "root:secret-hash\n" and oct(secret.stat().st_mode & 0o777) == "0o600"
    assert os.readlink(conf.parent / "apache2.conf.bak") == str(secret)
    leaked = [p for p in conf.parent.iterdir() if not p.is_symlink() and "secret-hash" in p.read_text()]
    assert leaked == [] and conf.read_text() == RACE.format(i=1)


def test_backups_are_numbered_and_never_overwritten(tmp_path: Path) -> None:
    conf = tmp_path / "etc/apache2/apache2.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(RACE.format(i=1))
    conf.chmod(0o640)
    assert run("--backup", str(conf.parent)).returncode == 0
    conf.write_text(RACE.format(i=2))  # the admin reverts and edits; a second run must keep both originals
    assert run("--backup", str(conf.parent)).returncode == 0
    first, second = conf.parent / "apache2.conf.bak", conf.parent / "apache2.conf.bak.1"
    assert first.read_text() == RACE.format(i=1) and second.read_text() == RACE.format(i=2)
    assert oct(second.stat().st_mode & 0o777) == "0o640"


def test_a_killed_run_leaves_no_named_temporary_file_and_old_ones_are_removed(tmp_path: Path) -> None:
    conf_dir = hosting_tree(tmp_path, 300)
    watch = Watch(conf_dir / "sites", IN_MOVED_TO)
    process = start(str(conf_dir))
    try:
        assert watch.wait(60)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        watch.close()
    process.communicate()
    COUNTS["inputs tried"] += 1
    assert not temp_files(tmp_path)  # the content lived in an anonymous file until its rename
    stale = conf_dir / "sites/.s0001.conf.1a2b3c4d.fcgilint-tmp"
    stale.write_text(RACE.format(i=1))
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    done = run(str(conf_dir))
    assert not stale.exists() and f"removed {stale}" in done.stdout, done.stdout


def test_a_hard_linked_file_is_not_split(tmp_path: Path) -> None:
    conf_dir = tmp_path / "etc/apache2"
    conf_dir.mkdir(parents=True)
    site = conf_dir / "site.conf"
    site.write_text(RACE.format(i=1))
    os.link(site, tmp_path / "other-name.conf")
    (conf_dir / "apache2.conf").write_text(f"Include {site}\n")
    done = run(str(conf_dir))
    assert "2 hard links" in done.stdout, done.stdout
    assert site.read_text() == RACE.format(i=1) and os.stat(site).st_nlink == 2


def test_a_backup_and_the_fixed_file_keep_owner_and_mode(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another owner")
    conf = tmp_path / "etc/apache2/apache2.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(RACE.format(i=1))
    os.chown(conf, 65534, 65534)  # nobody:nogroup, as a hosting panel leaves a vhost file
    conf.chmod(0o2640)
    assert run("--backup", str(conf.parent)).returncode == 0
    for path in (conf, conf.parent / "apache2.conf.bak"):
        info = os.stat(path)
        assert (info.st_uid, info.st_gid, oct(info.st_mode & 0o7777)) == (65534, 65534, "0o2640"), path
    assert conf.read_text() == fixed(1) and (conf.parent / "apache2.conf.bak").read_text() == RACE.format(i=1)
