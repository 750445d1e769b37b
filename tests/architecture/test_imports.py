"""The structure, enforced: imports flow one way and no two modules import each other.

``lint-imports`` (import-linter, contracts in pyproject.toml) checks the layers
shop → prescriptions → {payments | compliance} → infra, and that ``compliance.core``
imports nothing but the standard library. This test runs those contracts from pytest
(so ``make test`` and CI fail on a broken one) and adds what import-linter does not
check: no import cycle between any two modules of the project, including imports
hidden inside functions (a lazy import hides a cycle, it does not remove it).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("shop", "prescriptions", "compliance", "payments", "infra")


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; returns the components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return components


def _module_graph() -> dict[str, set[str]]:
    built = grimp.build_graph(*PACKAGES)
    return {module: set(built.find_modules_directly_imported_by(module)) for module in built.modules}


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _strongly_connected(graph) == [["a", "b", "c"]]


def test_no_import_cycles_between_modules_of_the_project():
    graph = _module_graph()
    # A package's __init__ that re-exports its submodules is not a cycle of behaviour:
    # ``pkg`` → ``pkg.mod`` (re-export) and ``pkg.mod`` → ``pkg.other`` resolve through the
    # package. Only imports of a package __init__ *from inside that package* are ignored.
    for module, imported in graph.items():
        graph[module] = {other for other in imported if not (module.startswith(other + ".") and other in graph)}
    cycles = _strongly_connected(graph)
    assert not cycles, "Import cycles (break each one; a lazy import does not count as broken):\n" + "\n".join(
        " ↔ ".join(cycle) for cycle in cycles
    )


def test_import_contracts_hold():
    command = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    result = subprocess.run(
        [sys.executable, "-c", command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "KEPT" in result.stdout
