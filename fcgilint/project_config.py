"""``.fcgilint.yaml``: a project's standing choices, so CI, pre-commit and people agree.

Found by walking up from the working directory (or named with ``--config``).
Read with ruamel.yaml's round-trip loader, which keeps the line and column of
every key: a wrong value is reported as ``file:line:col: message`` so it can
be fixed without guessing. Paths in the file are relative to the file.
Command-line options win over the file; :mod:`fcgilint.settings` merges them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fcgilint.findings import Severity

FILE_NAME = ".fcgilint.yaml"
KEYS = (
    "root", "entry", "modules", "without_modules", "defines", "select", "ignore",
    "severity", "fail_on", "rule_dirs", "per_path_ignores", "set", "evidence", "suexec_docroot", "rate", "baseline",
)


class ConfigError(Exception):
    """An unusable config file; the message starts with ``file:line:col``."""


@dataclass
class ProjectConfig:
    """The parsed file; empty values mean "not set here"."""

    path: Path | None = None
    root: Path | None = None
    entry: list[Path] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    without_modules: list[str] = field(default_factory=list)
    defines: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    fail_on: Severity | None = None
    rule_dirs: list[Path] = field(default_factory=list)
    per_path_ignores: dict[str, list[str]] = field(default_factory=dict)
    set: dict[str, str] = field(default_factory=dict)
    evidence: list[Path] = field(default_factory=list)
    suexec_docroot: str | None = None
    rate: float | None = None  # requests/s each FastCGI class should sustain (FCG021)
    #: the baseline file ``check`` compares with, as ``--baseline`` does
    baseline: Path | None = None
    #: (line, col) of each rule id named in select/ignore/severity/per_path_ignores, checked once rules are known
    rule_refs: list[tuple[str, int, int]] = field(default_factory=list)

    def error_at(self, line: int, col: int, message: str) -> ConfigError:
        return ConfigError(f"{self.path}:{line}:{col}: {message}")


def _marks(node: Any) -> Any:
    """Line/column records of a ruamel round-trip mapping or sequence (0-based)."""
    return node.lc


def find_config(start: Path) -> Path | None:
    """The nearest ``.fcgilint.yaml`` in ``start`` or one of its parents."""
    for folder in (start.resolve(), *start.resolve().parents):
        candidate = folder / FILE_NAME
        if candidate.is_file():
            return candidate
    return None


class _Reader:
    """Validates one mapping, raising errors positioned at the offending key or item."""

    def __init__(self, path: Path, data: Any) -> None:
        self.path = path
        self.data = data
        self.config = ProjectConfig(path=path)

    def pos_key(self, key: str) -> tuple[int, int]:
        line, col = self.data.lc.key(key)
        return line + 1, col + 1

    def pos_value(self, node: Any, key: Any) -> tuple[int, int]:
        line, col = _marks(node).value(key) if isinstance(node, dict) else _marks(node).item(key)
        return line + 1, col + 1

    def fail(self, where: tuple[int, int], message: str) -> ConfigError:
        return ConfigError(f"{self.path}:{where[0]}:{where[1]}: {message}")

    def strings(self, key: str, single_ok: bool = False) -> list[str]:
        value = self.data[key]
        if single_ok and isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
            raise self.fail(self.pos_key(key), f"{key}: expected a list of strings")
        return [str(v) for v in value]

    def resolve_path(self, text: str) -> Path:
        candidate = Path(text).expanduser()
        return candidate if candidate.is_absolute() else self.path.parent / candidate

    def rule_ids(self, key: str, ids: list[str]) -> None:
        seq = self.data[key]
        for i, rule in enumerate(ids):
            line, col = _marks(seq).item(i) if isinstance(seq, list) else self.data.lc.value(key)
            self.config.rule_refs.append((rule, line + 1, col + 1))

    def read(self) -> ProjectConfig:
        for key in self.data:
            if key not in KEYS:
                raise self.fail(self.pos_key(key), f"unknown key {key!r}; known keys: {', '.join(KEYS)}")
            getattr(self, f"key_{key}")(key)
        return self.config

    def key_root(self, key: str) -> None:
        value = self.data[key]
        if not isinstance(value, str):
            raise self.fail(self.pos_key(key), "root: expected a directory path")
        self.config.root = self.resolve_path(value)
        if not self.config.root.is_dir():
            raise self.fail(self.pos_value(self.data, key), f"root: {value}: not a directory")

    def key_entry(self, key: str) -> None:
        self.config.entry = [self.resolve_path(v) for v in self.strings(key, single_ok=True)]

    def key_evidence(self, key: str) -> None:
        """strace captures and Apache logs to attach to findings, relative to the file."""
        self.config.evidence = [self.resolve_path(v) for v in self.strings(key, single_ok=True)]

    def key_suexec_docroot(self, key: str) -> None:
        """suexec's compiled-in document root, as ``suexec -V`` prints it (AP_DOC_ROOT)."""
        value = self.data[key]
        if not isinstance(value, str) or not value.startswith("/"):
            raise self.fail(self.pos_value(self.data, key), "suexec_docroot: expected an absolute path (suexec -V)")
        self.config.suexec_docroot = value.rstrip("/") or "/"

    def key_baseline(self, key: str) -> None:
        """A baseline file relative to this file; it may not exist yet (``--write-baseline`` creates it)."""
        value = self.data[key]
        if not isinstance(value, str) or not value:
            raise self.fail(self.pos_key(key), "baseline: expected a file path")
        self.config.baseline = self.resolve_path(value)

    def key_modules(self, key: str) -> None:
        self.config.modules = self.strings(key)

    def key_without_modules(self, key: str) -> None:
        self.config.without_modules = self.strings(key)

    def key_defines(self, key: str) -> None:
        value = self.data[key]
        if isinstance(value, dict):
            if any(isinstance(v, (dict, list)) for v in value.values()):
                raise self.fail(
                    self.pos_key(key), "defines: expected NAME: value pairs (or a list of NAME / NAME=VALUE)"
                )
            self.config.defines = [str(k) if v is None else f"{k}={v}" for k, v in value.items()]
        else:
            self.config.defines = self.strings(key)

    def key_select(self, key: str) -> None:
        self.config.select = [s.upper() for s in self.strings(key)]
        self.rule_ids(key, self.config.select)

    def key_ignore(self, key: str) -> None:
        self.config.ignore = [s.upper() for s in self.strings(key)]
        self.rule_ids(key, self.config.ignore)

    def severity_of(self, node: Any, key: Any, text: Any) -> Severity:
        try:
            return Severity(str(text).lower())
        except ValueError:
            raise self.fail(
                self.pos_value(node, key), f"{key}: {text!r} is not a severity; use error, warning or info"
            ) from None

    def key_severity(self, key: str) -> None:
        table = self.data[key]
        if not isinstance(table, dict):
            raise self.fail(self.pos_key(key), "severity: expected a mapping of rule id to error, warning or info")
        for rule, level in table.items():
            line, col = _marks(table).key(rule)
            self.config.rule_refs.append((str(rule).upper(), line + 1, col + 1))
            self.config.severity[str(rule).upper()] = self.severity_of(table, rule, level)

    def key_fail_on(self, key: str) -> None:
        self.config.fail_on = self.severity_of(self.data, key, self.data[key])

    def key_rule_dirs(self, key: str) -> None:
        seq = self.data[key]
        for i, text in enumerate(self.strings(key, single_ok=True)):
            folder = self.resolve_path(text)
            if not folder.is_dir():
                where = self.pos_value(seq, i) if isinstance(seq, list) else self.pos_value(self.data, key)
                raise self.fail(where, f"rule_dirs: {text}: not a directory")
            self.config.rule_dirs.append(folder)

    def key_per_path_ignores(self, key: str) -> None:
        table = self.data[key]
        if not isinstance(table, dict):
            raise self.fail(self.pos_key(key), "per_path_ignores: expected a mapping of glob to a list of rule ids")
        for glob, ids in table.items():
            where = self.pos_value(table, glob)
            values = [ids] if isinstance(ids, str) else ids
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise self.fail(where, f"per_path_ignores: {glob}: expected a list of rule ids")
            self.config.per_path_ignores[str(glob)] = [v.upper() for v in values]
            self.config.rule_refs.extend((v.upper(), *where) for v in values)

    def key_rate(self, key: str) -> None:
        """The request rate every class must sustain, a positive number of requests per second."""
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise self.fail(self.pos_value(self.data, key), f"rate: {value!r}: expected requests per second above 0")
        self.config.rate = float(value)

    def key_set(self, key: str) -> None:
        table = self.data[key]
        if not isinstance(table, dict) or any(isinstance(v, (dict, list)) for v in table.values()):
            raise self.fail(self.pos_key(key), "set: expected a mapping of placeholder name to value")
        self.config.set = {str(k): "" if v is None else str(v) for k, v in table.items()}


