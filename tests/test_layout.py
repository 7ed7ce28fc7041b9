"""The suite's layout: shared helpers live in support modules, never in test modules or conftests.

A test module imported by another runs its tests' module-level code twice over
and ties the two together; a conftest is pytest's to load, once, by path. So
plain functions and constants shared by several modules go to support modules
(tests/support.py, tests/servers.py, tests/keys/vectors.py, ...), and fixtures
stay in conftest.py, reached by name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
WALKED = ("tests", "bench")


def _is_test_module(dotted: str) -> bool:
    last = dotted.rpartition(".")[2]
    return last.startswith("test_") or last == "conftest"


def _is_module(dotted: str) -> bool:
    path = REPOSITORY.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _absolute(node: ast.ImportFrom, package: str) -> str:
    """The module a `from ... import` names, relative imports resolved against `package`."""
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imported_test_modules(source: str, *, package: str) -> list[tuple[int, str]]:
    """(line, module) for each import, anywhere in `source`, of a test module or a conftest."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if _is_test_module(a.name)]
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, package)
            if _is_test_module(module):
                found.append((node.lineno, module))
                continue
            for alias in node.names:
                dotted = f"{module}.{alias.name}"
                if _is_test_module(dotted) and _is_module(dotted):
                    found.append((node.lineno, dotted))
    return found


def _modules() -> list[Path]:
    return sorted(
        path
        for top in WALKED
        for path in (REPOSITORY / top).rglob("*.py")
        if not any(part.startswith(".") for part in path.relative_to(REPOSITORY).parts)
    )


def test_no_module_imports_a_test_module_or_a_conftest() -> None:
    modules = _modules()
    assert REPOSITORY / "tests" / "support.py" in modules
    offences = [
        f"{path.relative_to(REPOSITORY)}:{line} imports {module}"
        for path in modules
        for line, module in imported_test_modules(
            path.read_text(), package=".".join(path.relative_to(REPOSITORY).parent.parts)
        )
    ]
    assert offences == [], "\n".join(offences)


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("from tests.keys.test_header import assert_fails", "tests.keys.test_header"),
        ("import tests.keys.test_header", "tests.keys.test_header"),
        ("from tests.keys import test_header", "tests.keys.test_header"),
        ("from tests.intake.conftest import prepare_data_dir", "tests.intake.conftest"),
        ("from .conftest import csrf_token", "tests.intake.conftest"),
        ("from . import test_submit", "tests.intake.test_submit"),
        ("from ..review.conftest import Reviewer", "tests.review.conftest"),
        ("def helper():\n    from tests.intake.test_submit import X\n", "tests.intake.test_submit"),
    ],
)
def test_the_check_sees_every_spelling_of_such_an_import(source: str, module: str) -> None:
    assert [found for _, found in imported_test_modules(source, package="tests.intake")] == [module]


@pytest.mark.parametrize(
    "source",
    [
        "from tests.keys.vectors import load",
        "from tests.intake import multipart",
        "from .served import serve",
        "import tests.support",
        "from tests.review.forms import csrf_token",
    ],
)
def test_support_modules_may_be_imported(source: str) -> None:
    assert imported_test_modules(source, package="tests.intake") == []
