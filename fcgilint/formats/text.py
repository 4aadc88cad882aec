"""Text for people: one line per finding, the details on ``-v``, colour on a terminal.

Each finding is one ``file:line: severity RULE name: message`` line, the shape
ruff, shellcheck's gcc format and compilers print and scripts grep; the evidence
a finding carries (``--evidence``) follows it. ``-v`` (``--show-provenance``)
adds the related places, the provenance chain, the fix and the offending line
with a caret. ``--group-by file|vhost`` prints a header per file or per virtual
host and the findings below it; ``--statistics`` prints counts per rule instead;
``--quiet`` drops the notes and the closing summary. Colour is plain ANSI (no
import cost for pre-commit users): on a terminal unless ``NO_COLOR`` or
``TERM=dumb``, forced with ``--color always`` or ``FORCE_COLOR``.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fcgilint.findings import Finding
from fcgilint.report import Catalogue, ExampleRuns, FixReport, FixRun, Overview, Report, TraceReport
from fcgilint.rules import Rule
from fcgilint.source import SourceIndex

if TYPE_CHECKING:
    from fcgilint.evidence import EvidenceReport

COLOR_CHOICES = ("auto", "always", "never")
GROUP_CHOICES = ("none", "file", "vhost")
STYLE = {
    "error": "1;31",
    "warning": "33",
    "info": "36",
    "place": "1",
    "rule": "1",
    "head": "1;4",
    "dim": "2",
    "caret": "1;35",
    "key": "34",
}

#: A line as parts of (text, style name or "").
Line = list[tuple[str, str]]


@dataclass(frozen=True)
class TextOptions:
    """How the text report looks (the command-line switches)."""

    verbose: bool = False
    quiet: bool = False
    statistics: bool = False
    color: str = "auto"
    group_by: str = "none"


def use_colour(choice: str = "auto", stream: object = None) -> bool:
    """``--color``: always, never, or auto (a terminal that did not opt out, https://no-color.org)."""
    if choice in ("always", "never"):
        return choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream or sys.stdout, "isatty", None)
    return bool(os.environ.get("FORCE_COLOR")) or bool(isatty and isatty())


def summary(findings: list[Finding]) -> str:
    """One closing line with counts per severity and how many the fixer can take."""
    if not findings:
        return "No findings."
    counts = Counter(f.severity.value for f in findings)
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info") if counts[s]]
    text = f"{len(findings)} finding{'s' if len(findings) != 1 else ''} ({', '.join(parts)})."
    safe = sum(1 for f in findings if f.fix is not None and f.fix.safe)
    unsafe = sum(1 for f in findings if f.fix is not None and not f.fix.safe)
    if safe or unsafe:
        text += f" {safe} fixable with `fcgilint fix`" + (f", {unsafe} more with --unsafe-fixes." if unsafe else ".")
    return text


def head(f: Finding, rules: dict[str, Rule], place: bool = True) -> Line:
    rule = rules.get(f.rule)
    where = [(str(f.location), "place"), (": ", "")] if place else [(f"{f.location.line}: ", "place")]
    return [
        *where,
        (f.severity.value, f.severity.value),
        (" ", ""),
        (f.rule, "rule"),
        (f" {rule.name}" if rule else "", ""),
        (f": {f.message}", ""),
    ]


def details(f: Finding, sources: SourceIndex, verbose: bool) -> list[Line]:
    """Evidence always (it was asked for); related places, provenance, fix and excerpt on -v."""
    out: list[Line] = []
    if verbose:
        out.extend([(text, "caret" if text.rstrip().endswith("^") else "dim")] for text in excerpt(f, sources))
        out.extend([("    related", "key"), (f": {r.location}: {r.note}", "")] for r in f.related)
        if f.chain:
            out.append([("    provenance", "key"), (":", "")])
            out.extend([(f"      {step}", "")] for step in f.chain)
    out.extend([("    evidence", "key"), (f": {line}", "")] for line in f.evidence)
    if verbose and f.fix is not None:
        out.append([(f"    fix{'' if f.fix.safe else ' (unsafe)'}", "key"), (f": {f.fix.description}", "")])
    return out


def _vhost_label(f: Finding) -> str:
    """The group header of ``--group-by vhost``: the ServerNames the finding reaches."""
    if f.vhosts is None:
        return "not tied to a virtual host"
    return ", ".join("the main server" if v is None else v for v in f.vhosts) or "the main server"


def groups(findings: list[Finding], by: str) -> list[tuple[str, list[Finding]]]:
    """Findings under a header per file or per vhost, in report order."""
    table: dict[str, list[Finding]] = {}
    for f in findings:
        key = f.location.file if by == "file" else _vhost_label(f)
        table.setdefault(key, []).append(f)
    return list(table.items())


