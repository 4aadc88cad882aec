"""Every stage stays linear in the size of the tree, in every shape the benchmark generates.

Not a timing: the work is counted. For each tree shape of ``bench/check_bench.py`` the whole
pipeline runs on 25 and on 100 sites, and the work must grow at most like the tree (4x, with a 10%
allowance): the calls of each of fcgilint's Python functions (cProfile; per function, because the
fixed cost of each site would hide one quadratic function in the total), and the directives handed out by the
tree's lookups (``named``/``scoped``/``visible``), which catches a check that scans every directive
of the tree once per class without calling anything. The last tests show that both counts fail a
deliberately quadratic check.
"""

from __future__ import annotations

import cProfile
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fcgilint.checks import handlers
from fcgilint.checks.registry import CHECKS, Hit, NotChecked
from fcgilint.load.apache_tree import ConfigTree, LoadOptions, Placed
from fcgilint.model import Model
from fcgilint.pipeline import analyse
from tests.conftest import REPO

SMALL, LARGE = 25, 100
ALLOWED = 4.4  # LARGE / SMALL is 4


def _bench() -> object:
    spec = importlib.util.spec_from_file_location("check_bench", REPO / "bench" / "check_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_bench"] = module
    spec.loader.exec_module(module)
    return module


BENCH = _bench()
PACKAGE = Path(handlers.__file__).resolve().parent.parent
SHAPES = list(BENCH.SHAPES)  # type: ignore[attr-defined]


class Work:
    """Function calls and directives looked at during one run of the pipeline."""

    def __init__(self, calls: dict[str, int], examined: int) -> None:
        self.calls, self.examined = calls, examined


def measure(base: Path, shape: str, sites: int, monkeypatch: pytest.MonkeyPatch) -> Work:
    conf = BENCH.generate(base / f"{shape}-{sites}", shape, sites)  # type: ignore[attr-defined]
    examined = [0]
    merged = ConfigTree._merged

    def counting(self: ConfigTree, lists: list[list[Placed]]) -> list[Placed]:
        found = merged(self, lists)
        examined[0] += len(found)
        return found

    with monkeypatch.context() as patch:
        patch.setattr(ConfigTree, "_merged", counting)
        profile = cProfile.Profile()
        profile.enable()
        result = analyse(conf, LoadOptions())
        profile.disable()
    assert result.target == conf
    calls: dict[str, int] = {}
    for entry in profile.getstats():
        if isinstance(entry.code, str) or not _ours(entry.code.co_filename):
            continue  # builtins and other packages: a garbage-collector callback runs by allocations, not sites
        name = f"{entry.code.co_filename}:{entry.code.co_name}"
        calls[name] = calls.get(name, 0) + entry.callcount
    return Work(calls, examined[0])


def _ours(filename: str) -> bool:
    """fcgilint's own code, and the methods dataclasses generate for it (``__eq__``)."""
    return filename == "<string>" or Path(filename).is_relative_to(PACKAGE)


def growth(base: Path, shape: str, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, float], float]:
    """How much more often each function ran on the large tree (functions run at least once per
    large-tree site), and how many more directives the lookups handed out."""
    small = measure(base, shape, SMALL, monkeypatch)
    large = measure(base, shape, LARGE, monkeypatch)
    calls = {name: count / small.calls.get(name, 1) for name, count in large.calls.items() if count >= LARGE}
    return calls, large.examined / max(small.examined, 1)


@pytest.mark.parametrize("shape", SHAPES)
def test_work_grows_linearly_with_the_sites(shape: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls, examined = growth(tmp_path, shape, monkeypatch)
    assert len(calls) > 50  # the pipeline really ran on every site
    worse = {name: round(ratio, 1) for name, ratio in calls.items() if ratio > ALLOWED}
    assert not worse, f"{shape}: calls grew more than {ALLOWED}x for 4x the sites: {worse}"
    assert examined <= ALLOWED, f"{shape}: directives examined grew {examined:.2f}x for 4x the sites"


def _quadratic_by_calls(model: Model) -> Iterator[Hit | NotChecked]:
    """FCG017 as it was first written: every class against every Options line of the tree."""
    assert model.tree is not None
    for pc in model.classes:
        if pc.directive is not None:
            for options in model.tree.named("Options"):
                handlers._applies(options, pc.directive, "/")
    return iter(())


def _quadratic_by_scans(model: Model) -> Iterator[Hit | NotChecked]:
    """A per-class filter over all the tree's Options lines: no function call per comparison."""
    assert model.tree is not None
    same = 0
    for pc in model.classes:
        for options in model.tree.named("Options"):
            same += options.vhost is pc.vhost
    assert same == len(model.classes)
    return iter(())


def test_a_quadratic_check_fails_the_call_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(CHECKS, "FCG017", _quadratic_by_calls)
    calls, _examined = growth(tmp_path, "directory", monkeypatch)
    assert max(calls.values()) > ALLOWED * 2
    assert calls[f"{handlers.__file__}:_applies"] > ALLOWED * 2


def test_a_quadratic_scan_fails_the_directive_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(CHECKS, "FCG017", _quadratic_by_scans)
    calls, examined = growth(tmp_path, "directory", monkeypatch)
    assert examined > ALLOWED * 2
    assert max(calls.values()) <= ALLOWED  # only the directive count sees this one


def test_execcgi_lookup_compares_each_class_with_its_own_options_only(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The index of FCG017: calls of ``_applies`` grow with the sites, not with their square."""
    calls = [0]
    applies = handlers._applies

    def counted(*args: object) -> int | None:
        calls[0] += 1
        return applies(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(handlers, "_applies", counted)
    counts = []
    for sites in (SMALL, LARGE):
        calls[0] = 0
        measure(tmp_path, "directory", sites, monkeypatch)
        counts.append(calls[0])
    assert counts[0] >= SMALL  # each class was looked at
    assert counts[1] <= counts[0] * ALLOWED
