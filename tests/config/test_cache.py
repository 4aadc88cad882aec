"""The re-check cache answers an unchanged tree from the last run, and any change to anything the
run read -- the config, an included file, a glob that gains a file, the wrapper, a file it sources,
php.ini, a .htaccess, the project config, an include that appears -- makes the next run check again.

Each test runs ``fcgilint check`` in-process twice or more and counts the real analyses. File times
are set in the past (:func:`age`), as they are when a tree is checked again minutes after the edit,
and, since ``utime`` cannot move a ctime back, the window in which a freshly modified file is not
trusted (see :mod:`fcgilint.cache`) is closed, except in the test of that window.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fcgilint import cache, check_run, pipeline
from fcgilint.settings import Choices
from tests.conftest import REPO, write_tree

WRAPPER = "#!/bin/sh\n. /etc/php-fcgi/common.sh\nPHPRC=/etc/php-fcgi\nexport PHPRC\nexec /usr/bin/php-cgi\n"
TREE = {
    "etc/apache2/apache2.conf": "FcgidMaxRequestsPerProcess 500\nIncludeOptional sites-enabled/*.conf\n",
    "etc/apache2/sites-enabled/a.conf": "<VirtualHost *:80>\nServerName a.example\nDocumentRoot /var/www/a\n"
    "<Directory /var/www/a>\nOptions +ExecCGI\nAllowOverride All\nAddHandler fcgid-script .php\n"
    "FcgidWrapper /etc/php-fcgi/wrapper .php\n</Directory>\n</VirtualHost>\n",
    "etc/php-fcgi/wrapper": WRAPPER,
    "etc/php-fcgi/common.sh": "PHP_FCGI_MAX_REQUESTS=500\nexport PHP_FCGI_MAX_REQUESTS\n",
    "etc/php-fcgi/php.ini": "[PHP]\npost_max_size = 64K\n",
    "var/www/a/index.php": "<?php echo 1;\n",
}


def age(root: Path, seconds: float = 600.0) -> None:
    """Move every file time under root into the past (distinct per call, like real edits)."""
    when = time.time() - seconds
    for directory, _dirs, files in os.walk(root):
        for name in files:
            os.utime(os.path.join(directory, name), (when, when))


class Runs:
    """Runs `fcgilint check --format json` on the tree and counts the analyses that really happened."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        self.root, self.capsys, self.analysed = root, capsys, 0
        monkeypatch.setenv("FCGILINT_CACHE_DIR", str(root.parent / "cache"))
        monkeypatch.delenv("FCGILINT_NO_CACHE", raising=False)
        monkeypatch.chdir(root)
        monkeypatch.setattr(cache, "RACY_SECONDS", 0.0)
        real = pipeline.analyse

        def counted(*args: object, **kwargs: object) -> pipeline.Result:
            self.analysed += 1
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(pipeline, "analyse", counted)

    def check(self, no_cache: bool = False) -> tuple[str, int]:
        choices = Choices([Path("etc/apache2/apache2.conf")], root=self.root)
        code = check_run.run(choices, "json", True, None, None, False, no_cache=no_cache)
        return self.capsys.readouterr().out, code


@pytest.fixture
def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Runs:
    root = tmp_path / "tree"
    write_tree(root, TREE)
    age(root)
    return Runs(root, monkeypatch, capsys)


def test_an_unchanged_tree_is_answered_from_the_cache(runs: Runs) -> None:
    first = runs.check()
    assert runs.analysed == 1 and first[1] == 1 and '"FCG005"' in first[0]
    assert runs.check() == first
    assert runs.analysed == 1


def test_no_cache_checks_again_and_stores_nothing(runs: Runs) -> None:
    runs.check(no_cache=True)
    runs.check(no_cache=True)
    assert runs.analysed == 2
    assert not (runs.root.parent / "cache").exists()


