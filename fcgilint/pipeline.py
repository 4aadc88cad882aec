"""The pipeline, end to end: load -> model -> rules -> findings.

Commands call :func:`analyse`; nothing else wires the stages together, so the
order is visible in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from fcgilint import checks
from fcgilint.checks.registry import REFUSALS
from fcgilint.findings import Finding
from fcgilint.load.apache_tree import LoadOptions, load_tree
from fcgilint.load.paths import PathMap
from fcgilint.load.wrapper import read_wrapper
from fcgilint.model import Model, apache_side_unchecked, build_model, standalone_model
from fcgilint.rules import Rule, load_rules
from fcgilint.source import SourceError

ENTRY_NAMES = ("apache2.conf", "httpd.conf", "conf/httpd.conf")


class InputError(Exception):
    """The input cannot be checked at all (exit code 2)."""


@dataclass
class Result:
    """What one run of the pipeline produced."""

    target: Path
    kind: str  # "apache" | "wrapper" | "php-ini"
    model: Model
    findings: list[Finding]
    notes: list[str] = field(default_factory=list)


def find_entry(directory: Path) -> Path:
    """``fcgilint check DIR``: the apache2.conf / httpd.conf in DIR."""
    for name in ENTRY_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    raise InputError(f"{directory}: no {' or '.join(ENTRY_NAMES)} found; give the entry config file instead")


def sniff(path: Path) -> str:
    """Decide whether a single file is an Apache config, a wrapper script or a php.ini."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"#!"):
        return "wrapper"
    text = head.decode("utf-8", "replace")
    if path.suffix == ".ini" or "[PHP]" in text:
        return "php-ini"
    return "apache"


def analyse(target: Path, options: LoadOptions, rules: tuple[Rule, ...] | None = None) -> Result:
    """Run the whole pipeline on a directory, an entry config, a wrapper or a php.ini."""
    rules = load_rules() if rules is None else rules
    if not target.exists():
        raise InputError(f"{target}: no such file or directory")
    try:
        entry = find_entry(target) if target.is_dir() else target
        if not entry.is_file():
            raise InputError(f"{entry}: not a regular file")
        kind = sniff(entry)
        if kind == "wrapper":
            model = standalone_model(read_wrapper(entry, PathMap(options.root)))
        elif kind == "php-ini":
            model = Model(tree=None, classes=[], unchecked=apache_side_unchecked("a php.ini alone", ("FCG003", "FCG004", "FCG005")))
        else:
            model = build_model(load_tree(entry, options))
    except SourceError as exc:
        raise InputError(str(exc)) from None
    except OSError as exc:
        raise InputError(f"{target}: {exc.strerror or exc}") from None
    model.rate, model.measured = options.rate, options.measured
    outcome = checks.run(model, rules)
    unchecked = model.unchecked + [(n.rule, n.why) for n in outcome.unchecked]
    notes = [f"{rule}: not checked: {why}" for rule, why in unchecked]
    notes += [note for pc in model.classes for note in pc.notes]
    return Result(target=entry, kind=kind, model=model, findings=outcome.findings + refusals(model, rules), notes=notes)


def refusals(model: Model, rules: tuple[Rule, ...]) -> list[Finding]:
    """What httpd refuses to load, from the refusal rules that --select/--ignore left out.

    A CI job with ``select: [FCG001]`` must still fail on a tree httpd will not
    start with: no selection makes an unloadable tree pass. Their fixes are
    dropped: ``fix`` edits only for the rules it was asked to run.
    """
    chosen = {r.id for r in rules}
    left_out = tuple(r for r in load_rules() if r.id in REFUSALS and r.id not in chosen)
    return [replace(f, fix=None) for f in checks.run(model, left_out).findings if f.refused] if left_out else []
