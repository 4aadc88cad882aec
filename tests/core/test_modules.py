"""The module set <IfModule> is judged against: assumed, stated, or a distribution's profile.

The inputs are minimal forms of what real fragments do (a ``<IfModule mod_deflate.c>`` block cut
off at the end of a file, an ``<IfModule mod_ssl.c>`` branch in a fragment without LoadModule).
The differential cases check the same blocks against httpd with and without the module.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from fcgilint.load.apache_tree import DEFAULT_MODULES, MODULE_PROFILES, LoadOptions
from fcgilint.pipeline import Result, analyse

REPO = Path(__file__).resolve().parents[2]
UNCLOSED = "FcgidIOTimeout 40\n<IfModule mod_deflate.c>\n  <Location /x>\n  SetOutputFilter DEFLATE\n"
SSL_BRANCH = ("<IfModule mod_ssl.c>\nFcgidIOTimeout 50\n</IfModule>\n"
              "<IfModule !mod_ssl.c>\nFcgidIOTimeout 60\n</IfModule>\n")


def _check(tmp_path: Path, text: str, **options: object) -> Result:
    conf = tmp_path / "fragment.conf"
    conf.write_text(text, encoding="utf-8")
    return analyse(conf, LoadOptions(**options))  # type: ignore[arg-type]


def _io_timeouts(result: Result) -> list[str]:
    assert result.model.tree is not None
    return [p.args[0] for p in result.model.tree.named("FcgidIOTimeout")]


def test_unclosed_inside_ifmodule_of_an_unstated_module_is_a_note(tmp_path: Path) -> None:
    result = _check(tmp_path, UNCLOSED)
    assert [f for f in result.findings if f.rule == "FCG007"] == []
    assert any("<IfModule mod_deflate.c> is not closed: httpd accepts that only if deflate is loaded" in n
               for n in result.notes)


@pytest.mark.parametrize(("options", "errors"), [
    ({"without_modules": frozenset({"deflate"})}, 2),  # known absent: httpd's "was not closed", twice
    ({"modules": frozenset({"deflate"})}, 0),  # loaded: httpd reads to the end of the file quietly
    ({"modules": frozenset({"debian"})}, 0),  # Debian enables mod_deflate by default
    ({"modules_exact": True}, 2),  # the set is stated in full and has no deflate
])
def test_stated_modules_decide(tmp_path: Path, options: dict[str, object], errors: int) -> None:
    result = _check(tmp_path, UNCLOSED, **options)
    assert len([f for f in result.findings if f.rule == "FCG007"]) == errors
    assert not any("is not closed" in n for n in result.notes)


def test_assumed_modules_are_named_in_a_note(tmp_path: Path) -> None:
    result = _check(tmp_path, SSL_BRANCH)
    assert _io_timeouts(result) == ["50"]
    (note,) = [n for n in result.notes if n.startswith("assumed loaded")]
    assert re.search(r"\bssl \(.*fragment.conf:1\)", note) and "-M debian" in note


def test_a_profile_states_the_set_in_full(tmp_path: Path) -> None:
    result = _check(tmp_path, SSL_BRANCH, modules=frozenset({"debian"}))
    assert _io_timeouts(result) == ["60"]  # Debian does not enable mod_ssl by default
    assert not any(n.startswith("assumed loaded") for n in result.notes)


def test_profile_contains_what_debian_compiles_in() -> None:
    static = subprocess.run(["apache2", "-l"], capture_output=True, text=True, check=False).stdout \
        if Path("/usr/sbin/apache2").exists() else ""
    if not static:
        pytest.skip("apache2 is not installed")
    compiled = {re.sub(r"^mod_", "", m.strip()[:-2]) for m in static.splitlines() if m.strip().endswith(".c")}
    assert compiled <= MODULE_PROFILES["debian"]


def test_help_and_readme_show_the_assumed_set() -> None:
    done = subprocess.run([sys.executable, "-m", "fcgilint", "check", "--help"], cwd=REPO, capture_output=True,
                          text=True, timeout=60, check=False, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert "debian" in done.stdout
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("### Modules")
    section = readme[start:readme.index("\n#", start + 1)]
    assert all(re.search(rf"\b{m}\b", section) for m in DEFAULT_MODULES), "README's assumed set is out of date"
