"""SIGINT and SIGTERM during a fix run: turned into an exception the engine rolls back on.

Python's default SIGINT raises ``KeyboardInterrupt`` between any two bytecodes, and
SIGTERM (what ``timeout``, systemd and CI cancellation send) kills the process on the
spot; either can leave a tree half fixed. While :func:`guarded` is active both raise
:class:`Interrupted` instead, except inside :func:`deferred` sections (one rename, one
rollback), where the signal waits until the section ends, so a file is never left between
its two names.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(Exception):
    """A signal asked the run to stop; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """128 + the signal number, as a shell reports a process killed by it."""
        return 128 + self.signum


class _State:
    depth = 0
    pending: int | None = None


def _handler(signum: int, _frame: FrameType | None) -> None:
    if _State.depth:
        _State.pending = _State.pending or signum
        return
    raise Interrupted(signum)


@contextmanager
def guarded() -> Iterator[None]:
    """Deliver SIGINT/SIGTERM as :class:`Interrupted` for the duration (a no-op outside the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _handler) for s in SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _State.pending = None


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM back until the block is done, then deliver the first one."""
    _State.depth += 1
    try:
        yield
    finally:
        _State.depth -= 1
    if not _State.depth and _State.pending is not None:
        signum, _State.pending = _State.pending, None
        if signal.getsignal(signum) is _handler:
            raise Interrupted(signum)


@contextmanager
def held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM back during the block and drop them: a rollback is not itself interrupted."""
    _State.depth += 1
    try:
        yield
    finally:
        _State.depth -= 1
        if not _State.depth:
            _State.pending = None
