"""No import circle in ``translate`` (issue 19): checked statically from the AST, and by
importing every module in a fresh interpreter.

A circle hidden behind function-level imports still couples the modules (it was how
settings -> summarizers -> backends -> settings survived), so the graph is checked twice:
with module-level imports only (no circle at all), and with the imports inside functions
too (no circle either). Importing a
submodule runs its parent packages' ``__init__``, so an import also counts as one of each
parent package. ``if TYPE_CHECKING:`` imports never run and are left out.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = REPO_ROOT / "translate"


def module_files() -> dict[str, Path]:
    files = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        files[".".join(parts)] = path
    return files


def import_statements(tree: ast.Module, in_functions: bool) -> list[ast.Import | ast.ImportFrom]:
    """The import statements that run when the module is imported (and, with ``in_functions``,
    when its functions run)."""
    found = []

    def visit(statements) -> None:
        for statement in statements:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                found.append(statement)
            elif isinstance(statement, ast.If) and "TYPE_CHECKING" in ast.unparse(statement.test):
                visit(statement.orelse)
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if in_functions:
                    visit(statement.body)
            elif isinstance(statement, ast.ClassDef):
                visit(statement.body)
            else:
                for name in ("body", "orelse", "finalbody"):
                    visit(getattr(statement, name, None) or [])
                for handler in getattr(statement, "handlers", None) or []:
                    visit(handler.body)

    visit(tree.body)
    return found


def module_graph(in_functions: bool) -> dict[str, set[str]]:
    files = module_files()

    def known(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        edges: set[str] = set()
        for statement in import_statements(ast.parse(path.read_text(encoding="utf-8")), in_functions):
            if isinstance(statement, ast.Import):
                names = [alias.name for alias in statement.names]
            else:
                base = statement.module or ""
                if statement.level:
                    parts = package.split(".")[: len(package.split(".")) - (statement.level - 1)]
                    base = ".".join(parts + ([base] if base else []))
                names = [base] + [f"{base}.{alias.name}" for alias in statement.names]
            for name in names:
                target = known(name) if name.split(".")[0] == "translate" else None
                while target and target != "translate":
                    if target != module and not module.startswith(target + "."):
                        edges.add(target)  # its parent packages run first
                    target = target.rpartition(".")[0]
        graph[module] = edges
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_graph_sees_every_module_and_its_imports():
    graph = module_graph(in_functions=True)
    assert {"translate.cli", "translate.commands.options", "translate.devices", "translate.batch.engines.ray.pool"} <= set(graph)
    assert "translate.devices" in graph["translate.backends"]
    assert "translate.settings" in graph["translate.devices"]
    assert "translate.backends" in graph["translate.batch.engines.ray.actor"]  # from translate.backends.base: the parent runs too
    # the detector itself: a planted circle is found
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circle_at_module_level():
    found = circles(module_graph(in_functions=False))
    assert found == [], f"import circles: {found}. Move the shared piece into a module both sides import."


def test_no_import_circle_through_function_level_imports():
    found = circles(module_graph(in_functions=True))
    assert found == [], f"import circles (counting imports inside functions): {found}. Move the shared piece into a module both sides import."


def test_every_module_imports_in_a_fresh_interpreter():
    modules = sorted(name for name in module_files() if not name.endswith("__main__"))  # that one runs the CLI
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, "-c", code, *modules], capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
