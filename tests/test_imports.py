"""The package's imports run one way, down the pipeline, with no circle.

Every module belongs to one layer of :data:`LAYERS`; a module may import its own
layer and the layers before it, never a later one, and the import graph (every
``import``, also those under ``TYPE_CHECKING`` and inside functions) has no cycle.
A new module must be placed in the table: where it sits is a design decision.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "fcgilint"

# Bottom to top. A pattern names a module, or a package and everything in it ("pkg*").
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("fcgilint", "fcgilint.source", "fcgilint.exitcodes", "fcgilint.knowledge", "fcgilint.templates",
              "fcgilint.httpd_directives", "fcgilint.cache", "fcgilint.numbers", "fcgilint.regexes",
              "fcgilint.progress", "fcgilint.workers")),
    ("load", ("fcgilint.load*",)),
    ("model", ("fcgilint.model", "fcgilint.routes")),
    ("capacity", ("fcgilint.capacity",)),  # derived from the model's classes
    ("findings", ("fcgilint.findings",)),  # the vocabulary a rule's check produces
    ("rules", ("fcgilint.conditions", "fcgilint.rules", "fcgilint.checks*")),
    ("pipeline", ("fcgilint.pipeline",)),
    ("evidence", ("fcgilint.evidence", "fcgilint.evidence.*")),
    ("policy", ("fcgilint.policy", "fcgilint.project_config", "fcgilint.suppress", "fcgilint.baseline")),
    ("report", ("fcgilint.report", "fcgilint.formats*", "fcgilint.overview")),
    ("run", ("fcgilint.settings", "fcgilint.evidence_link", "fcgilint.capacity_link", "fcgilint.rule_examples")),
    ("fix", ("fcgilint.fix*",)),
    ("commands", ("fcgilint.check_run", "fcgilint.commands*", "fcgilint.cli", "fcgilint.__main__")),
)


def module_names(package: Path) -> dict[str, Path]:
    """Dotted name of every module of the package, ``__init__`` named as its package."""
    names = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _imported(node: ast.Import | ast.ImportFrom, name: str, is_package: bool, known: dict[str, Path]) -> set[str]:
    if isinstance(node, ast.Import):
        return {a.name for a in node.names}
    base = node.module or ""
    if node.level:
        anchor = name.split(".") if is_package else name.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, *([node.module] if node.module else [])])
    # "from pkg import sub" imports the module pkg.sub; "from mod import name" imports mod.
    subs = {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known}
    return subs or {base}


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    known = module_names(package)
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        targets: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                targets |= _imported(node, name, path.name == "__init__.py", known)
        graph[name] = {t for t in targets if t in known and t != name}
    return graph


def layer_of(module: str) -> int | None:
    """Index of the layer a module belongs to, None when no pattern places it."""
    for index, (_, patterns) in enumerate(LAYERS):
        if any(fnmatch.fnmatchcase(module, p) for p in patterns):
            return index
    return None


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def upward(graph: dict[str, set[str]]) -> list[str]:
    """Imports from a module into a later layer, as 'a (layer) -> b (layer)'."""
    wrong = []
    for module, targets in sorted(graph.items()):
        mine = layer_of(module)
        for target in sorted(targets):
            theirs = layer_of(target)
            if mine is not None and theirs is not None and theirs > mine:
                wrong.append(f"{module} ({LAYERS[mine][0]}) -> {target} ({LAYERS[theirs][0]})")
    return wrong


def test_every_module_has_a_layer() -> None:
    unplaced = [m for m in module_names(PACKAGE) if layer_of(m) is None]
    assert not unplaced, f"place these modules in LAYERS of {Path(__file__).name}: {unplaced}"


def test_no_import_circle() -> None:
    assert cycles(import_graph(PACKAGE)) == []


def test_nothing_imports_upward() -> None:
    assert upward(import_graph(PACKAGE)) == []


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "fcgilint"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize(
    ("files", "circle"),
    [
        (
            {
                "__init__.py": "",
                "model.py": "from fcgilint.pipeline import analyse\n",
                "pipeline.py": "from fcgilint import model\n",
            },
            ["fcgilint.model", "fcgilint.pipeline"],
        ),
        (
            {
                "__init__.py": "",
                "checks/__init__.py": "from fcgilint.checks import limits\n",
                "checks/limits.py": "from . import run\n",
                "checks/run.py": "if X:\n    from ..checks.limits import y\n",
            },
            ["fcgilint.checks.limits", "fcgilint.checks.run"],
        ),
    ],
)
def test_the_graph_sees_circles_through_any_import_form(
    tmp_path: Path, files: dict[str, str], circle: list[str]
) -> None:
    assert circle in cycles(import_graph(_package(tmp_path, files)))


def test_an_upward_import_is_named(tmp_path: Path) -> None:
    root = _package(tmp_path, {"__init__.py": "", "model.py": "def f() -> None:\n    from fcgilint.fix import engine\n",
                               "fix/__init__.py": "", "fix/engine.py": ""})
    assert upward(import_graph(root)) == ["fcgilint.model (model) -> fcgilint.fix.engine (fix)"]


def _shown(pattern: str) -> str:
    """How ARCHITECTURE.md names a pattern of :data:`LAYERS`: ``load/`` for a package, ``model.py`` for a module."""
    name = pattern.removeprefix("fcgilint.").rstrip(".*").replace(".", "/")
    return f"{name}/" if (PACKAGE / name).is_dir() else f"{name}.py"


def test_architecture_layer_table_is_this_table() -> None:
    text = (PACKAGE.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    table = text.split("| layer | modules |\n|---|---|\n", 1)[1].split("\n\n", 1)[0]
    rows = [line.split(" | ", 1) for line in table.splitlines()]
    assert [name.removeprefix("| ") for name, _ in rows] == [name for name, _ in LAYERS]
    for (name, patterns), (_, modules) in zip(LAYERS, rows, strict=True):
        named = set(re.findall(r"`([\w/]+(?:\.py|/))`", modules))
        wanted = {_shown(p) for p in patterns if p != "fcgilint"}
        assert named == wanted, f"ARCHITECTURE.md, layer {name}: {sorted(named)} where the test has {sorted(wanted)}"
