"""``trace --html``: one self-contained page that draws what the php-cgi processes did.

Per process class (socket directory and wrapper), one row per php-cgi: a bar
from its spawn to its exit, labelled with its pid and the requests it accepted,
its end marked by how it ended (on its own, or a signal), and every failed
request drawn as a red mark where it hit. A request-limit race shows as a mark
at the very end of a bar whose process exited on its own after the limit. The
page is inline HTML, CSS and SVG: no script, no font, nothing fetched, so it
opens from a mail attachment or an air-gapped host as it does anywhere.
``check --evidence ... --html`` adds ``fcgilint show``'s per-vhost tables below.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterable
from dataclasses import dataclass

from fcgilint import __version__
from fcgilint.evidence import EvidenceReport
from fcgilint.evidence.model import Failure, Life
from fcgilint.overview import ScopeView

WIDTH, LABEL, ROW, TOP = 1100, 250, 24, 34
PLOT = WIDTH - LABEL - 30

CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin: 28px 0 4px; }
table { border-collapse: collapse; margin-bottom: 8px; } caption { text-align: left; font-weight: 600; }
td, th { padding: 2px 10px; border-bottom: 1px solid #ddd; text-align: left; }
.meta { color: #666; font-size: 12px; }
svg text { font-size: 12px; fill: #333; } svg .axis { stroke: #999; } svg .tick { fill: #777; font-size: 11px; }
.life { fill: #8fb3de; } .life.exited { fill: #9bc59d; } .life.running { fill: #c9d6e8; }
.end { stroke: #333; stroke-width: 2; } .failure { fill: #d62728; stroke: #fff; stroke-width: 1; }
.legend span { display: inline-block; margin-right: 16px; }
.swatch { display: inline-block; width: 12px; height: 12px; vertical-align: -1px; margin-right: 4px; }
"""


@dataclass(frozen=True)
class Span:
    """The time range drawn, and how to place a moment in it."""

    first: float
    last: float

    def x(self, at: float) -> float:
        width = self.last - self.first or 1.0
        return LABEL + (at - self.first) / width * PLOT


def clock(at: float) -> str:
    """A sort key as a time of day: -tt keys are seconds since midnight, -ttt keys epoch seconds (UTC)."""
    if at > 2 * 86400:
        return time.strftime("%H:%M:%S", time.gmtime(at)) + f".{int(at % 1 * 1000):03d}"
    seconds = at % 86400
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}:{seconds % 60:06.3f}"


def span_of(lives: list[Life], failures: list[Failure]) -> Span | None:
    moments = [t for life in lives for t in (life.start, life.end) if t is not None] + [f.at for f in failures]
    return Span(min(moments), max(moments)) if moments else None


def classes(report: EvidenceReport) -> list[tuple[str, list[Life], list[Failure]]]:
    """Lives and failures per process class, keyed by socket directory (the wrapper names it)."""
    keys = list(dict.fromkeys([life.socket for life in report.lives] + [f.socket for f in report.failures]))
    out = []
    for key in keys:
        lives = sorted(
            (life for life in report.lives if life.socket == key), key=lambda life: (life.start or 0, life.pid)
        )
        wrapper = next((life.wrapper for life in lives if life.wrapper), None)
        title = f"{wrapper or 'unknown wrapper'} (socket directory {key or 'unknown'})"
        out.append((title, lives, [f for f in report.failures if f.socket == key]))
    return out


def axis(span: Span, height: float) -> list[str]:
    out = [f'<line class="axis" x1="{LABEL}" y1="{TOP - 8}" x2="{LABEL + PLOT}" y2="{TOP - 8}"/>']
    for i in range(6):
        at = span.first + (span.last - span.first) * i / 5
        x = span.x(at)
        out.append(
            f'<line class="axis" x1="{x:.1f}" y1="{TOP - 12}" x2="{x:.1f}" y2="{height}" stroke-dasharray="2 4"/>'
        )
        anchor = "start" if i == 0 else "end" if i == 5 else "middle"
        out.append(f'<text class="tick" x="{x:.1f}" y="{TOP - 16}" text-anchor="{anchor}">{clock(at)}</text>')
    return out


def life_row(life: Life, y: float, span: Span) -> list[str]:
    start = span.x(life.start) if life.start is not None else LABEL
    end = span.x(life.end) if life.end is not None else LABEL + PLOT
    fate = {"exited": "exited on its own", "running": "still running at the end"}.get(
        life.fate, f"stopped by {life.fate}"
    )
    tip = html.escape(f"php-cgi {life.pid}: {life.requests} request(s), {fate}")
    label = html.escape(f"php-cgi {life.pid} · {life.requests} req")
    out = [
        f'<text x="{LABEL - 8}" y="{y + 15}" text-anchor="end">{label}</text>',
        f'<rect class="life {html.escape(life.fate)}" data-pid="{life.pid}" data-requests="{life.requests}" data-'
        f'fate="{html.escape(life.fate)}"'
        f' x="{start:.1f}" y="{y + 4}" width="{max(end - start, 2):.1f}" height="{ROW - 8}"><title>{tip}</title></'
        'rect>',
    ]
    if life.end is not None:
        out.append(f'<line class="end" x1="{end:.1f}" y1="{y + 2}" x2="{end:.1f}" y2="{y + ROW - 2}"/>')
    return out


