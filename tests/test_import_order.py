"""The domains import in one direction (README, "Code map"): a package imports only those below it, so no
two packages need each other. Imports made for type checking only are names, not dependencies."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "learnhub"

# Lowest first. A domain may import the shared modules and the domains before it in this list.
DOMAINS = ["audit", "people", "auth", "curriculum", "evaluations", "courses", "mentoring", "certification",
           "privacy", "reports", "main"]
# Put the app together from every domain, so above all of them.
ASSEMBLY = {"__init__", "models", "cli", "demo"}


def _unit(module: str) -> str:
    """`learnhub.courses.services` -> 'courses'; `learnhub.i18n` -> 'i18n'."""
    return module.split(".")[1] if "." in module else "__init__"


def _runtime_imports(tree: ast.AST) -> list[tuple[str, int]]:
    """(module, line) of every learnhub import outside `if TYPE_CHECKING:` blocks."""
    found = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            return
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("learnhub"):
            names = [f"learnhub.{a.name}" for a in node.names] if node.module == "learnhub" else [node.module]
            found.extend((name, node.lineno) for name in names)
        elif isinstance(node, ast.Import):
            found.extend((a.name, node.lineno) for a in node.names if a.name.startswith("learnhub."))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _rank(unit: str) -> int:
    """Shared modules (extensions, errors, i18n, mail …) rank below every domain."""
    if unit in ASSEMBLY:
        return len(DOMAINS) + 1
    return DOMAINS.index(unit) + 1 if unit in DOMAINS else 0


def _violations() -> list[str]:
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        unit = _unit(".".join(relative.parts))
        for module, line in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            target = _unit(module)
            same_layer = _rank(unit) == _rank(target) and unit not in DOMAINS  # shared or assembly modules
            if target != unit and _rank(target) >= _rank(unit) and not same_layer:
                violations.append(f"{relative}.py:{line} ({unit}) imports {module} ({target})")
    return violations


def test_every_package_is_placed_in_the_order():
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    shared = packages - set(DOMAINS)
    assert shared == {"mail"}, "a new package needs its place in DOMAINS (or is shared, like mail)"


def test_domains_import_only_those_below_them():
    assert _violations() == []


@pytest.mark.parametrize("source, expected", [
    ("from learnhub.courses import services", ["learnhub.courses"]),
    ("import learnhub.models", ["learnhub.models"]),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from learnhub.people.models import User", []),
    ("def f():\n    from learnhub.mentoring.services import book\n", ["learnhub.mentoring.services"]),
])
def test_the_check_sees_imports_inside_functions_but_not_type_checking_ones(source, expected):
    assert [module for module, _ in _runtime_imports(ast.parse(source))] == expected
