"""The table of evidence kinds is the one source of the needles, the dispatch, the live filter and the docs."""

from __future__ import annotations

import fnmatch
import io
import re
from pathlib import Path

from stories import CAPTURES

from fcgilint.evidence import analyse
from fcgilint.evidence.detect import _HANDLERS, StraceCorrelator
from fcgilint.evidence.kinds import KINDS, NEEDLES, STRACE_INPUTS, StraceInput, live_filter
from fcgilint.evidence.strace import StraceReader, candidates_python


def unselected(row: StraceInput) -> list[str]:
    """The row's example lines that its own needles do not select, or that the prefilter drops."""
    kept = {
        line for batch in candidates_python(io.BytesIO("\n".join(row.examples).encode() + b"\n")) for _, line in batch
    }
    return [e for e in row.examples if not any(n in e.encode() for n in row.needles) or e not in kept]


def test_every_example_line_reaches_its_handler() -> None:
    reader = StraceReader(Path("-"))
    for row in STRACE_INPUTS:
        assert row.examples and not unselected(row), row
        if row.handler:
            names = {rec.name for i, line in enumerate(row.examples) if (rec := reader.parse(i + 1, line)) is not None}
            assert names <= set(row.calls) and names, (row.handler, names)


def test_a_detector_whose_needles_are_missing_is_caught() -> None:
    row = StraceInput("_on_sendfile", ("sendfile",), (), ("1795 sendfile(14<UNIX-STREAM:[1]>, 3, NULL, 8) = 8",))
    assert unselected(row) == list(row.examples)
    wrong = StraceInput("_on_sendfile", ("sendfile",), (b"sendfile64(",), row.examples)
    assert unselected(wrong) == list(row.examples)


def test_the_dispatch_is_the_table() -> None:
    assert set(_HANDLERS) == {c for row in STRACE_INPUTS if row.handler for c in row.calls}
    assert all(callable(getattr(StraceCorrelator, row.handler)) for row in STRACE_INPUTS if row.handler)
    assert len(NEEDLES) == len(set(NEEDLES)) and all(len(n) >= 5 for n in NEEDLES)


def test_the_live_filter_names_every_call_the_correlator_reads() -> None:
    traced = set(re.findall(r"\?(\w+)", live_filter()))
    assert traced == set(_HANDLERS)


def test_every_kind_the_captures_produce_is_in_the_table() -> None:
    paths = sorted(p for p in CAPTURES.glob("*/*") if p.suffix in (".log", ".gz"))
    produced = {d.kind for d in analyse(paths).detections}
    assert produced, "no capture produced a detection"
    patterns = [re.sub(r"<[^>]+>", "*", k.name) for k in KINDS]
    assert {k for k in produced if not any(fnmatch.fnmatchcase(k, p) for p in patterns)} == set()
