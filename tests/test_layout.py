"""The package keeps the shape docs/architecture.md describes.

Each module is small enough to read (at most 600 lines, no function over 80), states its
public names in ``__all__``, and uses other modules only through those names: no
``from yibao.x import _private``, no ``module._private`` of another module, and no module
finds files relative to its own path (an installed package has no checkout around it).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "python" / "yibao"
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80


def _name(p: Path) -> str:
    return str(p.relative_to(PACKAGE.parent))


def _tree(p: Path) -> ast.Module:
    return ast.parse(p.read_text(encoding="utf-8"), filename=str(p))


def _module_name(p: Path) -> str:
    parts = list(p.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_the_package_has_modules() -> None:
    assert len(MODULES) > 30 and (PACKAGE / "py.typed").exists()


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_module_size(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_FILE_LINES, f"{_name(path)} has {lines} lines"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"  # type: ignore[operator]
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES  # type: ignore[operator]
    ]
    assert not long, f"{_name(path)}: functions over {MAX_FUNCTION_LINES} lines: {long}"


@pytest.mark.parametrize("path", [p for p in MODULES if p.name != "__main__.py"], ids=_name)
def test_module_declares_its_public_names(path: Path) -> None:
    tree = _tree(path)
    if not any(isinstance(n, ast.ClassDef | ast.FunctionDef) or isinstance(n, ast.ImportFrom)
               for n in tree.body):
        pytest.skip("nothing to export")
    assigned = [t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
                if isinstance(t, ast.Name)]
    assert "__all__" in assigned, f"{_name(path)} has no __all__"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_private_names_of_other_modules(path: Path) -> None:
    me = _module_name(path)
    imported_modules: dict[str, str] = {}
    problems = []
    tree = _tree(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("yibao"):
            for alias in node.names:
                if alias.name.startswith("_") and node.module != me:
                    problems.append(f"from {node.module} import {alias.name}")
                else:
                    imported_modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("yibao"):
                    imported_modules[alias.asname or alias.name.split(".")[0]] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name) and node.value.id in imported_modules):
            problems.append(f"{node.value.id}.{node.attr}")
    assert not problems, f"{_name(path)} uses private names of other modules: {problems}"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_module_finds_the_checkout_from_its_own_path(path: Path) -> None:
    """Paths from ``__file__`` stay inside the package (its shipped artifacts), never above it."""
    depth = len(path.relative_to(PACKAGE).parts) - 1  # folders between the module and the package
    for node in ast.walk(_tree(path)):
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
                and node.value.attr == "parents" and isinstance(node.slice, ast.Constant)):
            assert int(node.slice.value) <= depth, (
                f"{_name(path)}:{node.lineno} climbs above the package (parents[{node.slice.value}])")
