"""The pre-commit hooks, run by the real ``pre-commit`` against a throw-away git repository.

The hook repository is a local commit of this working tree (pre-commit needs a
git repository and a rev), so the test runs without reaching any remote.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, write_tree
from tests.formats.helpers import WRAPPER

pytestmark = pytest.mark.skipif(
    shutil.which("pre-commit") is None or shutil.which("git") is None, reason="needs pre-commit and git"
)

HOOK_FILES = (".pre-commit-hooks.yaml", "pyproject.toml", "README.md", "fcgilint", "rules")
RACE = "<VirtualHost *:80>\n    FcgidWrapper /usr/local/bin/php-wrapper .php\n</VirtualHost>\n"
EXAMPLE = REPO / "examples" / "ci" / "pre-commit-config.yaml"
FIXED = "FcgidMaxRequestsPerProcess 500\nFcgidMaxRequestLen 8388608\n" + RACE


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def hook_repo(base: Path) -> tuple[Path, str]:
    """A git repository holding the current working tree's hook definition and package."""
    repo = base / "hooks"
    repo.mkdir()
    for name in HOOK_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.is_file():
            shutil.copy2(source, repo / name)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "hooks")
    return repo, git(repo, "rev-parse", "HEAD")


def example_config(hooks: Path, rev: str, hook: str) -> str:
    """examples/ci/pre-commit-config.yaml with its placeholder repo:/rev: pointed at the local hook repository."""
    text = EXAMPLE.read_text()
    repo_line = next(line for line in text.splitlines() if line.strip().startswith("- repo: "))
    rev_line = next(line for line in text.splitlines() if line.strip().startswith("rev: "))
    text = text.replace(repo_line, f"  - repo: {hooks}").replace(rev_line, f"    rev: {rev}")
    return text.replace("- id: fcgilint-check", f"- id: {hook}")


def project(base: Path, hooks: Path, rev: str, apache: str, hook: str = "fcgilint-check") -> Path:
    repo = base / "project"
    write_tree(repo, {"etc/apache2/apache2.conf": apache, "usr/local/bin/php-wrapper": WRAPPER})
    (repo / ".pre-commit-config.yaml").write_text(example_config(hooks, rev, hook))
    git(repo, "init", "-q")
    git(repo, "add", ".")
    return repo


def pre_commit(repo: Path, home: Path, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1", "GITHUB_ACTIONS": ""}
    which = ["--files", *files] if files else ["--all-files"]
    return subprocess.run(
        ["pre-commit", "run", *which, "--color", "never"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_check_hook_finds_the_tree_without_a_config_and_passes_once_fixed(tmp_path: Path) -> None:
    hooks, rev = hook_repo(tmp_path)
    repo = project(tmp_path, hooks, rev, RACE)
    first = pre_commit(repo, tmp_path / "cache")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "fcgilint check" in first.stdout and "Failed" in first.stdout
    assert "etc/apache2/apache2.conf:2: error FCG001" in first.stdout
    (repo / "etc/apache2/apache2.conf").write_text(FIXED)
    git(repo, "add", ".")
    second = pre_commit(repo, tmp_path / "cache")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Passed" in second.stdout


def test_fix_hook_fixes_the_tree_without_a_config_then_passes(tmp_path: Path) -> None:
    hooks, rev = hook_repo(tmp_path)
    repo = project(tmp_path, hooks, rev, "FcgidMaxRequestLen 8388608\n" + RACE, hook="fcgilint-fix")
    first = pre_commit(repo, tmp_path / "cache")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "fcgilint fix" in first.stdout and "files were modified by this hook" in first.stdout
    assert "fixed FCG001 etc/apache2/apache2.conf:" in first.stdout
    fixed = (repo / "etc/apache2/apache2.conf").read_text()
    assert "FcgidMaxRequestsPerProcess 500" in fixed
    git(repo, "add", ".")
    second = pre_commit(repo, tmp_path / "cache")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Passed" in second.stdout
    assert (repo / "etc/apache2/apache2.conf").read_text() == fixed


def test_hook_manifest_declares_both_hooks() -> None:
    from ruamel.yaml import YAML

    hooks = {h["id"]: h for h in YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"fcgilint-check", "fcgilint-fix"}
    assert all(h["language"] == "python" and h["pass_filenames"] is False for h in hooks.values())


def test_example_config_has_the_repo_and_rev_shape_pre_commit_expects() -> None:
    from ruamel.yaml import YAML

    (entry,) = YAML(typ="safe").load(EXAMPLE.read_text())["repos"]
    assert entry["repo"].startswith("https://") and entry["repo"].endswith(".git")
    assert entry["rev"] == "v0.1.0" and [h["id"] for h in entry["hooks"]] == ["fcgilint-check"]


WRAPPER_NAMES = (
    "usr/local/bin/php-wrapper", "var/www/cgi-bin/php-fcgi", "usr/lib/cgi-bin/php-fastcgi", "srv/fcgi/php8.2-fcgi",
    "var/www/fcgi-bin/example.org", "home/u/php-fcgi-starter", "opt/site/php.fcgi", "usr/local/bin/start-php.sh",
    "etc/apache2/sites-enabled/example", "etc/php/8.2/cgi/php.ini", ".fcgilint.yaml",
)
UNRELATED = ("README.md", "src/app.py", "docs/index.html", "bin/deploy")


def test_file_patterns_cover_common_wrapper_names() -> None:
    import re

    from ruamel.yaml import YAML

    hooks = YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text())
    pattern = re.compile(hooks[0]["files"])  # pre-commit matches with Python's re.search
    assert [n for n in WRAPPER_NAMES if not pattern.search(n)] == []
    assert [n for n in UNRELATED if pattern.search(n)] == []


def test_a_commit_touching_only_a_wrapper_runs_the_hook(tmp_path: Path) -> None:
    hooks, rev = hook_repo(tmp_path)
    repo = project(tmp_path, hooks, rev, RACE)
    write_tree(
        repo, {"etc/apache2/apache2.conf": RACE.replace("php-wrapper", "php-fcgi"), "usr/local/bin/php-fcgi": WRAPPER}
    )
    git(repo, "add", ".")
    only_wrapper = pre_commit(repo, tmp_path / "cache", "usr/local/bin/php-fcgi")
    assert only_wrapper.returncode == 1 and "Failed" in only_wrapper.stdout, only_wrapper.stdout + only_wrapper.stderr
    unrelated = pre_commit(repo, tmp_path / "cache", ".pre-commit-config.yaml")
    assert unrelated.returncode == 0 and "Skipped" in unrelated.stdout, unrelated.stdout