def _refuse_tags(yaml: Any, text: str, path: Path) -> None:
    """Settings are plain strings, numbers, lists and mappings: an explicit ``!tag`` is an error at its place."""
    for event in yaml.parse(text):
        tag = getattr(event, "tag", None)
        if tag:
            mark = event.start_mark
            raise ConfigError(f"{path}:{mark.line + 1}:{mark.column + 1}: YAML tag {tag} is not allowed here; "
                              "write plain values")


def load_config(path: Path) -> ProjectConfig:
    """Parse and validate one config file (rule ids are checked later, against the loaded rules)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        _refuse_tags(YAML(typ="rt"), text, path)
        data = YAML(typ="rt").load(text)
    except ConfigError:
        raise
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "1:1"
        raise ConfigError(f"{path}:{where}: invalid YAML: {exc.problem or exc.context}") from None
    except Exception as exc:  # ruamel raises several unrelated types for malformed input
        raise ConfigError(f"{path}:1:1: invalid YAML: {exc}") from None
    if data is None:
        return ProjectConfig(path=path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1:1: expected a mapping of settings at the top level")
    return _Reader(path, data).read()


def check_rule_ids(config: ProjectConfig, known: set[str]) -> None:
    """Reject rule ids the file names but no rule has, at the place they are named."""
    for rule, line, col in config.rule_refs:
        if rule not in known:
            raise config.error_at(line, col, f"unknown rule id {rule!r}")


STARTER = """\
# fcgilint project settings. Command-line options win over these.
# Paths are relative to this file.

