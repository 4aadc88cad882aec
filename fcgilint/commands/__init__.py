"""Sub-commands. Each module exposes ``register(app)``; REGISTRY lists them in help order."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

import typer

_MODULES = ("check", "fix", "trace", "rules", "init")


def _load(name: str) -> Callable[[typer.Typer], None] | None:
    try:
        module = import_module(f"fcgilint.commands.{name}")
    except ModuleNotFoundError as exc:  # a command whose module is not there yet
        if exc.name == f"fcgilint.commands.{name}":
            return None
        raise
    return module.register


REGISTRY = [r for r in (_load(n) for n in _MODULES) if r is not None]
