"""Whole trees against the real httpd: the example seed (``--root``) and the shared corpus.

The seed is checked the way CI checks a config repository: fcgilint reads the
repository's files with ``root`` = the seed directory, while httpd reads a
temporary copy whose absolute paths were rewritten into the copy (same lines,
same line numbers). Paths on both sides are compared as the server names them.

Corpus files are read in place (never copied into the project). httpd is told to
load a generous set of modules so that real-world files load on their own; a file
that still fails does so for a reason outside fcgilint's model, and that reason
must be one of :data:`OUTSIDE_FCGILINT`.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from fcgilint.templates import is_placeholder
from tests.differential.httpd_support import (
    CORPUS,
    CORPUS_MODULES,
    corpus_configs,
    Entry,
    Server,
    fcgilint_entries,
    fcgilint_load,
    fcgilint_refusals,
    missing_requirements,
)

pytestmark = pytest.mark.skipif(missing_requirements() is not None, reason=str(missing_requirements()))

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed"
SERVER_PREFIXES = ("/etc/apache2", "/usr/local/bin", "/var/www")

# httpd refusals fcgilint does not model: other modules' directives, files that exist
# only on the real server (wrappers, suexec, certificates, log directories).
OUTSIDE_FCGILINT = (
    r"Invalid command '",
    r"Wrapper .* cannot be accessed",
    r"Could not open configuration file",
    r"No matches for the wildcard",
    r"does not exist",
    r"No such file or directory",
    r"Cannot load ",
    r"SuexecUserGroup",
    r"Either all Options must start with \+ or -",
    r"Invalid argument",
    r"DocumentRoot '.*' is not a directory",
    r"not allowed here",
)


def _seed_copy(work: Path) -> Path:
    """The seed under ``work/root`` with server paths pointed into the copy."""
    root = work / "root"
    shutil.copytree(SEED, root)
    for path in root.rglob("*"):
        if path.is_file() and (path.suffix in (".conf", ".load") or path.name == "envvars"):
            text = path.read_text(encoding="utf-8")
            for prefix in SERVER_PREFIXES:
                text = text.replace(prefix, f"{root}{prefix}")
            path.write_text(text, encoding="utf-8")
    return root


def _as_server_names(entries: list[Entry], root: Path) -> list[Entry]:
    """Entries with the copy's directory removed from file names and arguments."""
    prefix = str(root.resolve())
    return [
        Entry(e.file.removeprefix(prefix), e.line, e.name, tuple(a.replace(prefix, "") for a in e.args))
        for e in entries
    ]


def _envvars(path: Path) -> dict[str, str]:
    """What Debian's apache2ctl exports from envvars before it runs apache2."""
    return dict(re.findall(r"^export (\w+)=(\S*)$", path.read_text(encoding="utf-8"), re.M))


def test_seed_tree_with_root_matches_httpd(tmp_path: Path) -> None:
    server = Server(tmp_path / "httpd")
    root = _seed_copy(tmp_path)
    main = server.write_main(root / "etc/apache2/apache2.conf")
    env = {
        **_envvars(root / "etc/apache2/envvars"),
        "APACHE_PID_FILE": str(server.run_dir / "seed.pid"),
        "APACHE_LOG_DIR": str(server.run_dir),
    }
    verdict = server.check(env=env)
    assert verdict.ok, verdict.messages
    tree = fcgilint_load(SEED / "etc/apache2/apache2.conf", server.load_options(root=SEED))
    assert fcgilint_refusals(tree) == []
    seed = str(SEED.resolve())
    ours = [Entry(tree.paths.to_config(e.file), e.line, e.name, e.args) for e in fcgilint_entries(tree)]
    theirs = _as_server_names([e for e in verdict.dump if e.file != str(main.resolve())], root)
    assert ours and all(not e.file.startswith(seed) for e in ours)
    assert ours == theirs


CORPUS_FILES = [p.name for p in corpus_configs()]


@pytest.mark.skipif(not CORPUS_FILES, reason="shared corpus not present (set FCGILINT_SHARED)")
@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_file_matches_httpd(name: str, tmp_path: Path) -> None:
    server = Server(tmp_path, CORPUS_MODULES)
    main = server.write_main(CORPUS / name)
    verdict = server.check()
    tree = fcgilint_load(main, server.load_options())
    refusals = fcgilint_refusals(tree)
    if verdict.ok:
        assert refusals == [], "httpd accepts the file"
        ours = fcgilint_entries(tree, exclude=main)
        assert ours == [e for e in verdict.dump if e.file != os.path.realpath(main)]
    elif not refusals:
        reason = verdict.messages.splitlines()[-1]
        if is_placeholder((CORPUS / name).read_text(encoding="utf-8", errors="replace")):
            return  # a template: a placeholder splits into words httpd counts; fcgilint treats it as one unknown value
        assert any(re.search(p, verdict.messages) for p in OUTSIDE_FCGILINT), (
            f"httpd refuses for a reason fcgilint should see: {reason}"
        )
