"""Both cores for a stage whose input is already in memory: this process and one forked worker,
when a second core is idle (or ``FCGILINT_WORKERS=2`` asks for it; ``FCGILINT_WORKERS=1`` never).

The checks of a 5,000-site tree read one model of millions of objects; copying it to another
process would cost more than the work. A forked worker shares it copy-on-write, so only the
results (small, picklable) cross back. This process takes jobs from the front of the list and
the worker from the back until they meet, so neighbouring jobs (which tend to share what they
compute once per model) stay in one process and neither waits while the other has work left.
Results are returned in the order of the jobs, so the output does not depend on the split; a job
the worker did not deliver (it failed or was killed) is run here, so an error is raised here as
it would be without the worker. What the worker read from the file system is handed to the
re-check cache's record (:mod:`fcgilint.cache`), so a cached run still sees every path it
depended on.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from fcgilint import cache, progress

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.sharedctypes import SynchronizedArray

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")


#: The worker is started only while the machine's 1-minute load leaves this much of a core unused.
IDLE_CORE = 0.5


def usable() -> bool:
    """True when a second process would run on a core of its own and this one can fork onto it.

    ``FCGILINT_WORKERS=2`` forces it and ``1`` forbids it; otherwise it is used when the load
    average leaves a core idle. Measured on bench's 5,000-site trees on an idle 2-core machine, the
    worker took a check from 4.17 to 3.35 s (directory), 4.57 to 3.91 s (Action) and 4.64 to
    3.85 s (suEXEC) of wall time; with both cores busy (load average 5.5) it bought nothing and
    cost about 7 % more CPU, which a busy server should not pay.
    """
    choice = os.environ.get("FCGILINT_WORKERS", "").strip()
    if choice == "1":
        return False
    cores = len(os.sched_getaffinity(0))
    if cores < 2 or (choice != "2" and _load() > cores - 1 - IDLE_CORE):
        return False
    with cache.unrecorded():  # importing lists directories, the working directory among them
        import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _load() -> float:
    """The 1-minute load average; infinite where the system does not tell, so no worker is started."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("inf")


def split_map(job: Callable[[_Item], _Result], items: Sequence[_Item]) -> list[_Result]:
    """``[job(item) for item in items]``, shared with one forked worker.

    The caller decides when the work is big enough to pay for the fork (about 10 ms on a
    big heap). ``job`` must not change what the other jobs read: each process sees its own copy.
    """
    with cache.unrecorded():  # the shared memory is a file in /dev/shm, gone when the run ends
        import multiprocessing

        context = multiprocessing.get_context("fork")
        bounds = context.Array("i", [0, len(items)])  # the next job from the front, one past the last from the back
        reader, writer = context.Pipe(duplex=False)
        worker = context.Process(target=_back, args=(job, items, bounds, writer), daemon=True)
        worker.start()
        writer.close()
    done: dict[int, Any] = {}
    try:
        while (index := _take(bounds, front=True)) is not None:
            done[index] = job(items[index])
            progress.advance()
        with cache.unrecorded():  # unpickling may import a module: it lists the working directory
            _receive(reader, done)
    finally:
        with cache.unrecorded():
            reader.close()
            if worker.is_alive():
                worker.terminate()
            worker.join()
    for index in range(len(items)):
        if index not in done:
            done[index] = job(items[index])
            progress.advance()
    return [done[index] for index in range(len(items))]


def _take(bounds: SynchronizedArray[int], front: bool) -> int | None:
    """The next job from the front or the back, None when none is left."""
    with bounds.get_lock():
        low, high = bounds[0], bounds[1]
        if low >= high:
            return None
        if front:
            bounds[0] = low + 1
            return low
        bounds[1] = high - 1
        return high - 1


def _receive(reader: Connection, done: dict[int, Any]) -> None:
    """The worker's results and reads; nothing when it died without sending them."""
    try:
        results, reads = reader.recv()
    except (EOFError, OSError):
        return
    if reads is not None:
        cache.merge(reads)
    done.update(results)
    progress.advance(len(results))


def _back(job: Callable[[Any], Any], items: Sequence[Any], bounds: SynchronizedArray[int], writer: Connection) -> None:
    """The worker: jobs from the back, then every result in one message. SIGINT is the parent's to
    handle (it stops the worker), and the parent draws the progress line."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    progress.detach()
    results: dict[int, Any] = {}
    if cache.is_recording():
        with cache.recording() as reads:
            _work(job, items, bounds, results)
        writer.send((results, reads))
    else:
        _work(job, items, bounds, results)
        writer.send((results, None))
    writer.close()


def _work(
    job: Callable[[Any], Any], items: Sequence[Any], bounds: SynchronizedArray[int], results: dict[int, Any]
) -> None:
    """Jobs from the back until none is left; a job that fails is left undelivered, so the parent
    runs it again and raises its error where the run's error handling is."""
    while (index := _take(bounds, front=False)) is not None:
        try:
            results[index] = job(items[index])
        except Exception:  # noqa: BLE001 -- re-raised by the parent's own run of the job
            return
