"""Merge the command line with ``.fcgilint.yaml`` and turn raw findings into a report.

One place decides what runs (targets, loader options, rules, severities) and
what is shown (per-path ignores, inline suppressions), so ``check`` and any
other command that reports findings behave the same. The command line wins
over the file.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from fcgilint.findings import Finding, Severity
from fcgilint.load.apache_tree import LoadOptions
from fcgilint.model import unfilled
from fcgilint.pipeline import ENTRY_NAMES, Result
from fcgilint.policy import Choices, Selection
from fcgilint.report import Report
from fcgilint.project_config import ConfigError, ProjectConfig, check_rule_ids, find_config, load_config
from fcgilint.rules import Rule, RuleError, load_rules
from fcgilint.source import SourceIndex
from fcgilint.templates import parse_assignments

SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__", ".tox"})


class UsageError(Exception):
    """Anything that makes the run exit 2: bad options, bad config file, bad rule files."""


@dataclass
class Settings:
    """Everything a run needs, merged and validated."""

    targets: list[Path]
    load: LoadOptions
    selection: Selection
    rules: tuple[Rule, ...]
    config: ProjectConfig
    notes: list[str] = field(default_factory=list)
    evidence: list[Path] = field(default_factory=list)


def all_rules(rule_dirs: list[Path]) -> tuple[Rule, ...]:
    """Built-in rules plus a site's own; an id defined twice is an error, not a silent override."""
    try:
        rules = list(load_rules())
        for folder in rule_dirs:
            rules.extend(load_rules(folder))
    except RuleError as exc:
        raise UsageError(str(exc)) from None
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise UsageError(f"{rule.source}: rule id {rule.id} is already defined in {seen[rule.id]}")
        seen[rule.id] = rule.source
    return tuple(sorted(rules, key=lambda r: r.id))


def project_config(explicit: Path | None) -> ProjectConfig:
    """The named config file, else the nearest one above the working directory, else none."""
    if explicit is not None and not explicit.is_file():
        raise UsageError(f"--config {explicit}: no such file")
    path = explicit or find_config(Path.cwd())
    try:
        return load_config(path) if path else ProjectConfig()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def discover_entries(top: Path) -> list[Path]:
    """Every apache2.conf / httpd.conf under ``top``: a config repository checked as a whole."""
    names = {Path(n).name for n in ENTRY_NAMES}
    found: list[Path] = []
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        found.extend(Path(folder) / f for f in sorted(files) if f in names)
    return found


def _rule_ids(ids: list[str], known: set[str], origin: str) -> set[str]:
    """Ids from repeated options, each of which may also list several (``FCG001,FCG007``, as ruff takes them)."""
    wanted = {i.upper() for text in ids for i in text.replace(",", " ").split()}
    unknown = sorted(wanted - known)
    if unknown:
        raise UsageError(f"{origin}: unknown rule id(s): {', '.join(unknown)}")
    return wanted


def _severity(text: str) -> Severity:
    try:
        return Severity(text.lower())
    except ValueError:
        raise UsageError(f"--fail-on {text}: use error, warning or info") from None


def repository_top(start: Path) -> Path | None:
    """The top of the git checkout holding ``start`` (a config repository), if any."""
    for folder in [start.resolve(), *start.resolve().parents]:
        if (folder / ".git").exists():
            return folder
    return None


def _targets(choices: Choices, config: ProjectConfig, root: Path | None) -> tuple[list[Path], Path | None]:
    """What to check, and the root. Paths given or configured keep the root the user stated (``/``
    when none). Without either, every entry of the config repository is checked with the repository
    top as root, the same from any of its subdirectories; outside a repository the root is ``/``."""
    if choices.paths:
        return choices.paths, root
    if config.entry:
        return config.entry, root
    top = root or repository_top(Path.cwd())
    entries = discover_entries(top or Path.cwd())
    if not entries:
        raise UsageError(
            f"nothing to check: no path given, no entry in {config.path or '.fcgilint.yaml'}, and no "
            f"{' or '.join(sorted({Path(n).name for n in ENTRY_NAMES}))} under {top or Path.cwd()}"
        )
    return entries, top


