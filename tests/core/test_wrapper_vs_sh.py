"""The wrapper reader agrees with a real POSIX shell on what php-cgi's environment holds.

Random sequences of the statements wrapper scripts use (assignments, ``export``,
``unset``, ``${VAR:-default}``, quoting) are simulated by fcgilint and run by ``/bin/sh``
with ``exec env`` in place of ``exec php-cgi``; the exported values must be the same.
fcgilint never runs a wrapper; only this test does, to check the simulation.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fcgilint.load.paths import PathMap
from fcgilint.load.wrapper import Setting, WrapperScript
from fcgilint.source import SourceFile

NAMES = ("PHP_FCGI_MAX_REQUESTS", "PHP_FCGI_CHILDREN", "PHPRC", "OTHER")
SH = shutil.which("sh")
pytestmark = pytest.mark.skipif(SH is None, reason="no /bin/sh")

names = st.sampled_from(NAMES)
plain = st.sampled_from(["0", "20", "500", "1000", "abc", "", "/etc/php"])
values = st.one_of(
    plain,
    plain.map(lambda v: f"'{v}'"),
    plain.map(lambda v: f'"{v}"'),
    st.tuples(names, plain).map(lambda t: f"${{{t[0]}:-{t[1]}}}"),
    st.tuples(names, plain).map(lambda t: f'"${{{t[0]}-{t[1]}}}"'),
    names.map(lambda n: f"${n}"),
)
statements = st.one_of(
    st.tuples(names, values).map(lambda t: f"{t[0]}={t[1]}"),
    st.tuples(names, values).map(lambda t: f"export {t[0]}={t[1]}"),
    names.map(lambda n: f"export {n}"),
    names.map(lambda n: f"unset {n}"),
    st.tuples(names, values).map(lambda t: f"{t[0]}={t[1]}; export {t[0]}"),
)
inherited = st.dictionaries(names, plain, max_size=3)


def _real(script: str, env: dict[str, str]) -> dict[str, str]:
    done = subprocess.run(
        [SH, "-c", script + "\nexec env\n"], env=env, capture_output=True, text=True, check=True, timeout=10
    )
    pairs = (line.partition("=") for line in done.stdout.splitlines())
    return {k: v for k, _, v in pairs if k in NAMES}


def _simulated(script: str, env: dict[str, str]) -> dict[str, str]:
    text = "#!/bin/sh\n" + script + "\nexec /usr/bin/php-cgi\n"
    wrapper = WrapperScript(
        Path("wrapper"), "wrapper", SourceFile(Path("wrapper"), "wrapper", text), "shell", PathMap()
    )
    run = wrapper.run({k: Setting(k, v, None, True) for k, v in env.items()})
    return {k: s.value or "" for k, s in run.env.items() if k in NAMES}


@settings(max_examples=150, deadline=None)
@given(st.lists(statements, max_size=8), inherited)
# unset drops the export flag
@example(["X=0; export X".replace("X", NAMES[0]), f"unset {NAMES[0]}", f"{NAMES[0]}=0"], {})
def test_exported_environment_matches_sh(lines: list[str], env: dict[str, str]) -> None:
    script = "\n".join(lines)
    assert _simulated(script, env) == _real(script, env), script
