"""The shape of the source tree: no import circle among the package's modules, no module too long to read.

Both are read from the files themselves (Python's ``ast`` for imports, line counts for length), so a
circle or a long module added later fails here with its name, not in review.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "poseloops"
MAX_LINES = 450  # the team's limit for one module of one concern (STYLE.md, notes)


def module_name(path: Path) -> str:
    """``poseloops.model.corpus`` of ``src/poseloops/model/corpus.py``; a package is its ``__init__``."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((SRC / PACKAGE).rglob("*.py"))}


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that ``path`` imports anywhere in it (at the top or inside a function)."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # ``from .x import y`` in a.b.c means a.b.x; in the package a.b's __init__ it means a.b.x too
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # ``from a import b`` imports the module a.b when there is one, else a name of a
            targets = [f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in modules else stem for alias in node.names]
        else:
            continue
        for target in targets:
            # ``import a.b.c`` runs a, a.b and a.b.c; the package's own __init__ imports are edges as well
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target.startswith(PACKAGE) and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = package_modules()
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as ``[a, b, ..., a]``, or None. Imports of a parent package by its child are left out:
    ``poseloops.model.x`` importing ``poseloops.model`` (its own package) is how Python runs it anyway."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if node.startswith(nxt + "."):
                continue
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_the_graph_sees_imports_inside_functions_and_relative_imports():
    graph = import_graph()
    # top level, relative: ``from ..errors import InputError`` in model/corpus.py
    assert "poseloops.errors" in graph["poseloops.model.corpus"]
    # inside a function: ``from ..model.corpus import prepare_corpus`` in cli/model_commands.py
    assert "poseloops.model.corpus" in graph["poseloops.cli.model_commands"]
    # the finder reports a circle it is given, with its path
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_circle_in_the_package():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_no_module_longer_than_the_limit():
    long = {}
    for path in sorted((SRC / PACKAGE).rglob("*")):
        if path.suffix in (".py", ".js") and path.is_file():
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                long[str(path.relative_to(SRC))] = lines
    assert not long, f"modules over {MAX_LINES} lines: {long}"