def failure_mark(failure: Failure, y: float, span: Span) -> str:
    where = f"php-cgi {failure.pid}" if failure.pid is not None else "a php-cgi outside the capture"
    tip = html.escape(f"{failure.kind} at {failure.shown}: the request failed on {where}")
    pid = failure.pid if failure.pid is not None else ""
    return (
        f'<circle class="failure" data-kind="{html.escape(failure.kind)}" data-pid="{pid}" '
        f'cx="{span.x(failure.at):.1f}"'
        f' cy="{y + ROW / 2}" r="5"><title>{tip}</title></circle>'
    )


def chart(lives: list[Life], failures: list[Failure], span: Span) -> str:
    rows = {life.pid: TOP + i * ROW for i, life in enumerate(lives)}
    orphan_y = TOP + len(lives) * ROW
    height = orphan_y + (ROW if any(f.pid not in rows for f in failures) else 0) + 6
    parts = axis(span, height)
    for life in lives:
        parts += life_row(life, rows[life.pid], span)
    if any(f.pid not in rows for f in failures):
        parts.append(f'<text x="{LABEL - 8}" y="{orphan_y + 15}" text-anchor="end">php-cgi not in the capture</text>')
    parts += [failure_mark(f, rows.get(f.pid, orphan_y) if f.pid is not None else orphan_y, span) for f in failures]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img">'
        + "".join(parts)
        + "</svg>"
    )


def summary_table(report: EvidenceReport) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(d.kind)}</td><td>{d.count}</td><td>{html.escape(d.rule or '')}</td>"
        f"<td>{html.escape(d.first or '')}</td><td>{html.escape(d.wrapper or '')}</td></tr>"
        for d in report.detections
    )
    inferred = "".join(
        f"<p>Inferred PHP_FCGI_MAX_REQUESTS={i.php_fcgi_max_requests} for "
        f"{html.escape(i.wrapper or i.socket or 'an unknown class')}"
        f" ({i.processes} php-cgi exited on their own after that many requests).</p>"
        for i in report.inferred
    )
    head = "<tr><th>detection</th><th>count</th><th>confirms</th><th>first</th><th>wrapper</th></tr>"
    return f"<table>{head}{rows}</table>{inferred}" if rows else f"<p>No FastCGI failure patterns found.</p>{inferred}"


def legend() -> str:
    items: Iterable[tuple[str, str]] = (
        ("#9bc59d", "php-cgi that exited on its own"), ("#8fb3de", "stopped by a signal"),
        ("#c9d6e8", "still running at the end"), ("#d62728", "failed request"),
    )
    return (
        '<p class="legend">'
        + "".join(f'<span><i class="swatch" style="background:{c}"></i>{t}</span>' for c, t in items)
        + "</p>"
    )


def scope_tables(views: list[ScopeView]) -> str:
    """``fcgilint show``'s view as tables: per scope, each part's values and where they were decided."""
    out = ["<h2>Per virtual host</h2>"] if views else []
    for view in views:
        out.append(f'<h3 class="scope">{html.escape(view.title)}</h3>')
        for part in view.parts:
            rows = "".join(
                f"<tr><td>{html.escape(r.name)}</td><td>{html.escape(r.value)}</td>"
                f"<td>{html.escape(str(r.location) if r.location else '')}</td><td>{html.escape(r.why)}</td></tr>"
                for r in part.rows
            )
            out.append(f"<table class=\"part\"><caption>{html.escape(part.title)}</caption>{rows}</table>")
    return "".join(out)


def render(report: EvidenceReport, sources: list[str], views: list[ScopeView] | None = None) -> str:
    """The whole page for the evidence of ``sources``; with ``views`` (``check --html``), show's tables too."""
    sections = []
    for title, lives, failures in classes(report):
        span = span_of(lives, failures)
        if span is None:
            continue
        sections.append(f'<section class="class"><h2>{html.escape(title)}</h2>{chart(lives, failures, span)}</section>')
    if not sections:
        sections.append("<p>No php-cgi process with a start or an end in the strace capture: nothing to draw.</p>")
    listed = html.escape(", ".join(sources))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">'
        f"<title>fcgilint trace: {listed}</title><style>{CSS}</style></head><body>"
        f'<h1>FastCGI timeline</h1><p class="meta">fcgilint {__version__}, from {listed}</p>'
        f"{summary_table(report)}{legend()}{''.join(sections)}{scope_tables(views or [])}</body></html>\n"
    )
