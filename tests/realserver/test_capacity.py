"""What a class sustains under mod_fcgid's default spawn score, measured against the capacity model.

Three labs keep mod_fcgid's spawn-score defaults (SpawnScore 1, TerminationScore 2, TimeScore 1,
SpawnScoreUpLimit 10) and run at the same time (the throttled one costs the machine almost nothing):

* ``throttled``: both limits at 20, so each process serves 20 requests; the model says about
  20 x 1 / 3 = 6.7 requests/s in the long run, after a burst from idle.
* ``roomy``: both limits at 2,000; the model puts its cap at 667 requests/s, above what the page
  reaches on this machine.
* ``narrow``: the roomy class with FcgidMaxProcessesPerClass 2; it and ``roomy`` then serve a page
  that takes one second to 6 concurrent clients: the model's concurrency ceiling (2 against 100) says
  how many run at once, and the others wait for a process slot in mod_fcgid's one-second steps.

Tolerance, from repeated runs on the project's loaded 2-core machine: over a W-second load from idle a
class can start about (UpLimit + TimeScore x W) / (SpawnScore + TerminationScore) processes, so it serves
about R x (10 + W) / 3 requests (W = 30: 267; measured 284 and 280); exits are scored only when the
process manager reaps them, up to two error scans (6 s) late, which lets the first burst run a few
processes longer. So the count is asserted within 0.6x .. 1.5x of that, and after the burst (the last
20 s) the class may serve at most 1.5x its sustainable rate (measured: nothing at all, it waits for the
score to decay). Absolute speeds are never asserted, only ratios between the labs.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

import fcgidlab
from fcgilint import capacity
from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import analyse

pytestmark = pytest.mark.real_server

WINDOW = 30.0  # seconds of load on the throttled class: one burst and one full wait for the score to decay
SHORT = 4.0  # seconds of load on the others
SLOW = 1  # seconds the slow page takes
_LINE = re.compile(r"\[(?P<ts>[^\]]+)\] \"\w+ (?P<path>\S+)[^\"]*\" (?P<status>\d{3}) \S+ (?P<micros>\d+)$")


def _scenario(name: str, limit: int, per_class: int | None = None) -> fcgidlab.Scenario:
    return fcgidlab.Scenario(
        name=name, php_max_requests=limit, fcgid_max_requests=limit, spawn_score_up_limit=None,
        max_processes_per_class=per_class, slow_seconds=SLOW,
    )


@dataclass
class Served:
    """The access log of one load: when each request started and how long it took."""

    starts: list[float]
    micros: list[int]
    statuses: list[str]
    paths: list[str]

    def of(self, path: str) -> Served:
        """Only the requests for one page."""
        keep = [i for i, p in enumerate(self.paths) if p == path]
        return Served(*([column[i] for i in keep] for column in (self.starts, self.micros, self.statuses, self.paths)))

    def ended_within(self, first: float, last: float) -> int:
        """Requests answered 200 whose response ended between ``first`` and ``last`` seconds after the start."""
        t0 = min(self.starts)
        return sum(
            1 for start, d, status in zip(self.starts, self.micros, self.statuses, strict=True)
            if status == "200" and first <= start - t0 + d / 1e6 <= last
        )

    def waited(self, seconds: float) -> int:
        """Requests that took ``seconds`` or longer."""
        return sum(1 for d in self.micros if d >= seconds * 1e6)


def _served(log: Path) -> Served:
    served = Served([], [], [], [])
    for line in log.read_text().splitlines():
        match = _LINE.search(line)
        assert match is not None, line
        served.starts.append(datetime.strptime(match["ts"], "%d/%b/%Y:%H:%M:%S %z").timestamp())
        served.micros.append(int(match["micros"]))
        served.statuses.append(match["status"])
        served.paths.append(match["path"])
    return served


@dataclass
class Run:
    lab: fcgidlab.Lab
    loads: list[fcgidlab.LoadResult]
    served: Served
    cap: capacity.ClassCapacity


def _model(lab: fcgidlab.Lab) -> capacity.ClassCapacity:
    result = analyse(lab.conf, LoadOptions())
    cap = capacity.of(result.model)
    assert cap is not None
    (cc,) = cap.classes
    return cc


@pytest.fixture(scope="module")
def runs(start_lab) -> dict[str, Run]:
    info, slow = fcgidlab.Workload(requests=10**6, concurrency=4), fcgidlab.Workload("/slow.php", 10**6, 6)
    plans = {
        "throttled": (_scenario("throttled", 20), [(info, WINDOW)]),
        "roomy": (_scenario("roomy", 2000), [(info, SHORT), (slow, SHORT)]),
        "narrow": (_scenario("narrow", 2000, per_class=2), [(slow, SHORT)]),
    }
    labs = {name: start_lab(scenario) for name, (scenario, _) in plans.items()}
    loads: dict[str, list[fcgidlab.LoadResult]] = {}

    def drive(name: str) -> None:
        loads[name] = [
            fcgidlab.run_load(labs[name].port, work, time_limit=seconds, request_timeout=90)
            for work, seconds in plans[name][1]
        ]

    threads = [threading.Thread(target=drive, args=(name,)) for name in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(200)
    out = {}
    for name, lab in labs.items():
        answered = sum(n for load in loads[name] for status, n in load.statuses.items() if status.isdigit())
        assert lab.wait_for(lambda lab=lab, n=answered: sum(lab.access_status_counts().values()) >= n)
        out[name] = Run(lab, loads[name], _served(lab.access_log), _model(lab))
    return out


def test_the_model_reads_the_spawn_score_and_the_recycle_length(runs: dict[str, Run]) -> None:
    throttled, roomy = runs["throttled"].cap, runs["roomy"].cap
    assert throttled.recycle.number == 20 and roomy.recycle.number == 2000
    assert throttled.rate.number == pytest.approx(20 / 3)
    assert roomy.rate.number == pytest.approx(2000 / 3)
    assert runs["narrow"].cap.concurrency.number == 2


def test_a_small_recycle_length_caps_throughput_near_the_model(runs: dict[str, Run]) -> None:
    run = runs["throttled"]
    assert set(run.served.statuses) == {"200"}, run.served.statuses
    cc = run.cap
    predicted = (cc.recycle.number or 0) * (10 + WINDOW) / 3  # R x (UpLimit + TimeScore x W) / (Spawn + Term)
    served = run.served.ended_within(0, WINDOW)
    assert 0.6 * predicted <= served <= 1.5 * predicted, (served, predicted)
    after_burst = run.served.ended_within(WINDOW - 20, WINDOW) / 20
    assert after_burst <= 1.5 * (cc.rate.number or 0), after_burst


def test_a_large_recycle_length_is_not_capped(runs: dict[str, Run]) -> None:
    throttled, roomy = runs["throttled"], runs["roomy"]
    roomy_rate = roomy.served.of("/info.php").ended_within(0, SHORT) / SHORT
    throttled_rate = throttled.served.ended_within(0, WINDOW) / WINDOW
    assert roomy_rate >= 10 * (throttled.cap.rate.number or 0), (roomy_rate, throttled_rate)
    assert roomy_rate >= 5 * throttled_rate


def test_a_process_ceiling_below_the_load_shows_the_slot_wait(runs: dict[str, Run]) -> None:
    narrow, roomy = runs["narrow"].served.of("/slow.php"), runs["roomy"].served.of("/slow.php")
    clients = 6
    assert len(set(runs["narrow"].loads[0].pids)) <= 2
    # as many at once as the model's concurrency ceiling: 2 for narrow, all 6 clients for roomy
    for served, cc in ((narrow, runs["narrow"].cap), (roomy, runs["roomy"].cap)):
        at_once = min(cc.concurrency.number or 0, clients)
        expected = at_once * SHORT / SLOW
        done = served.ended_within(0, SHORT + SLOW)
        assert 0.5 * expected <= done <= 1.5 * expected + clients, (cc.pc.label, done, expected)
    # the clients beyond the ceiling wait for a slot in one-second steps on top of the page's own second
    # (measured: 4 requests waited 6 to 8 s, as requests arriving fresh take each freed process first);
    # roomy waits only while its first processes start (on a loaded machine a spawn can take a second more)
    waits = sorted(narrow.micros), sorted(roomy.micros)
    assert narrow.waited(2 * SLOW) >= clients - 2, waits
    assert narrow.waited(3 * SLOW) >= 1, waits
    assert roomy.waited(3 * SLOW) <= 2 and max(narrow.micros) > max(roomy.micros), waits


def test_fcgilint_verdicts_agree_with_the_measurements(runs: dict[str, Run], fcgilint) -> None:
    throttled = fcgilint("check", "--select", "FCG021", str(runs["throttled"].lab.conf))
    (finding,) = throttled["findings"]
    assert "every 20 requests" in finding["message"] and "about 6.7 req/s" in finding["message"]
    assert fcgilint("check", "--select", "FCG021", str(runs["roomy"].lab.conf))["findings"] == []
    # the measured load, from the lab's own access log (%D), set beside the model: within what it allows
    log = str(runs["throttled"].lab.access_log)
    (proved,) = fcgilint("check", "--select", "FCG021", "--evidence", log, str(runs["throttled"].lab.conf))["findings"]
    (line,) = [e for e in proved["evidence"] if "peak" in e]
    assert "this class sustains 6.7 req/s, at most " in line and "req/s over " in line  # the burst bound
    # measured: a peak of 56.8 req/s over the 5 s the burst lasted, against at most 60 (15 starts of 20 requests)
    assert "(the peak is above it)" not in line and "(the load needed more)" not in line
