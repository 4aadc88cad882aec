"""The CI examples in examples/ci/, run the way a CI job runs them.

No package index serves fcgilint, so the examples install it from a git URL the
user fills in. The tests take the install command as written, point its URL at
a local git repository holding this working tree, install into a fresh virtual
environment, and run the job's fcgilint commands on a small config repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.config.test_pre_commit import hook_repo
from tests.conftest import REPO, write_tree
from tests.formats.helpers import WRAPPER

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

EXAMPLES = REPO / "examples" / "ci"
RACE = "<VirtualHost *:80>\n    FcgidWrapper /usr/local/bin/php-wrapper .php\n</VirtualHost>\n"


def load(name: str) -> dict:
    return YAML(typ="safe").load((EXAMPLES / name).read_text())


def github_steps() -> list[dict]:
    return load("github-actions.yml")["jobs"]["fcgilint"]["steps"]


def install_step() -> dict:
    (step,) = [s for s in github_steps() if "pip install" in s.get("run", "")]
    return step


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment where the GitHub example's install step ran, URL pointed at this tree."""
    base = tmp_path_factory.mktemp("ci")
    hooks, rev = hook_repo(base)
    env_dir = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, capture_output=True)
    step = install_step()
    env = {**os.environ, **step["env"], "PATH": f"{env_dir / 'bin'}:{os.environ['PATH']}"}
    env["FCGILINT_GIT"] = f"file://localhost{hooks}@{rev}"
    done = subprocess.run(["bash", "-e", "-c", step["run"]], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return env_dir


def test_examples_install_from_a_git_url_not_an_index() -> None:
    step = install_step()
    assert step["run"] == 'pip install "fcgilint @ git+${FCGILINT_GIT}"'
    assert step["env"]["FCGILINT_GIT"].endswith(".git@v0.1.0")
    gitlab = load("gitlab-ci.yml")["fcgilint"]
    assert gitlab["variables"]["FCGILINT_GIT"] == step["env"]["FCGILINT_GIT"]
    assert step["run"] in gitlab["before_script"]
    assert not [
        line
        for line in (EXAMPLES / "github-actions.yml").read_text().splitlines()
        if line.strip().endswith("pip install fcgilint")
    ]


def checkout(base: Path) -> None:
    """A config repository as a CI job sees it: a git checkout (its top is the root fcgilint maps / into)."""
    write_tree(base, {"etc/apache2/apache2.conf": RACE, "usr/local/bin/php-wrapper": WRAPPER})
    subprocess.run(["git", "init", "-q", str(base)], check=True, capture_output=True)


def test_github_job_commands_run_with_the_installed_fcgilint(venv: Path, tmp_path: Path) -> None:
    checkout(tmp_path)
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "GITHUB_ACTIONS": "true", "NO_COLOR": "1"}
    runs = [s["run"] for s in github_steps() if s.get("run", "").startswith("fcgilint")]
    assert runs == ["fcgilint check", "fcgilint check --format sarif --exit-zero > fcgilint.sarif"]
    annotations = subprocess.run(
        ["bash", "-c", runs[0]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert annotations.returncode == 1, annotations.stderr
    assert annotations.stdout.startswith("::error file=etc/apache2/apache2.conf,line=2")
    sarif = subprocess.run(["bash", "-c", runs[1]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert sarif.returncode == 0, sarif.stderr
    doc = json.loads((tmp_path / "fcgilint.sarif").read_text())
    assert {r["ruleId"] for r in doc["runs"][0]["results"]} >= {"FCG001"}
    assert shutil.which("fcgilint", path=str(venv / "bin")) is not None


def test_gitlab_job_script_writes_the_junit_report_it_declares(venv: Path, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    job = load("gitlab-ci.yml")["fcgilint"]
    checkout(tmp_path)
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "GITHUB_ACTIONS": "", "NO_COLOR": "1"}
    script = subprocess.run(
        ["bash", "-c", "\n".join(job["script"])], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert script.returncode == 1, script.stderr
    report = tmp_path / job["artifacts"]["reports"]["junit"]
    failures = ET.parse(report).getroot().iter("failure")
    assert any("FCG001" in (f.get("message") or "") + (f.text or "") for f in failures)
    after = subprocess.run(
        ["bash", "-c", "\n".join(job["after_script"])],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert after.returncode == 0 and "error FCG001" in after.stdout
    quality = json.loads((tmp_path / job["artifacts"]["reports"]["codequality"]).read_text())
    assert [i["check_name"] for i in quality if i["severity"] == "major"] == ["FCG001"]
