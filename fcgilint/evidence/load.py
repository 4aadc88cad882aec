"""Measured load from access logs: request rate and concurrency per virtual host, over short windows.

Reads the common and combined formats, with a leading ``%v`` or ``%v:%p`` (Debian's
``vhost_combined``) naming the vhost, and a trailing number after the status and size
read as the request's duration: ``%D`` (microseconds) unless the caller knows the
``LogFormat`` says ``%T`` (seconds) or ``%{ms}T``. ``%t`` is when the request was
received, to the second, so rates are counted per second and summed over windows of
:data:`WINDOW` seconds (the whole log when it is shorter); the concurrency of a window is the time requests spent
in the server during it divided by its length (Little's law), which needs a duration: each request's time is
counted against the seconds it spans, from its ``%t``.

Memory is one counter per vhost and second of log, not per request.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fcgilint.evidence.logs import open_text

#: Seconds over which a peak rate or concurrency is averaged.
WINDOW = 10
#: A request's time counts against at most this many seconds (a request can wait a minute for a process).
SPREAD = 300
_LINE = re.compile(
    r'^(?:(?P<vhost>\S+) )?\S+ \S+ \S+ \[(?P<ts>[^\]]+)\] "(?:[^"\\]|\\.)*" (?P<status>\d{3}) \S+(?P<rest>.*)$'
)
_TRAILING_NUMBER = re.compile(r"\s(\d+)\s*$")
#: Microseconds per unit of the duration field.
UNITS = {"%D": 1, "%T": 1_000_000, "%{ms}T": 1000, "%{us}T": 1, "%{s}T": 1_000_000}


@dataclass
class Load:
    """What one vhost's requests looked like in one access log."""

    vhost: str | None  # from %v; None when the log does not name it
    source: str
    requests: int = 0
    first: float | None = None
    last: float | None = None
    peak_rate: float = 0.0
    peak_rate_at: float | None = None
    peak_concurrency: float | None = None
    peak_concurrency_at: float | None = None
    per_second: dict[int, int] = field(default_factory=lambda: defaultdict(int), repr=False)
    busy_micros: dict[int, int] = field(default_factory=lambda: defaultdict(int), repr=False)

    def add(self, second: int, micros: int | None) -> None:
        self.requests += 1
        self.per_second[second] += 1
        if micros is not None:
            self._spread(second, micros)
        self.first = second if self.first is None else min(self.first, second)
        self.last = second if self.last is None else max(self.last, second)

    def _spread(self, second: int, micros: int) -> None:
        """Count a request's time in the server against each second it spans (at most :data:`SPREAD` of them)."""
        for offset in range(min(micros // 1_000_000 + 1, SPREAD)):
            share = min(micros - offset * 1_000_000, 1_000_000)
            if share <= 0:
                break
            self.busy_micros[second + offset] += share

    def finish(self) -> None:
        """Compute the peaks over windows of :data:`WINDOW` seconds."""
        span = self.window
        self.peak_rate, self.peak_rate_at = _peak(self.per_second, 1, span)
        if self.busy_micros:
            self.peak_concurrency, self.peak_concurrency_at = _peak(self.busy_micros, 1_000_000, span)

    @property
    def window(self) -> int:
        """Seconds a peak is averaged over: :data:`WINDOW`, or the whole log when it is shorter."""
        if self.first is None or self.last is None:
            return WINDOW
        return int(min(WINDOW, self.last - self.first + 1))

    @property
    def peak_text(self) -> str:
        """When the busiest window starts, as shown."""
        return _clock(self.peak_rate_at)

    def summary(self) -> str:
        """``peak 45 req/s at 14:02:10 (10-s window), up to 12 requests at once``."""
        text = f"peak {self.peak_rate:.1f} req/s at {_clock(self.peak_rate_at)} ({self.window}-s window)"
        if self.peak_concurrency is not None:
            text += f", up to {self.peak_concurrency:.1f} requests at once"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "vhost": self.vhost, "source": self.source, "requests": self.requests,
            "first": _iso(self.first), "last": _iso(self.last), "window": self.window,
            "peak_rate": round(self.peak_rate, 2), "peak_rate_at": _iso(self.peak_rate_at),
            "peak_concurrency": None if self.peak_concurrency is None else round(self.peak_concurrency, 2),
            "peak_concurrency_at": _iso(self.peak_concurrency_at),
        }


def _peak(per_second: dict[int, int], unit: int, window: int) -> tuple[float, float | None]:
    """The largest sum over any ``window`` consecutive seconds, per second of window, and where it starts."""
    seconds = sorted(per_second)
    best, at, total, lo = 0, None, 0, 0
    for second in seconds:
        total += per_second[second]
        while seconds[lo] <= second - window:
            total -= per_second[seconds[lo]]
            lo += 1
        if total > best:
            best, at = total, seconds[lo]
    return best / unit / window, at


def _iso(moment: float | None) -> str | None:
    return None if moment is None else datetime.fromtimestamp(moment, UTC).isoformat()


def _clock(moment: float | None) -> str:
    return "?" if moment is None else datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _vhost_name(field_: str | None) -> str | None:
    if field_ is None:
        return None
    return field_.rsplit(":", 1)[0] if re.search(r":\d+$", field_) else field_


def read_load(path: Path, duration_unit: str = "%D") -> list[Load]:
    """One :class:`Load` per vhost named in the log (one with vhost None when the log names none)."""
    scale = UNITS[duration_unit]
    loads: dict[str | None, Load] = {}
    with open_text(path) as handle:
        for raw in handle:
            match = _LINE.match(raw.rstrip("\r\n"))
            if match is None:
                continue
            try:
                moment = datetime.strptime(match["ts"], "%d/%b/%Y:%H:%M:%S %z")
            except ValueError:
                continue
            number = _TRAILING_NUMBER.search(match["rest"])
            name = _vhost_name(match["vhost"])
            load = loads.get(name)
            if load is None:
                load = loads[name] = Load(name, str(path))
            load.add(int(moment.timestamp()), int(number.group(1)) * scale if number else None)
    for load in loads.values():
        load.finish()
    return sorted(loads.values(), key=lambda item: item.vhost or "")
