"""Sub-commands. Each module exposes ``register(app)``; REGISTRY lists them in help order.

The modules import only Typer and light helpers at the top; whatever a command
needs to run (pipeline, fix engine, evidence reader, rule loader) is imported
inside the command, so ``fcgilint --version`` and ``--help`` stay fast.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from fcgilint.commands import check, fix, init, rules, show, trace

REGISTRY: list[Callable[[typer.Typer], None]] = [
    check.register, fix.register, show.register, trace.register, rules.register, init.register
]
