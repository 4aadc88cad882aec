"""The rules of a big tree run on both cores when one is idle, and nothing a user sees depends on it.

``checks.run`` shares the rules between this process and a forked worker above
``PARALLEL_DIRECTIVES``; the tests lower that bound so a small generated tree takes the same path,
and compare with the one-process run: the same findings in the same order, the same notes, and
the same record of what was read for the re-check cache (a worker's reads are handed back).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from fcgilint import cache, checks, workers
from fcgilint.load.apache_tree import LoadOptions, load_tree
from fcgilint.model import Model, build_model
from fcgilint.rules import load_rules
from tests.core.test_linear_growth import BENCH

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods() or len(os.sched_getaffinity(0)) < 2,
    reason="needs fork and two cores",
)


@pytest.fixture(autouse=True)
def _two_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FCGILINT_WORKERS", "2")


def _model(base: Path, shape: str) -> Model:
    conf = BENCH.generate(base / shape, shape, 30)  # type: ignore[attr-defined]
    return build_model(load_tree(conf, LoadOptions()))


def _outcome(model: Model, bound: int, monkeypatch: pytest.MonkeyPatch) -> tuple[object, cache.Reads]:
    monkeypatch.setattr(checks, "PARALLEL_DIRECTIVES", bound)
    model.derived.clear()
    rules = load_rules()
    with cache.recording() as reads:
        outcome = checks.run(model, rules)
    shown = ([f.to_json() for f in outcome.findings], [(n.rule, n.why) for n in outcome.unchecked])
    return shown, reads


@pytest.mark.parametrize("shape", ["directory", "htaccess", "cmdoptions", "suexec", "debian"])
def test_both_cores_give_the_same_outcome_and_reads(shape: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model(tmp_path, shape)
    alone, alone_reads = _outcome(model, 10**9, monkeypatch)
    shared, shared_reads = _outcome(model, 0, monkeypatch)
    assert alone[0], "the tree has findings to compare"  # type: ignore[index]
    assert shared == alone
    assert shared_reads.stats.keys() == alone_reads.stats.keys()
    assert shared_reads.listings.keys() == alone_reads.listings.keys()


def _slow_pid(item: int) -> tuple[int, int]:
    time.sleep(0.02)
    return item, os.getpid()


def test_results_come_in_the_order_of_the_jobs_from_both_processes() -> None:
    results = workers.split_map(_slow_pid, list(range(100)))
    assert [item for item, _pid in results] == list(range(100))
    assert len({pid for _item, pid in results}) == 2  # the worker took its share


def _fails_on_seven(item: int) -> int:
    if item == 7:
        raise ValueError("job 7 failed")
    return item


def test_a_job_that_fails_raises_here_as_without_the_worker() -> None:
    with pytest.raises(ValueError, match="job 7 failed"):
        workers.split_map(_fails_on_seven, list(range(10)))


def test_a_second_process_only_on_an_idle_core_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    assert workers.usable()
    monkeypatch.setenv("FCGILINT_WORKERS", "1")
    assert not workers.usable()
    monkeypatch.delenv("FCGILINT_WORKERS")
    cores = len(os.sched_getaffinity(0))
    monkeypatch.setattr(os, "getloadavg", lambda: (cores - 1.0, 0.0, 0.0))  # every core but one half busy
    assert not workers.usable()
    monkeypatch.setattr(os, "getloadavg", lambda: (cores - 1.0 - workers.IDLE_CORE, 0.0, 0.0))
    assert workers.usable()