# A repository that mirrors / (etc/apache2/..., usr/local/bin/...): map absolute
# paths in the configs into it.
# root: .

# What to check: a directory with apache2.conf/httpd.conf, an entry config, a
# wrapper script or a php.ini. One path or a list.
# entry:
#   - etc/apache2

# The modules the server loads, when the tree alone does not say.
# modules: [fcgid, suexec]   # or [debian]: Debian's default set, every other module absent
# without_modules: [php7]

# <IfDefine> names and ${NAME} values (NAME or NAME=VALUE).
# defines: [SSL]

# Values for hosting-panel template placeholders ({DOMAIN}, %domain%, {{ name }}).
# set:
#   DOMAIN: example.org

# Rule selection. Ids as listed by `fcgilint rules`.
# select: [FCG001, FCG003]
# ignore: [FCG013]

# Change a rule's severity.
# severity:
#   FCG006: warning

# Lowest severity that makes the exit code 1: error, warning or info.
fail_on: warning

# Directories of your own rule YAML files (same form as the built-in rules).
# rule_dirs: [fcgilint-rules]

# suexec's document root, as `suexec -V` prints it (AP_DOC_ROOT); Debian's is /var/www.
# suexec_docroot: /var/www

# strace captures and Apache logs whose failures are attached to the findings they prove.
# evidence: [logs/error.log]

# Requests per second each FastCGI class must sustain; FCG021 warns when recycling
# under mod_fcgid's spawn score caps a class below it (default 20).
# rate: 50

# Report only findings not recorded in this file (written by
# `fcgilint check --write-baseline FILE`); --baseline on the command line wins.
# baseline: .fcgilint-baseline.json

# Skip rules for some files (glob on the reported file name).
# per_path_ignores:
#   "etc/apache2/conf-available/*.conf": [FCG006]
"""