def statistics(findings: list[Finding], rules: dict[str, Rule]) -> list[Line]:
    """Counts per rule, most frequent first (as ``ruff --statistics``)."""
    counts = Counter(f.rule for f in findings)
    width = max((len(str(n)) for n in counts.values()), default=1)
    out: list[Line] = []
    for rule_id, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = rules.get(rule_id)
        severity = next(f.severity.value for f in findings if f.rule == rule_id)
        fixable = sum(1 for f in findings if f.rule == rule_id and f.fix is not None)
        mark = f"  [{fixable} fixable]" if fixable else ""
        out.append(
            [
                (f"{count:>{width}}  ", ""),
                (rule_id, "rule"),
                (f"  {rule.name if rule else ''}  ", ""),
                (severity, severity),
                (mark, "dim"),
            ]
        )
    return out


def build(report: Report, options: TextOptions) -> list[Line]:
    """Every line of the report, before colour is decided."""
    rules = {r.id: r for r in report.rules}
    out: list[Line] = []
    if options.statistics:
        out.extend(statistics(report.findings, rules))
    elif options.group_by in ("file", "vhost"):
        for title, members in groups(report.findings, options.group_by):
            out.append([(title, "head")])
            for f in members:
                out.append([("  ", ""), *head(f, rules, place=options.group_by != "file")])
                out.extend([("  ", ""), *line] for line in details(f, report.sources, options.verbose))
    else:
        for f in report.findings:
            out.append(head(f, rules))
            out.extend(details(f, report.sources, options.verbose))
    if not options.quiet:
        out.extend([("note", "dim"), (f": {note}", "dim")] for note in report.notes)
        out.append([(summary(report.findings), "place")])
    return out


def paint(lines: Iterable[Line], colour: bool) -> str:
    """Lines as text, with ANSI colour when asked."""
    def part(text: str, style: str) -> str:
        return f"\x1b[{STYLE[style]}m{text}\x1b[0m" if colour and style and text else text

    rendered = ["".join(part(text, style) for text, style in line) for line in lines]
    return "".join(f"{line}\n" for line in rendered)


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
    return [
        gutter + line.expandtabs(4),
        " " * (len(gutter) - 2) + "| " + " " * caret_column(line.expandtabs(4), finding.location.col) + "^",
    ]


def render(report: Report, options: TextOptions | None = None, stream: object = None) -> str:
    """The text report; colour follows ``options.color`` and whether ``stream`` is a terminal."""
    options = options or TextOptions()
    return paint(build(report, options), use_colour(options.color, stream))


def fix_lines(run: FixRun, options: TextOptions, stream: object = None) -> list[str]:
    """What was fixed (rule, place, remedy, the failures it removes), what was refused, what remains.

    The remaining findings are one line each, as ``check`` prints them; ``-v`` adds
    the values behind each fix and each remaining finding's details.
    """
    lines: list[str] = []
    for change in run.changes:
        edited = ", ".join(str(loc) for loc in change.edited)
        lines.append(f"fixed {change.finding.rule} {change.finding.location}: {change.fix.description}")
        lines.append(f"    edited: {edited}")
        if options.verbose:
            lines.extend(f"    because: {r.location}: {r.note}" for r in change.finding.related)
        lines.extend(f"    removes: {line}" for line in change.removes)
    lines.extend(f"not fixed: {reason}" for reason in run.refused)
    lines.extend(f"removed {path}: a temporary file left by a killed run" for path in run.cleaned)
    lines.append(f"{len(run.changes)} fix(es) applied to {run.files} file(s) in {run.passes} pass(es).")
    if run.backups:
        lines.append(f"backups: {', '.join(run.backups)}")
    if run.remaining is not None:
        remaining = run.remaining.findings
        lines.append("remaining:" if remaining else "nothing remains.")
        if remaining:
            lines.append(render(run.remaining, options, stream).rstrip("\n"))
            unsafe = sum(1 for f in remaining if f.fix is not None and not f.fix.safe)
            if unsafe:
                lines.append(f"{unsafe} unsafe fix(es) not applied: review them, then run with --unsafe-fixes.")
    return lines


def fix_preview(run: FixRun) -> str:
    """After a ``--diff``: what was shown and what was not, for stderr, so the diff itself stays machine-readable."""
    findings = run.remaining.findings if run.remaining is not None else []
    shown = [c.finding for c in run.changes]
    unsafe = sum(
        1 for f in findings if f.fix is not None and not f.fix.safe and not any(s is f for s in shown)
    )
    text = f"{len(run.changes)} fix(es) shown, nothing written."
    if unsafe:
        text += f" {unsafe} unsafe fix(es) not shown: add --unsafe-fixes to see them."
    for change in run.changes:
        if change.removes:
            text += f"\n{change.finding.rule} {change.finding.location}:\n"
            text += "\n".join(f"    removes: {line}" for line in change.removes)
    text += "".join(f"\nnot fixed: {r}" for r in run.refused)
    return text


def render_fix(report: FixReport, options: TextOptions | None = None, stream: object = None) -> str:
    """Standard output of ``fix``: per target its report, or with ``--diff`` its diff; then the notes.

    The notes of a ``--diff`` run and each :func:`fix_preview` go to stderr (the command writes them).
    """
    options = options or TextOptions()
    out = [
        "\n".join(fix_lines(run, options, stream)) + "\n" if run.written else run.diff for run in report.runs
    ]
    out.extend(f"note: {note}\n" for note in report.notes)
    return "".join(out)