def test_fcgilint_no_cache_in_the_environment(runs: Runs, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FCGILINT_NO_CACHE", "1")
    runs.check()
    runs.check()
    assert runs.analysed == 2


EDITS = {
    "the entry config": (
        "etc/apache2/apache2.conf",
        "FcgidMaxRequestsPerProcess 400\nIncludeOptional sites-enabled/*.conf\n",
    ),
    "an included file": (
        "etc/apache2/sites-enabled/a.conf",
        TREE["etc/apache2/sites-enabled/a.conf"].replace("a.example", "b.example"),
    ),
    "the wrapper": (
        "etc/php-fcgi/wrapper",
        WRAPPER.replace("exec", "PHP_FCGI_CHILDREN=4\nexport PHP_FCGI_CHILDREN\nexec"),
    ),
    "a file the wrapper sources": ("etc/php-fcgi/common.sh", "PHP_FCGI_MAX_REQUESTS=9\nexport PHP_FCGI_MAX_REQUESTS\n"),
    "php.ini": ("etc/php-fcgi/php.ini", "[PHP]\npost_max_size = 65K\n"),
    "a new file a glob matches": ("etc/apache2/sites-enabled/b.conf", "FcgidIOTimeout 5\n"),
    "an optional include that appears": ("etc/apache2/conf.d/extra.conf", "FcgidIOTimeout 5\n"),
    "the project config": (".fcgilint.yaml", "ignore: [FCG005]\n"),
}


@pytest.mark.parametrize("what", list(EDITS))
def test_a_change_to_anything_read_is_checked_again(what: str, runs: Runs) -> None:
    if what == "an optional include that appears":
        (runs.root / "etc/apache2/apache2.conf").write_text(
            TREE["etc/apache2/apache2.conf"] + "IncludeOptional conf.d/extra.conf\n"
        )
        age(runs.root)
    before = runs.check()
    assert runs.check() == before and runs.analysed == 1
    name, text = EDITS[what]
    (runs.root / name).parent.mkdir(parents=True, exist_ok=True)
    (runs.root / name).write_text(text)
    age(runs.root, 300.0)  # an edit made five minutes ago: the times moved, nothing is racy
    after = runs.check()
    assert runs.analysed == 2, f"a change to {what} was answered from the cache"
    assert after == runs.check() and runs.analysed == 2  # the new result is cached in turn
    fresh = runs.check(no_cache=True)
    assert after == fresh


def test_a_removed_file_is_checked_again(runs: Runs) -> None:
    first = runs.check()
    (runs.root / "etc/php-fcgi/php.ini").unlink()
    assert runs.check() != first and runs.analysed == 2


def test_an_edit_that_keeps_size_and_time_is_still_seen_when_the_file_was_fresh(
    runs: Runs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that read a file modified just now is not stored: an edit in the same clock tick could
    keep the size and the times (the racy case), so the next run checks again."""
    monkeypatch.setattr(cache, "RACY_SECONDS", 2.0)
    (runs.root / "etc/php-fcgi/php.ini").write_text("[PHP]\npost_max_size = 64K\n")
    runs.check()
    stat = (runs.root / "etc/php-fcgi/php.ini").stat()
    (runs.root / "etc/php-fcgi/php.ini").write_text("[PHP]\npost_max_size = 99K\n")
    os.utime(runs.root / "etc/php-fcgi/php.ini", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    out, _code = runs.check()
    assert runs.analysed == 2 and "99K" in out


def test_htaccess_edit_is_checked_again(runs: Runs) -> None:
    htaccess = runs.root / "var/www/a/.htaccess"
    htaccess.write_text("php_value memory_limit 1G\n")
    age(runs.root)
    without = runs.check(no_cache=True)
    htaccess.write_text("# nothing\n")
    age(runs.root, 300.0)
    if runs.check(no_cache=True) == without:
        pytest.skip("this version does not read .htaccess files")
    runs.analysed = 0
    runs.check()
    htaccess.write_text("php_value memory_limit 1G\n")
    age(runs.root, 100.0)
    assert runs.check() == without and runs.analysed == 2


def test_the_cache_lives_under_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FCGILINT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "fcgilint"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "fcgilint"


def test_a_corrupt_entry_is_a_miss_not_an_error(runs: Runs) -> None:
    first = runs.check()
    for entry in (runs.root.parent / "cache").iterdir():
        entry.write_bytes(b"\x00garbage")
    assert runs.check() == first and runs.analysed == 2


def test_the_command_line_reuses_and_no_cache_bypasses(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    write_tree(root, TREE)
    age(root)
    time.sleep(cache.RACY_SECONDS + 0.1)  # a separate process: the ctime of a just-written file is trusted only then
    env = {**os.environ, "FCGILINT_CACHE_DIR": str(tmp_path / "cache")}
    argv = [
        sys.executable,
        "-m",
        "fcgilint",
        "check",
        "--format",
        "json",
        "--root",
        str(root),
        str(root / "etc/apache2/apache2.conf"),
    ]
    runs = [
        subprocess.run(argv + extra, cwd=REPO, env=env, capture_output=True, text=True, check=False)
        for extra in ([], [], ["--no-cache"])
    ]
    assert [r.returncode for r in runs] == [1, 1, 1]
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout
    assert len(list((tmp_path / "cache").iterdir())) == 1
