"""``fix`` and ``check --fix/--diff`` resolve their settings exactly like ``check``.

The sample repository has FCG006 (a legacy MaxRequestsPerProcess spelling)
with a safe fix; whatever hides that finding from ``check`` must also keep
``fix`` from touching it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.formats.helpers import ENTRY, chdir, invoke

LEGACY = "MaxRequestsPerProcess 1000"


def entry_text(repo: Path) -> str:
    return (repo / ENTRY).read_text()


def has_legacy(repo: Path) -> bool:
    """The legacy spelling is still a line of its own (the fix renames it in place)."""
    return LEGACY in entry_text(repo).splitlines()


def test_fix_without_paths_fixes_every_entry_under_the_working_directory(repo: Path) -> None:
    outcome = invoke(["fix", "--root", "."])
    assert outcome.code in (0, 1), outcome.stderr
    assert outcome.stdout.startswith("fixed ")
    assert not has_legacy(repo)


def test_fix_without_paths_uses_the_entry_of_the_config_file(repo: Path) -> None:
    Path(".fcgilint.yaml").write_text(f"root: .\nentry: [{ENTRY}]\n")
    outcome = invoke(["fix"])
    assert outcome.code in (0, 1), outcome.stderr
    assert not has_legacy(repo)


def test_fix_with_nothing_to_fix_says_so_and_exits_2(tmp_path: Path) -> None:
    with chdir(tmp_path):
        outcome = invoke(["fix"])
    assert outcome.code == 2
    assert outcome.stderr.startswith("fcgilint: nothing to check: no path given")


@pytest.mark.parametrize(
    "config",
    [
        "root: .\nignore: [FCG006]\n",
        "root: .\nper_path_ignores:\n  'etc/apache2/*.conf': [FCG006]\n",
        "root: .\nselect: [FCG013]\n",
    ],
)
def test_fix_leaves_what_the_config_file_hides(repo: Path, config: str) -> None:
    Path(".fcgilint.yaml").write_text(config)
    outcome = invoke(["fix", ENTRY])
    assert outcome.code in (0, 1), outcome.stderr
    assert has_legacy(repo)
    assert "FCG006" not in outcome.stdout


def test_fix_leaves_an_inline_suppressed_finding(repo: Path) -> None:
    path = repo / ENTRY
    path.write_text(entry_text(repo).replace(LEGACY, f"# fcgilint: disable=FCG006 -- the panel needs it\n{LEGACY}"))
    before = entry_text(repo)
    outcome = invoke(["fix", "--root", ".", "--select", "FCG006", ENTRY])
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    assert entry_text(repo) == before
    assert "0 fix(es) applied" in outcome.stdout


def test_no_inline_ignores_lets_fix_apply_it(repo: Path) -> None:
    path = repo / ENTRY
    path.write_text(entry_text(repo).replace(LEGACY, f"# fcgilint: disable=FCG006\n{LEGACY}"))
    outcome = invoke(["fix", "--root", ".", "--select", "FCG006", "--no-inline-ignores", ENTRY])
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    assert not has_legacy(repo)


def test_check_fix_and_diff_use_the_config_file_too(repo: Path) -> None:
    Path(".fcgilint.yaml").write_text("root: .\nignore: [FCG006]\n")
    diff = invoke(["check", "--diff", ENTRY])
    assert diff.stdout.startswith("--- a/")
    assert f"-{LEGACY}" not in diff.stdout
    invoke(["check", "--fix", ENTRY])
    assert has_legacy(repo)


@pytest.mark.parametrize(("config", "code"), [("root: .\n", 1), ("root: .\nfail_on: error\n", 0)])
def test_fail_on_of_the_config_file_decides_the_fix_exit_code(repo: Path, config: str, code: int) -> None:
    Path(".fcgilint.yaml").write_text(config)
    outcome = invoke(["fix", ENTRY])
    assert "remaining:" in outcome.stdout and "warning FCG040" in outcome.stdout
    assert "error FCG" not in outcome.stdout
    assert outcome.code == code


def test_check_diff_without_paths_finds_the_entries(repo: Path) -> None:
    outcome = invoke(["check", "--diff", "--root", "."])
    assert outcome.code in (0, 1), outcome.stderr
    assert outcome.stdout.startswith("--- a/")


UNSAFE = {
    "etc/apache2/apache2.conf": "FcgidMaxRequestsPerProcess 500\nFcgidIOTimeout 20\n"
    "<VirtualHost *:80>\n    FcgidWrapper /usr/local/bin/php-wrapper .php\n</VirtualHost>\n",
    "usr/local/bin/php-wrapper": "#!/bin/sh\nexec /usr/bin/php-cgi -d max_execution_time=60\n",
}


def test_check_diff_hint_names_an_option_check_accepts(tmp_path: Path) -> None:
    from tests.formats.helpers import make_repo

    with chdir(make_repo(tmp_path, UNSAFE)):
        safe = invoke(["check", "--diff", "--root", ".", ENTRY])
        assert "2 unsafe fix(es) not shown: add --unsafe-fixes to see them." in safe.stderr
        assert "FcgidIOTimeout" not in safe.stdout
        unsafe = invoke(["check", "--diff", "--unsafe-fixes", "--root", ".", ENTRY])
        assert unsafe.code in (0, 1), unsafe.stderr
        assert "+    FcgidIOTimeout " in unsafe.stdout and "unsafe fix(es) not shown" not in unsafe.stderr
        alone = invoke(["check", "--unsafe-fixes", "--root", ".", ENTRY])
        assert alone.code == 2 and "--unsafe-fixes applies with --diff or --fix" in alone.stderr
