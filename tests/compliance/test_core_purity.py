"""The core is plain Python: it imports and runs with nothing installed, and
loads nothing of ours (nor Django, nor Celery) on the way."""

from __future__ import annotations

import ast
import os
import pathlib
import subprocess
import sys

CORE = pathlib.Path(__file__).resolve().parents[2] / "compliance" / "core"
ROOT = CORE.parents[1]
PACKAGE = CORE.parent

# ``-S``: no site-packages, so Django, Celery and our editable install are not
# importable at all; the repository root is the only place ``compliance`` can
# come from. Every module under compliance.core is imported (a module no
# general rule uses is still checked), one evaluation runs, and nothing of the
# layers above the core may be in ``sys.modules`` afterwards.
_SCRIPT = r"""
import importlib, os, pkgutil, sys
sys.path.insert(0, {root!r})
import compliance.core
assert compliance.core.__file__.startswith({root!r}), compliance.core.__file__
names = ["compliance.core"] + [
    info.name for info in pkgutil.walk_packages(compliance.core.__path__, "compliance.core.")
]
for name in names:
    importlib.import_module(name)
from datetime import datetime, timezone
from compliance.core import Drug, Facts, PharmacyFacts, Stage, evaluate
facts = Facts(stage=Stage.CHECKOUT, moment=datetime(2026, 3, 5, 17, 0, tzinfo=timezone.utc),
              drug=Drug(name="Isotretinoin", strength="20 mg", dosage_form="capsule", programme="ipledge"),
              pharmacy=PharmacyFacts(), ship_to_state="NY")
found = {{f.rule_id for f in evaluate(facts)}}
assert "online.prescription-required" in found, found
above = ("shop", "prescriptions", "payments", "infra", "celery", "kombu", "django", "oscar", "stripe")
loaded = sorted(m for m in sys.modules if m.split(".")[0] in above)
assert not loaded, loaded
assert "DJANGO_SETTINGS_MODULE" not in os.environ, "importing the core set DJANGO_SETTINGS_MODULE"
print(len(names), "modules")
"""


def test_the_core_imports_and_evaluates_with_no_site_packages_and_loads_nothing_above_it():
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    result = subprocess.run(
        [sys.executable, "-S", "-c", _SCRIPT.format(root=str(ROOT))],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("modules")
    assert int(result.stdout.split()[0]) == 1 + sum(
        1 for path in CORE.rglob("*.py") if path.name != "__init__.py"
    ) + sum(1 for path in CORE.rglob("__init__.py") if path.parent != CORE)


def test_no_module_of_the_core_mentions_django_or_reads_the_clock():
    forbidden = ("import django", "from django", "datetime.now", "date.today", "time.time(", "timezone.now")
    offenders = [
        f"{path.relative_to(CORE)}: {word}"
        for path in CORE.rglob("*.py")
        for word in forbidden
        if word in path.read_text()
    ]
    assert offenders == []


# --- Imports flow one way (STYLE.md §8) --------------------------------------------------------


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(name: str, source: str, modules: set[str], *, is_package: bool = False) -> set[str]:
    """Every module of ``modules`` that module ``name`` imports, wherever the
    import stands: at the top, inside a function, or under ``TYPE_CHECKING``
    (a lazy or type-only import hides a cycle, it does not remove it)."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - (node.level - 1)] + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        found.update(target for target in targets if target in modules and target != name)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_two_modules_of_compliance_import_each_other():
    paths = [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]
    modules = {_module_name(p) for p in paths}
    graph = {
        _module_name(p): _imports(_module_name(p), p.read_text(), modules, is_package=p.name == "__init__.py")
        for p in paths
    }
    assert _cycles(graph) == []


def test_the_cycle_finder_sees_an_import_under_type_checking_and_inside_a_function():
    modules = {"compliance.core.context", "compliance.core.facts", "compliance.core.programmes.registry"}
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ..context import Rule\n"
        "def f():\n    from compliance.core import facts\n"
    )
    assert _imports("compliance.core.programmes.registry", source, modules) == {
        "compliance.core.context",
        "compliance.core.facts",
    }
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
