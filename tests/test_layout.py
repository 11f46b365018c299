"""The layout's rules, read from the source (issue 16): pure modules import no AWS library, no
module imports in a cycle, and no module or class outgrows what one reader holds in mind."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "eks_sg_rule"
# Modules that decide (verdicts, plans, topology): testable without AWS, importable anywhere.
PURE = (
    "apis",
    "arns",
    "assembly",
    "checks",
    "checks2026",
    "crossing",
    "evaluate",
    "interfaces",
    "ip",
    "model",
    "nacl",
    "names",
    "network",
    "paths",
    "plan",
    "plan_paths",
    "requirement_types",
    "requirements",
    "requirements2026",
    "results",
    "routes",
    "settings",
    "severity",
    "sides",
    "vpc",
)
FORBIDDEN = ("boto3", "botocore", "aws_lambda_powertools", "rdklib", "eks_sg_rule.aws")
MAX_MODULE_LINES = 420
MAX_CLASS_LINES = 210


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """The absolute names a module imports (relative imports resolved against the package)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            stem = (
                f"{base}.{node.module}" if node.level and node.module else (base if node.level else node.module or "")
            )
            found.add(stem)
            found.update(f"{stem}.{alias.name}" for alias in node.names if f"{stem}.{alias.name}" in MODULES)
    return found


@pytest.mark.parametrize("name", PURE)
def test_a_pure_module_imports_no_aws_library(name: str) -> None:
    assert f"eks_sg_rule.{name}" in MODULES, f"{name} is missing"
    bad = sorted(
        i for i in imports_of(f"eks_sg_rule.{name}") if i.split(".")[0] in FORBIDDEN or i.startswith(FORBIDDEN)
    )
    assert bad == [], f"{name} imports {bad}"


def test_no_import_cycle() -> None:
    graph = {name: {i for i in imports_of(name) if i in MODULES and i != name} for name in MODULES}
    # Importing a subpackage's module runs the package's __init__: not an edge of its own.
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for nxt in sorted(graph[name]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_and_classes_stay_small(name: str) -> None:
    source = MODULES[name].read_text()
    assert len(source.splitlines()) <= MAX_MODULE_LINES, f"{name}: {len(source.splitlines())} lines"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            assert length <= MAX_CLASS_LINES, f"{name}.{node.name}: {length} lines"
