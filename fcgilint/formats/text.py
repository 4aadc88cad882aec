"""Text for people: Rich colours and a source excerpt on a terminal, plain otherwise.

Plain text (piped, ``NO_COLOR`` set, or ``TERM=dumb``) keeps the historical
``file:line: severity RULE name: message`` lines that scripts grep. Rich is
imported only for a terminal, because importing it costs start-up time that
pre-commit users pay on every commit.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections import Counter

from fcgilint.findings import Finding
from fcgilint.report import Report
from fcgilint.source import SourceIndex
from fcgilint.rules import Rule

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def use_colour() -> bool:
    """A terminal that did not opt out of colour (https://no-color.org convention)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()


def summary(findings: list[Finding]) -> str:
    """One closing line with counts per severity."""
    if not findings:
        return "No findings."
    counts = Counter(f.severity.value for f in findings)
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info") if counts[s]]
    return f"{len(findings)} finding{'s' if len(findings) != 1 else ''} ({', '.join(parts)})."


def plain(findings: list[Finding], notes: list[str], rules: dict[str, Rule], verbose: bool = True) -> str:
    """file:line: severity RULE name: message, then related places and the provenance chain."""
    out: list[str] = []
    for f in findings:
        rule = rules.get(f.rule)
        name = f" {rule.name}" if rule else ""
        out.append(f"{f.location}: {f.severity.value} {f.rule}{name}: {f.message}")
        out.extend(f"    related: {r.location}: {r.note}" for r in f.related)
        if verbose and f.chain:
            out.append("    provenance:")
            out.extend(f"      {step}" for step in f.chain)
        out.extend(f"    evidence: {line}" for line in f.evidence)
        if f.fix is not None:
            out.append(f"    fix{'' if f.fix.safe else ' (unsafe)'}: {f.fix.description}")
    out.extend(f"note: {note}" for note in notes)
    out.append(summary(findings))
    return "\n".join(out) + "\n"


def caret_column(source_line: str, col: int) -> int:
    """0-based caret position: the given column, or the first non-blank when only the line is known."""
    if col > 1:
        return min(col - 1, len(source_line))
    return len(source_line) - len(source_line.lstrip())


def excerpt(finding: Finding, sources: SourceIndex) -> list[str]:
    """The offending line with its number and a caret under the directive."""
    line = sources.line(finding.location.file, finding.location.line)
    if line is None:
        return []
    gutter = f"{finding.location.line:>5} | "
    return [gutter + line.expandtabs(4), " " * (len(gutter) - 2) + "| " + " " * caret_column(line.expandtabs(4), finding.location.col) + "^"]


def rich_text(report: Report, rules: dict[str, Rule]) -> str:
    from rich.console import Console
    from rich.markup import escape
    from rich.text import Text

    width = shutil.get_terminal_size().columns
    console = Console(force_terminal=True, record=True, file=open(os.devnull, "w"), highlight=False, width=width)
    for f in report.findings:
        rule = rules.get(f.rule)
        head = Text.assemble((str(f.location), "bold"), ": ", (f.severity.value, STYLE[f.severity.value]), " ", (f.rule, "bold"), f" {rule.name}" if rule else "", ": ", f.message)
        console.print(head)
        for line in excerpt(f, report.sources):
            console.print(Text(line, style="dim" if not line.rstrip().endswith("^") else "bold magenta"))
        for r in f.related:
            console.print(f"    [blue]related[/]: {escape(str(r.location))}: {escape(r.note)}")
        if f.chain:
            console.print("    [green]provenance[/]:")
            for step in f.chain:
                console.print(f"      {escape(step)}")
        for line in f.evidence:
            console.print(f"    evidence: {escape(line)}")
        if f.fix is not None:
            console.print(f"    [green]fix{'' if f.fix.safe else ' (unsafe)'}[/]: {escape(f.fix.description)}")
    for note in report.notes:
        console.print(f"[dim]note: {escape(note)}[/]")
    console.print(Text(summary(report.findings), style="bold"))
    console.file.close()
    return console.export_text(styles=True)


def render(report: Report) -> str:
    rules = {r.id: r for r in report.rules}
    if use_colour():
        return rich_text(report, rules)
    return plain(report.findings, report.notes, rules)
