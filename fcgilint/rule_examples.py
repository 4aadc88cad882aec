"""A rule's own bad and good examples, run: a site's rule documentation cannot drift from what fires.

Each example is a small tree written to a fresh temporary directory and checked with that rule
alone, the way the test suite runs the built-in rules' examples: a bad example must fire the rule,
a good one must not. ``fcgilint rules --test`` runs the examples of a site's rule directories.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import InputError, analyse
from fcgilint.report import ExampleRun, ExampleRuns
from fcgilint.rules import Example, Rule


class _Unsafe(Exception):
    """An example file name that would land outside the example's directory."""


def _write(base: Path, files: dict[str, str]) -> None:
    """The example's files under ``base``; scripts (``#!``) executable, like the wrappers they stand for.

    A name is the rule file's author's text: an absolute one or one climbing out with ``..``
    is refused, so running examples never writes anywhere else.
    """
    for name, text in files.items():
        path = (base / name).resolve()
        if not path.is_relative_to(base.resolve()) or path == base.resolve():
            raise _Unsafe(f"example file {name!r} is outside the example's directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if text.startswith("#!"):
            path.chmod(0o755)


def run_example(rule: Rule, side: str, index: int, example: Example) -> ExampleRun:
    """Check one example with ``rule`` alone; ``side`` is ``bad`` (must fire) or ``good`` (must not)."""
    with tempfile.TemporaryDirectory(prefix="fcgilint-example-") as tmp:
        base = Path(tmp)
        try:
            _write(base, example.files)
            result = analyse(base / example.entry, LoadOptions(root=base), (rule,))
        except (_Unsafe, InputError, OSError) as exc:
            return ExampleRun(rule.id, rule.source, side, index, False, (), f"cannot be checked: {exc}")
    fired = tuple(f.message for f in result.findings if f.rule == rule.id)
    passed = bool(fired) == (side == "bad")
    return ExampleRun(rule.id, rule.source, side, index, passed, fired, "" if passed else _why(rule, side, fired))


def _why(rule: Rule, side: str, fired: tuple[str, ...]) -> str:
    if side == "good":
        return "fired: " + "; ".join(fired)
    return "did not fire" + ("" if rule.condition is not None else " (the rule has no condition, so nothing fires it)")


def run_examples(rules: tuple[Rule, ...]) -> ExampleRuns:
    """Every example of these rules, in rule order, bad ones first; a rule lacking a side is noted."""
    runs = [
        run_example(rule, side, i, example)
        for rule in rules
        for side, examples in (("bad", rule.bad), ("good", rule.good))
        for i, example in enumerate(examples, 1)
    ]
    notes = [
        f"{rule.id} ({rule.source}) has no {side} example"
        for rule in rules
        for side, examples in (("bad", rule.bad), ("good", rule.good))
        if not examples
    ]
    return ExampleRuns(runs, len(rules), notes)
