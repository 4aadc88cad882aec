"""``fcgilint fix`` on the tree of a racing lab, then the same load after a restart.

The proof that the fix is right is the server's behaviour, not the diff: before it some requests
get 500 with the fcgid error pair, after it none do.
"""

from __future__ import annotations

import pytest

import fcgidlab

pytestmark = pytest.mark.real_server

LOAD = fcgidlab.Workload(requests=1000, concurrency=10)
FCGID_FAILURES = ("error_reading", "error_writing", "end_of_script_output", "exit_communication_error")


def test_fix_then_restart_removes_the_500s(start_lab, fcgilint, fcgilint_fix) -> None:
    lab = start_lab(fcgidlab.SCENARIOS["race"])
    before = fcgidlab.drive(lab, LOAD, time_limit=60)
    assert before.server_500s() > 0 and before.errors["error_reading"] > 0
    lab.stop()

    conf_before = lab.conf.read_text()
    fcgilint_fix(str(lab.conf))
    assert lab.conf.read_text() != conf_before
    assert not [f for f in fcgilint("check", str(lab.conf))["findings"] if f["rule"] == "FCG001"]

    counts_at_restart = lab.error_counts()
    lab.start()
    after = fcgidlab.drive(lab, LOAD, time_limit=60)
    assert after.load.statuses == {"200": LOAD.requests}
    new_errors = {k: after.errors[k] - counts_at_restart[k] for k in FCGID_FAILURES}
    assert new_errors == dict.fromkeys(FCGID_FAILURES, 0)
