"""Read php.ini files and find them the way php-cgi does.

php-cgi looks for its ini file (``main/php_ini.c``): the ``-c`` path, then
``$PHPRC``, then the directory of the binary and the compiled-in path
(Debian: ``/etc/php/<version>/cgi/``), reading ``php-cgi.ini`` before ``php.ini``
in each directory; then every ``*.ini`` in the scan directory
(``$PHP_INI_SCAN_DIR`` or the compiled-in ``conf.d``), later files overriding
earlier ones; ``-d key=value`` overrides everything.
"""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass, field
from pathlib import Path

from fcgilint.load.paths import PathMap
from fcgilint.source import Location, SourceError, read_source

_LINE = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*=\s*(.*?)\s*$")


@dataclass
class IniFile:
    """Settings of one ini file, each with its line."""

    display: str
    values: dict[str, tuple[str, Location]] = field(default_factory=dict)


def _unquote(value: str) -> str:
    """A value as PHP's ini scanner reads it: the text inside quotes, else up to a ``;`` comment."""
    value = value.strip()
    if value[:1] in ("\"", "'"):
        end = value.find(value[0], 1)
        if end != -1:
            return value[1:end]
    return value.split(";", 1)[0].strip()


def read_ini(host: Path, paths: PathMap) -> IniFile:
    """Parse one php.ini; ``[PATH=]``/``[HOST=]`` sections are per-directory and skipped."""
    source = read_source(host, paths.display(str(host)))
    ini = IniFile(display=source.display)
    per_dir = False
    for number, line in enumerate(source.text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith((";", "#")):
            continue
        if stripped.startswith("["):
            per_dir = bool(re.match(r"\[(PATH|HOST)=", stripped, re.I))
            continue
        m = _LINE.match(line)
        if m and not per_dir:
            ini.values[m.group(1).lower()] = (_unquote(m.group(2)), Location(source.display, number))
    return ini


_WHITESPACE = " \t\n\r\v\f"
_SHIFTS = {"g": 30, "m": 20, "k": 10}
_PREFIXES = {"x": 16, "o": 8, "b": 2}
_ULONG = 2**64


def size_bytes(value: str) -> int | None:
    """A size exactly as PHP 8.2 reads it (``zend_ini_parse_quantity``, signed).

    Leading ``0x``/``0o``/``0b``/``0`` choose the base; the *last* character is the
    K/M/G multiplier whatever stands between (``1.5M`` is 1M, ``5MB`` is 5 bytes); an
    out-of-range value wraps like PHP's 64-bit arithmetic. Linear in the length.
    None where no digit leads (PHP reads 0, but a template placeholder is unknown).
    """
    text = value.strip(_WHITESPACE)
    negative = text[:1] == "-"
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or digits[0] not in _HEX[:10]:
        return None
    base, start = (8 if digits[0] == "0" else 10), 0
    if digits[0] == "0" and len(digits) > 1 and not digits[1].isdigit():
        if digits[1].lower() in _SHIFTS:
            return 0
        base, start = _PREFIXES.get(digits[1].lower(), 0), 2
        if not base or not _digits_follow(digits, start):
            return 0
    number, end, overflow = _strtoul(digits, start, base)
    if negative and not overflow:
        number = -number % _ULONG
    rest = digits[end:].lstrip(_WHITESPACE)
    if rest:
        shift = _SHIFTS.get(rest[-1].lower())
        if shift is not None:
            number = (number << shift) % _ULONG
    return number - _ULONG if number >= 2**63 else number


def _digits_follow(text: str, at: int) -> bool:
    """After ``0x``/``0o``/``0b`` PHP wants a digit at once: no blank, sign or second prefix."""
    if at >= len(text) or text[at] in _WHITESPACE or text[at] in "+-":
        return False
    return not (text[at] == "0" and text[at + 1 : at + 2].lower() in ("x", "o", "b"))


def _strtoul(text: str, start: int, base: int) -> tuple[int, int, bool]:
    """C ``strtoull``: the value (ULONG_MAX on overflow), where the digits end, and whether it overflowed."""
    end = start
    allowed = _HEX[:base]
    while end < len(text) and text[end].lower() in allowed:
        end += 1
    if end - start > 70:  # far beyond 64 bits in any base; never convert a huge digit string
        return _ULONG - 1, end, True
    number = int(text[start:end], base) if end > start else 0
    return (number, end, False) if number < _ULONG else (_ULONG - 1, end, True)


_HEX = "0123456789abcdef"


def php_version_hint(binary: str) -> str | None:
    """``php-cgi8.2`` -> ``8.2``; used to pick Debian's ``/etc/php/8.2/cgi``."""
    m = re.search(r"(\d+\.\d+)", binary.rsplit("/", 1)[-1]) or re.search(r"php(\d)(?!\d)", binary.rsplit("/", 1)[-1])
    return m.group(1) if m else None


@dataclass
class IniChoice:
    """Which ini files php-cgi would read, in order, and why."""

    files: list[Path]
    reason: str


class IniReader:
    """Finds and reads php.ini files for one run, each file and each search once.

    On a hosting server thousands of classes share the distribution's php.ini
    and its conf.d; reading them again per class made a 5,000-vhost check
    spend most of its time re-reading the same twenty files.
    """

    def __init__(self, paths: PathMap) -> None:
        self.paths = paths
        self._files: dict[Path, IniFile | SourceError] = {}
        self._globs: dict[str, list[str]] = {}
        self._choices: dict[tuple[object, ...], IniChoice] = {}

    def _glob(self, pattern: str) -> list[str]:
        if pattern not in self._globs:
            self._globs[pattern] = sorted(glob.glob(pattern))
        return self._globs[pattern]

    def locate(
        self, binary: str, ini_path: str | None, no_ini: bool, env: dict[str, str | None], wrapper_dir: Path | None
    ) -> IniChoice:
        """Decide the php.ini (and scan dir files) php-cgi would load (same inputs, same answer)."""
        key = (binary, ini_path, no_ini, env.get("PHPRC"), env.get("PHP_INI_SCAN_DIR"), wrapper_dir)
        if key not in self._choices:
            self._choices[key] = self._locate(binary, ini_path, no_ini, env, wrapper_dir)
        return self._choices[key]

    def _locate(
        self, binary: str, ini_path: str | None, no_ini: bool, env: dict[str, str | None], wrapper_dir: Path | None
    ) -> IniChoice:
        if no_ini:
            return IniChoice([], "php-cgi runs with -n: no php.ini is read")
        main: Path | None = None
        reason = ""
        for label, candidate in (("-c", ini_path), ("PHPRC", env.get("PHPRC"))):
            if candidate:
                main = _resolve(candidate, wrapper_dir, self.paths)
                reason = f"{label} {candidate}"
                if main is None:
                    reason += " (not found: PHP falls back to its built-in defaults)"
                break
        else:
            main, reason = self._compiled_default(binary)
        files = [main] if main else []
        scan = env.get("PHP_INI_SCAN_DIR")
        scan_dir = (
            Path(self.paths.to_host(scan))
            if scan
            else (main.parent / "conf.d" if main and "/etc/php/" in str(main) else None)
        )
        if scan_dir is not None:
            files.extend(Path(p) for p in self._glob(str(scan_dir / "*.ini")))
        return IniChoice(files, reason)

    def _compiled_default(self, binary: str) -> tuple[Path | None, str]:
        version = php_version_hint(binary)
        found = self._glob(self.paths.to_host(f"/etc/php/{version or '*'}/cgi/php.ini"))
        if found:
            return Path(found[-1]), f"the distribution's default {self.paths.to_config(found[-1])}"
        return None, "no php.ini found (no -c, no PHPRC, no /etc/php/*/cgi/php.ini): PHP's built-in defaults apply"

    def load(self, files: list[Path]) -> tuple[list[IniFile], list[str]]:
        """Read the chosen files; unreadable ones become notes, not failures."""
        out: list[IniFile] = []
        notes: list[str] = []
        for path in files:
            if path not in self._files:
                try:
                    self._files[path] = read_ini(path, self.paths)
                except SourceError as exc:
                    self._files[path] = exc
            result = self._files[path]
            if isinstance(result, SourceError):
                notes.append(str(result))
            else:
                out.append(result)
        return out, notes


def _resolve(candidate: str, wrapper_dir: Path | None, paths: PathMap) -> Path | None:
    host = Path(paths.to_host(candidate)) if candidate.startswith("/") else (wrapper_dir or Path(".")) / candidate
    if host.is_dir():
        for name in ("php-cgi.ini", "php.ini"):
            if (host / name).is_file():
                return host / name
        return None
    return host if host.is_file() else None