def resolve(choices: Choices) -> Settings:
    """Validate and merge; raises UsageError with a message fit for one stderr line."""
    config = project_config(choices.config)
    rules = all_rules(config.rule_dirs)
    known = {r.id for r in rules}
    try:
        check_rule_ids(config, known)
        placeholders = parse_assignments(choices.sets)
    except (ConfigError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    root = choices.root or config.root
    if root is not None and not root.is_dir():
        raise UsageError(f"--root {root}: not a directory")
    targets, root = _targets(choices, config, root)
    select = _rule_ids(choices.select, known, "--select") if choices.select else set(config.select)
    ignore = _rule_ids(choices.ignore, known, "--ignore") | set(config.ignore)
    chosen = tuple(
        replace(r, severity=config.severity.get(r.id, r.severity))
        for r in rules
        if (not select or r.id in select) and r.id not in ignore
    )
    fail_on = _severity(choices.fail_on) if choices.fail_on else config.fail_on or Severity.WARNING
    merged_sets = tuple(config.set.items()) + placeholders
    defines = [*config.defines, *choices.defines]
    load = LoadOptions(
        root=root,
        modules=frozenset([*config.modules, *choices.modules]),
        without_modules=frozenset([*config.without_modules, *choices.without_modules]),
        defines=tuple((d.partition("=")[0], d.partition("=")[2]) for d in defines),
        placeholders=tuple(dict(merged_sets).items()),
        rate=config.rate,
        suexec_docroot=config.suexec_docroot or None,
    )
    notes = [
        f"{r.id}: site rule from {r.source} has no check function; it is documented but cannot fire"
        for r in chosen
        if not has_check(r)
    ]
    evidence = list(choices.evidence) or list(config.evidence)  # the command line wins, as for every key
    return Settings(targets, load, Selection(chosen, fail_on), rules, config, notes, evidence)


def has_check(rule: Rule) -> bool:
    """True if something produces findings for this rule: its condition, a check function or the engine."""
    from fcgilint.checks import CHECKS
    from fcgilint.suppress import ENGINE_RULES

    return rule.condition is not None or rule.id in CHECKS or rule.id in ENGINE_RULES


def sources_of(results: list[Result]) -> SourceIndex:
    """The texts the loader read: config files and wrapper scripts (for suppressions, excerpts, fingerprints)."""
    index = SourceIndex()
    for result in results:
        tree = result.model.tree
        for display, parsed in (tree.files.items() if tree else ()):
            index.add(display, parsed.source.text)
        for pc in result.model.classes:
            if pc.script is not None and pc.script.source is not None:
                index.add(pc.script.display, pc.script.source.text)
    return index


def path_ignored(finding: Finding, config: ProjectConfig) -> bool:
    """A per_path_ignores glob matches the file, as shown or relative to the config file's folder."""
    if not config.per_path_ignores:
        return False
    names = {finding.location.file}
    if config.path is not None:
        absolute = Path(finding.location.file).resolve()
        if absolute.is_relative_to(config.path.parent.resolve()):
            names.add(absolute.relative_to(config.path.parent.resolve()).as_posix())
    return any(
        finding.rule in ids and any(fnmatch.fnmatch(n, glob) for n in names)
        for glob, ids in config.per_path_ignores.items()
    )


def build_report(results: list[Result], settings: Settings, inline_ignores: bool) -> Report:
    """Severity overrides, per-path ignores and inline suppressions applied to raw findings."""
    from fcgilint.suppress import UNUSED_RULE, apply

    rules = {r.id: r for r in settings.selection.rules}
    overrides = settings.config.severity
    findings = [
        replace(f, severity=overrides[f.rule]) if f.rule in overrides else f for r in results for f in r.findings
    ]
    findings = [f for f in findings if not path_ignored(f, settings.config)]
    sources = sources_of(results)
    if inline_ignores:
        unused_rule = rules.get(UNUSED_RULE)
        outcome = apply(findings, sources, set(rules), unused_rule.severity if unused_rule else Severity.INFO)
        findings = outcome.kept + (
            [f for f in outcome.unused if not path_ignored(f, settings.config)] if unused_rule else []
        )
    notes = settings.notes + [n for r in results for n in unfilled(r.model)] + [n for r in results for n in r.notes]
    forced = sorted({f.rule for f in findings if f.refused and f.rule not in rules})
    if forced:
        them = "it" if len(forced) == 1 else "them"
        notes.append(
            f"{', '.join(forced)} shown although the rule selection leaves {them} out: httpd would refuse to load this "
            "tree"
        )
    shown = settings.selection.rules + tuple(r for r in settings.rules if r.id in forced)
    return Report(sorted(findings, key=Finding.sort_key), notes, shown, sources)
