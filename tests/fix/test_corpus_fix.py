"""Fix every real Apache config of the shared corpus that has a fixable finding, in a temporary copy.

After fixing (unsafe fixes included, so every remedy runs), the copy re-checks
clean for the rules that were fixed, each pass changed only the lines it edited,
and where ``apache2`` is installed, a file that ``apache2 -t`` accepted before is
still accepted after. The corpus is read in place (``shared/corpus`` beside the
repository, or ``$FCGILINT_SHARED/corpus``) and never copied into the project.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from fcgilint.load.apache_tree import LoadOptions
from fcgilint.templates import is_placeholder
from fcgilint.pipeline import analyse, sniff
from tests.fix.fix_support import RULES, single_pass_changes_only_edited_lines

SHARED = Path(os.environ.get("FCGILINT_SHARED", Path(__file__).resolve().parents[2].parent / "shared"))
CORPUS = SHARED / "corpus"
MODULES = Path("/usr/lib/apache2/modules")
# Documents that quote configuration, and template sources whose values are filled in later.
NOT_CONFIG = {".md", ".rst", ".txt", ".tpl", ".erb", ".epp", ".pp", ".master", ".dist", ".c", ".ini"}
HTTPD_MODULES = (
    "mpm_event authn_core authz_core authz_host authz_user authn_file auth_basic access_compat alias dir env mime "
    "setenvif rewrite headers actions cgid suexec userdir socache_shmcb ssl expires filter deflate include negotiation "
    "status autoindex fcgid"
).split()


def _is_config(path: Path) -> bool:
    if path.suffix in NOT_CONFIG or "Dockerfile" in path.name or path.name == "INDEX.md":
        return False
    try:
        return sniff(path) == "apache"
    except OSError:
        return False


def _fixable(path: Path) -> bool:
    result = analyse(path, LoadOptions(root=path.parent), RULES)
    tree = result.model.tree
    placeholders = tree is not None and any(is_placeholder(a) for d in tree.directives for a in d.args)
    return not placeholders and any(f.fix is not None for f in result.findings)


FILES = sorted(p.name for p in CORPUS.iterdir() if _is_config(p) and _fixable(p)) if CORPUS.is_dir() else []
pytestmark = pytest.mark.skipif(not FILES, reason="shared corpus not present (set FCGILINT_SHARED)")


def httpd_accepts(config: Path, work: Path) -> bool:
    """``apache2 -t`` on a minimal server that loads mod_fcgid and includes ``config``."""
    lines = [
        f"ServerRoot {work}",
        "ServerName localhost",
        f"PidFile {work}/httpd.pid",
        f"ErrorLog {work}/error.log",
        f"DefaultRuntimeDir {work}",
    ]
    lines += [
        f"LoadModule {m}_module {MODULES}/mod_{m}.so" for m in HTTPD_MODULES if (MODULES / f"mod_{m}.so").is_file()
    ]
    lines.append(f'Include "{config}"')
    main = work / "httpd-test.conf"
    main.write_text("\n".join(lines) + "\n")
    done = subprocess.run(["apache2", "-t", "-f", str(main)], capture_output=True, text=True, timeout=60, check=False)
    return done.returncode == 0


@pytest.mark.parametrize("name", FILES)
def test_fixed_corpus_file_rechecks_clean_and_httpd_still_accepts_it(name: str, tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    copy = root / name
    shutil.copyfile(CORPUS / name, copy)
    fixed_rules: set[str] = set()
    for _ in range(5):
        outcome = single_pass_changes_only_edited_lines(copy, [copy], root=root, unsafe=True)
        fixed_rules |= {a.finding.rule for a in outcome.applied}
        if not outcome.applied:
            break
    assert fixed_rules, f"{name}: a fixable finding was reported but nothing was fixed"
    left = [
        f for f in analyse(copy, LoadOptions(root=root), RULES).findings if f.rule in fixed_rules and f.fix is not None
    ]
    assert not left, [f"{f.rule} {f.location}: {f.message}" for f in left]
    if shutil.which("apache2") is None or not (MODULES / "mod_fcgid.so").is_file():
        pytest.skip("apache2 with mod_fcgid not installed: the 'apache2 -t' comparison was not run")
    work = tmp_path / "httpd"
    work.mkdir()
    if httpd_accepts(CORPUS / name, work):
        assert httpd_accepts(copy, work), (work / "error.log").read_text() if (work / "error.log").exists() else name
