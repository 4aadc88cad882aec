"""The pipeline, end to end: load -> model -> rules -> findings.

Commands call :func:`analyse`; nothing else wires the stages together, so the
order is visible in one place.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field, replace
from pathlib import Path

from fcgilint import checks
from fcgilint.checks.registry import REFUSALS
from fcgilint.findings import Finding
from fcgilint.load.apache_tree import LoadOptions, load_tree
from fcgilint.load.file_kind import FileKind, embedded_config, identify
from fcgilint.load.paths import PathMap
from fcgilint.load.wrapper import read_wrapper
from fcgilint.model import Model, apache_side_unchecked, build_model, standalone_model
from fcgilint.rules import Rule, load_rules
from fcgilint.source import SourceError, SourceFile, read_source

SETTLE_DIRECTIVES = 20_000  # about 2,000 sites
ENTRY_NAMES = ("apache2.conf", "httpd.conf", "conf/httpd.conf")


class InputError(Exception):
    """The input cannot be checked at all (exit code 2)."""


@dataclass
class Result:
    """What one run of the pipeline produced."""

    target: Path
    kind: str  # "apache" | "wrapper" | "php-ini" | "document" | "dockerfile" | "other" (fcgilint.load.file_kind)
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
    """Decide what a single file is: an Apache config, a wrapper script, a php.ini, a document or
    Dockerfile that may embed Apache config, or something else (see fcgilint.load.file_kind)."""
    return _identify(path).kind


def _identify(path: Path) -> FileKind:
    with path.open("rb") as handle:
        head = handle.read(4096)
    return identify(path, head.decode("utf-8", "replace"))


def analyse(target: Path, options: LoadOptions, rules: tuple[Rule, ...] | None = None) -> Result:
    """Run the whole pipeline on a directory, an entry config, a wrapper or a php.ini."""
    rules = load_rules() if rules is None else rules
    if not target.exists():
        raise InputError(f"{target}: no such file or directory")
    try:
        entry = find_entry(target) if target.is_dir() else target
        if not entry.is_file():
            raise InputError(f"{entry}: not a regular file")
        found = _identify(entry)
        kind, embedded = found.kind, None
        if kind == "wrapper":
            model = standalone_model(read_wrapper(entry, PathMap(options.root)))
        elif kind == "php-ini":
            model = Model(
                tree=None,
                classes=[],
                unchecked=apache_side_unchecked("a php.ini alone", ("FCG003", "FCG004", "FCG005")),
            )
        elif kind == "apache":
            tree = load_tree(entry, options)
            _settle(len(tree.directives))
            model = build_model(tree)
            _settle(len(tree.directives))
        else:
            model, embedded = _embedded_model(entry, found, options)
    except SourceError as exc:
        raise InputError(str(exc)) from None
    except OSError as exc:
        raise InputError(f"{target}: {exc.strerror or exc}") from None
    model.rate, model.measured = options.rate, options.measured
    outcome = checks.run(model, rules)
    unchecked = model.unchecked + [(n.rule, n.why) for n in outcome.unchecked]
    notes = [f"{rule}: not checked: {why}" for rule, why in unchecked]
    notes += [note for pc in model.classes for note in pc.notes]
    notes += model.tree.notes if model.tree is not None else []
    findings = outcome.findings + refusals(model, rules)
    if embedded is not None:
        findings, note = _embedded_findings(entry, found, embedded, findings)
        notes.insert(0, note)
    return Result(target=entry, kind=kind, model=model, findings=findings, notes=notes)


def _settle(size: int) -> None:
    """Move everything built so far out of the collector's sight (``gc.freeze``) for a big tree.

    The tree and the model live until the run ends, millions of objects: each collection of the
    older generations walks all of them again (0.47 s of a 5,000-site check) to find no garbage.
    Objects freed by their reference count are freed as before; small trees (a fix loop, a
    library caller checking many) skip it, so their cyclic garbage stays collectable.
    """
    if size >= SETTLE_DIRECTIVES:
        gc.freeze()


def _embedded_model(entry: Path, found: FileKind, options: LoadOptions) -> tuple[Model, list[tuple[int, int]]]:
    """The Apache configuration inside a document's code blocks or a Dockerfile's heredocs, if any."""
    if found.kind not in ("document", "dockerfile"):
        return Model(tree=None, classes=[]), []
    display = PathMap(options.root).display(str(entry))
    source = read_source(entry, display)
    text, blocks = embedded_config(source.text, found.blocks)
    if not blocks:
        return Model(tree=None, classes=[]), []
    return build_model(load_tree(entry, options, SourceFile(source.path, source.display, text))), blocks


def _embedded_findings(entry: Path, found: FileKind, blocks: list[tuple[int, int]],
                       findings: list[Finding]) -> tuple[list[Finding], str]:
    """Findings on embedded configuration carry no fix (the prose around it is not config), and the
    files it names (Include, FcgidWrapper) belong to its author's server, so they are not looked for.
    A file with nothing embedded is only named."""
    if not blocks:
        return [], f"{entry}: looks like {found.label}, not an Apache config; nothing checked"
    where = {"heredoc": "heredocs", "strings": "multi-line strings"}.get(found.blocks, "code blocks")
    spans = [f"{a}-{b}" if a != b else f"{a}" for a, b in blocks]
    lines = ", ".join(spans[:6]) + (f" and {len(spans) - 6} more" if len(spans) > 6 else "")
    note = (f"{entry}: looks like {found.label}, not an Apache config; checked the Apache configuration in its "
            f"{where} (lines {lines}); files it names are not looked for and fixes are not offered")
    kept = [replace(f, fix=None) for f in findings if f.rule not in ("FCG000", "FCG008")]
    return kept, note


def refusals(model: Model, rules: tuple[Rule, ...]) -> list[Finding]:
    """What httpd refuses to load, from the refusal rules that --select/--ignore left out.

    A CI job with ``select: [FCG001]`` must still fail on a tree httpd will not
    start with: no selection makes an unloadable tree pass. Their fixes are
    dropped: ``fix`` edits only for the rules it was asked to run.
    """
    chosen = {r.id for r in rules}
    left_out = tuple(r for r in load_rules() if r.id in REFUSALS and r.id not in chosen)
    return [replace(f, fix=None) for f in checks.run(model, left_out).findings if f.refused] if left_out else []
