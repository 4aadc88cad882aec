"""The body of ``fcgilint check``: settings -> pipeline -> report -> baseline -> output.

Kept apart from the Typer signature so the order of the steps reads in one
place and errors of every stage end the same way: one line on stderr, exit 2,
and nothing on stdout, where machine formats must arrive whole.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from fcgilint import cache, exitcodes, progress
from fcgilint.formats import FORMATS, default_format
from fcgilint.policy import Choices

if TYPE_CHECKING:
    from fcgilint.evidence import EvidenceReport
    from fcgilint.formats.text import TextOptions
    from fcgilint.pipeline import Result
    from fcgilint.report import Report


def _error(message: str) -> int:
    print(f"fcgilint: {message}", file=sys.stderr)
    return exitcodes.ERROR


def run(
    choices: Choices,
    output_format: str | None,
    inline_ignores: bool,
    baseline: Path | None,
    write_baseline: Path | None,
    exit_zero: bool,
    no_cache: bool = False,
    text: TextOptions | None = None,
    output_file: Path | None = None,
    html_file: Path | None = None,
) -> int:
    """Run a check and print it (or write it to ``output_file``), or give the stored output of an
    identical run on unchanged files (:mod:`fcgilint.cache`); returns the exit code."""
    fmt = output_format or default_format()
    if fmt not in FORMATS:
        return _error(f"--format {fmt}: use {', '.join(FORMATS)}")
    out = _Output(text, output_file, html_file)
    if (
        not cache.enabled(no_cache)
        or write_baseline is not None
        or choices.evidence
        or html_file
        or Path("-") in choices.paths
    ):
        return _run(choices, fmt, inline_ignores, baseline, write_baseline, exit_zero, [], out)
    # The text switches and whether colour reaches a terminal shape the output as much as the inputs do.
    entry_cache = cache.Cache(
        (choices, fmt, inline_ignores, baseline, exit_zero, text, output_file, sys.stdout.isatty())
    )
    entry = entry_cache.lookup()
    if entry is not None:
        return entry.code if out.write(entry.output) else exitcodes.ERROR
    printed: list[str] = []
    with cache.recording() as reads:
        code = _run(choices, fmt, inline_ignores, baseline, write_baseline, exit_zero, printed, out)
    if code != exitcodes.ERROR and printed:
        entry_cache.store(reads, printed[0], code)
    return code


class _Output:
    """Where the report goes: standard output, or ``--output-file`` (a file is no terminal: no colour on auto)."""

    def __init__(self, text: TextOptions | None, path: Path | None, html: Path | None = None) -> None:
        self.text = text
        self.path = path
        self.html = html

    def page(self, evidence: EvidenceReport | None, sources: list[Path], results: list[Result]) -> None:
        """``--html``: the evidence timeline and show's per-vhost tables, as one self-contained page."""
        from fcgilint.settings import UsageError

        if self.html is None:
            return
        if evidence is None:
            raise UsageError("--html draws the evidence: give --evidence FILE (or evidence: in .fcgilint.yaml)")
        from fcgilint.formats.timeline import render as render_page
        from fcgilint.overview import build

        views = [view for r in results for view in build(r.model)]
        try:
            self.html.write_text(render_page(evidence, [str(s) for s in sources], views), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--html {self.html}: cannot write: {exc.strerror or exc}") from None

    def render(self, fmt: str, report: Report) -> str:
        from fcgilint.formats import render

        return render(fmt, report, self.text, self.path or sys.stdout)

    def write(self, output: str) -> bool:
        """False (after one line on stderr) when the file cannot be written."""
        if self.path is None:
            sys.stdout.write(output)
            sys.stdout.flush()
            return True
        try:
            self.path.write_text(output, encoding="utf-8")
        except OSError as exc:
            _error(f"--output-file {self.path}: cannot write: {exc.strerror or exc}")
            return False
        return True


def _run(choices: Choices, fmt: str, inline_ignores: bool, baseline: Path | None, write_baseline: Path | None,
         exit_zero: bool, printed: list[str], out: _Output) -> int:
    """The check itself; what it prints on stdout is also appended to ``printed`` (runs with evidence: never).

    The pipeline is imported here, not above: a re-check answered by the cache never needs it."""
    from fcgilint import baseline as baselines
    from fcgilint.pipeline import InputError, analyse
    from fcgilint.policy import exit_code
    from fcgilint.report import Report
    from fcgilint.settings import UsageError, build_report, resolve

    try:
        settings = resolve(choices)
        evidence = read_evidence(settings.evidence)
        if evidence is not None and evidence.loads:
            settings.load = replace(settings.load, measured=tuple(
                (load.vhost, load.source, load.peak_rate, load.peak_text) for load in evidence.loads))
        with progress.showing(fmt == "text"):  # a terminal's text output only; stderr, erased before the report
            results = [analyse(target, settings.load, settings.selection.rules) for target in settings.targets]
        report = build_report(results, settings, inline_ignores)
        out.page(evidence, settings.evidence, results)
        if evidence is not None:
            from fcgilint.evidence_link import attach

            report = attach(report, [f for r in results for f in r.findings], [r.model for r in results], evidence)
        if write_baseline is not None:
            count = baselines.write(write_baseline, report.findings, report.sources)
            print(f"fcgilint: recorded {count} finding(s) in {write_baseline}", file=sys.stderr)
            return exitcodes.OK
        baseline = baseline or settings.config.baseline
        if baseline is not None:
            known = baselines.read(baseline)
            report = Report(
                baselines.new_only(report.findings, report.sources, known),
                report.notes,
                report.rules,
                report.sources,
                report.attached,
            )
    except (UsageError, InputError, baselines.BaselineError) as exc:
        return _error(str(exc))
    output = out.render(fmt, report)
    if not out.write(output):
        return exitcodes.ERROR
    if not settings.evidence:
        printed.append(output)
    return exit_code(report.findings, settings.selection, exit_zero)


def read_evidence(paths: list[Path]) -> EvidenceReport | None:
    """Read the ``--evidence`` files once, before any config is analysed, so a bad file fails fast.

    The evidence reader is imported only here: runs without evidence do not pay for it.
    """
    if not paths:
        return None
    from fcgilint.evidence import EvidenceError
    from fcgilint.evidence_link import read
    from fcgilint.settings import UsageError

    try:
        return read(paths)
    except EvidenceError as exc:
        raise UsageError(str(exc)) from None
