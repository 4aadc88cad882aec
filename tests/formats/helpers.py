"""A small config repository with findings of every severity, and a CLI runner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from fcgilint.cli import app
from tests.conftest import write_tree

APACHE = """\
FcgidConnectTimeout 20
MaxRequestsPerProcess 1000
<VirtualHost *:80>
    ServerName example.org
    AddHandler fcgid-script .php
    FcgidWrapper /usr/local/bin/php-wrapper .php
</VirtualHost>
"""
WRAPPER = "#!/bin/sh\nexec /usr/bin/php-cgi\n"
FILES = {"etc/apache2/apache2.conf": APACHE, "usr/local/bin/php-wrapper": WRAPPER}
ENTRY = "etc/apache2/apache2.conf"


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


def invoke(args: list[str], env: dict[str, str] | None = None) -> Outcome:
    """Run the CLI in-process with stdout and stderr kept apart."""
    result = CliRunner().invoke(app, args, env={"GITHUB_ACTIONS": "", "NO_COLOR": "1", **(env or {})})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr)


@contextmanager
def chdir(path: Path) -> Iterator[Path]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield path
    finally:
        os.chdir(old)


def make_repo(base: Path, files: dict[str, str] | None = None) -> Path:
    """Write the sample repository (or the given files) under base."""
    write_tree(base, FILES if files is None else files)
    return base