def render_rules(catalogue: Catalogue) -> str:
    """``rules``: one row per rule (id, severity, name, whether it can fire, title), columns aligned."""
    rows = [("ID", "SEVERITY", "NAME", "CHECK", "TITLE")] + [
        (e.rule.id, e.rule.severity.value, e.rule.name, "yes" if e.checked else "no check function", e.rule.title)
        for e in catalogue.entries
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4] + "\n" for row in rows
    )


def render_examples(report: ExampleRuns, options: TextOptions | None = None, stream: object = None) -> str:
    """``rules --test``: a line per example (``ok`` or ``FAIL`` with the rule file and why), then the count."""
    options = options or TextOptions()
    out: list[Line] = []
    for run in report.runs:
        what = [(run.rule, "rule"), (f" {run.side} example {run.index}", "")]
        if run.passed:
            out.append([("ok    ", "info"), *what])
        else:
            out.append([("FAIL  ", "error"), *what, (f" ({run.source}): {run.problem}", "")])
    if not options.quiet:
        out.extend([("note", "dim"), (f": {note}", "dim")] for note in report.notes)
        failed = len(report.failed)
        verdict = f"{failed} failed." if failed else "all passed."
        out.append([(f"{len(report.runs)} example(s) of {report.rules} site rule(s): {verdict}", "place")])
    return paint(out, use_colour(options.color, stream))


def trace_lines(report: EvidenceReport, verbose: bool = False, quiet: bool = False, colour: bool = False) -> list[str]:
    """Per detection: kind, count, times, rule and wrapper, then its first sample line.

    ``verbose`` adds the socket, the pids and three samples; ``quiet`` drops the
    reader's warnings; ``colour`` makes the kind and the rule stand out (ANSI).
    """
    def bold(text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if colour else text

    out: list[str] = []
    for found in report.detections:
        span = f"{found.first} .. {found.last}" if found.first else "time not recorded"
        rule = f"  confirms {bold(found.rule)}" if found.rule else ""
        out.append(f"{bold(found.kind)}: {found.count}x  ({span}){rule}")
        for kind, count in found.logged.items():
            out.append(f"  the same {count} request(s) in the error log: {kind} (same worker thread, same moment)")
        if found.socket and verbose:
            out.append(f"  socket:  {found.socket}")
        if found.vhost:
            out.append(f"  vhost:   {found.vhost}")
        if found.wrapper:
            out.append(f"  wrapper: {found.wrapper}")
        if found.pids and verbose:
            out.append("  pids:    " + " ".join(str(p) for p in found.pids))
        for source, line, text in found.samples[: 3 if verbose else 1]:
            out.append(f"  {source}:{line}: {text[:200]}")
    for limit in report.inferred:
        where = limit.wrapper or limit.socket or "unknown class"
        where += f" of {limit.vhost}" if limit.vhost else ""
        out.append(
            f"inferred PHP_FCGI_MAX_REQUESTS={limit.php_fcgi_max_requests} for {where} "
            f"({limit.processes} php-cgi processes exited on their own after that many requests)"
        )
        if limit.php_fcgi_max_requests > 0:
            rate = limit.php_fcgi_max_requests / 3  # fcgilint.capacity's formula with mod_fcgid's default scores
            out.append(
                f"  recycling every {limit.php_fcgi_max_requests} requests sustains about {rate:.1f} req/s under "
                "mod_fcgid's default spawn score (R x 1 / (1 + 2)); `check --evidence` uses the config's own"
            )
    for load in report.loads:
        out.append(f"load of {load.vhost or 'the log'}: {load.requests} requests ({load.source}); {load.summary()}")
    if not quiet:
        out.extend(f"warning: {warning}" for warning in report.warnings)
    if not report.detections:
        read = ", ".join(f"{source} ({kind})" for source, kind in report.inputs if kind != "unknown")
        out.insert(0, f"no FastCGI failure patterns found in {read}" if read else "no FastCGI failure patterns found")
    return out


def render_trace(report: TraceReport, options: TextOptions | None = None, stream: object = None) -> str:
    """``trace``: what the evidence proves; ``-v`` and ``-q`` as for findings, colour as ``--color`` says."""
    options = options or TextOptions()
    lines = trace_lines(report.evidence, options.verbose, options.quiet, use_colour(options.color, stream))
    return "\n".join(lines) + "\n"


def render_show(report: Overview, options: TextOptions | None = None, stream: object = None) -> str:
    """Per scope its title, then each part's rows aligned, each with where it was decided and why; the notes last."""
    lines: list[str] = []
    for view in report.scopes:
        lines.append(view.title)
        for part in view.parts:
            lines.append(f"  {part.title}" + (f" ({part.location})" if part.location else ""))
            width = max((len(r.name) for r in part.rows), default=0)
            for row in part.rows:
                detail = ", ".join(x for x in (str(row.location) if row.location else "", row.why) if x)
                lines.append(f"    {row.name.ljust(width)}  {row.value}" + (f"  [{detail}]" if detail else ""))
        lines.append("")
    lines.extend(f"note: {n}" for n in report.notes)
    return "\n".join(lines).rstrip("\n") + "\n"
