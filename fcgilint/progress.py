"""A progress line on stderr for long runs on a terminal: what is being read, how far, and an ETA.

A check of a 20,000-site tree or a trace of a gigabyte capture takes seconds to minutes; a silent
terminal for that long looks hung. The line appears only when stderr is a terminal, only for runs
that last longer than :data:`QUIET_SECONDS`, and the commands start it only for their text output,
so machine formats, pipes and CI logs never see it. It is rewritten in place (``\\r``) at most
:data:`UPDATES_PER_SECOND` times a second and erased when the run ends.

The loader and the model call :func:`expect` and :func:`advance`, which do nothing unless a command
started a :class:`Meter` with :func:`showing`, so they cost nothing in library use.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

QUIET_SECONDS = 0.5
UPDATES_PER_SECOND = 4


class Meter:
    """Counts one stage of work (``total`` may grow as more work is discovered) and draws the line."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.stage, self.unit = "", ""
        self.done = self.total = 0
        self.stage_started = self.started
        self.drawn_at = 0.0
        self.width = 0

    def begin(self, stage: str, unit: str, total: int = 0) -> None:
        """Start counting a new stage (e.g. ``config files``)."""
        self.stage, self.unit, self.done, self.total = stage, unit, 0, total
        self.stage_started = time.monotonic()

    def expect(self, more: int) -> None:
        self.total += more

    def advance(self, amount: int = 1) -> None:
        self.done += amount
        now = time.monotonic()
        if now - self.started >= QUIET_SECONDS and now - self.drawn_at >= 1 / UPDATES_PER_SECOND:
            self.drawn_at = now
            self.draw(now)

    def line(self, now: float) -> str:
        """The text of the progress line at ``now``."""
        elapsed = now - self.stage_started
        if self.total <= 0:
            return f"fcgilint: {self.stage}: {_amount(self.done, self.unit)}, {elapsed:.1f} s"
        done = min(self.done, self.total)
        eta = elapsed * (self.total - done) / done if done else 0.0
        amount = _amount(done, self.unit, self.total)
        return f"fcgilint: {self.stage}: {amount} ({done * 100 // self.total}%), {elapsed:.1f} s, ETA {eta:.0f} s"

    def draw(self, now: float) -> None:
        text = self.line(now)
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def erase(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def _amount(count: int, unit: str, total: int | None = None) -> str:
    """``1,234 files`` or ``12 of 300 MiB``."""
    if unit == "bytes":
        scale, name = (1 << 20, "MiB") if max(count, total or 0) >= 1 << 20 else (1024, "KiB")
        return f"{count / scale:,.0f} of {total / scale:,.0f} {name}" if total else f"{count / scale:,.0f} {name}"
    return f"{count:,} of {total:,} {unit}" if total else f"{count:,} {unit}"


_meter: Meter | None = None


@contextmanager
def showing(enabled: bool, stream: TextIO | None = None) -> Iterator[Meter | None]:
    """Show progress for the block when ``enabled`` and the stream (stderr) is a terminal."""
    global _meter
    out = stream or sys.stderr
    if not enabled or not out.isatty():
        yield None
        return
    _meter = Meter(out)
    try:
        yield _meter
    finally:
        _meter.erase()
        _meter = None


def begin(stage: str, unit: str, total: int = 0) -> None:
    """Start a stage of the running meter, if any."""
    if _meter is not None:
        _meter.begin(stage, unit, total)


def expect(more: int) -> None:
    """More work of the current stage was discovered (a glob matched ``more`` files)."""
    if _meter is not None:
        _meter.expect(more)


def done() -> int:
    """How much of the current stage is done (0 without a meter)."""
    return _meter.done if _meter is not None else 0


def advance(amount: int = 1) -> None:
    """Some work of the current stage is done."""
    if _meter is not None:
        _meter.advance(amount)


def detach() -> None:
    """In a forked worker: the parent draws the line, the worker's copy of the meter stays silent."""
    global _meter
    _meter = None
