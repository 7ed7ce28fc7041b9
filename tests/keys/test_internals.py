"""keys/ keeps its wire format to itself: only its own tests reach past its public API.

Code outside keys/ that parsed headers or armor itself would be a second age
parser, with its own idea of what a valid file is; every caller goes through
what keys/__init__.py exports (and the keys.signing, keys.receipt and keys.cli
modules, which are public in their own right).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

INTERNAL = frozenset({"keys.header", "keys.armor", "keys.stream", "keys.primitives"})
ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = ["intake", "review", "haven", "bench", "tests"]
# keys/ itself and its own tests are where the internals are built and checked.
INSIDE = [ROOT / "keys", ROOT / "tests" / "keys"]


def _sources() -> list[Path]:
    found = []
    for folder in OUTSIDE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            hidden = any(part.startswith(".") for part in path.relative_to(ROOT).parts)
            if not hidden and not any(path.is_relative_to(inside) for inside in INSIDE):
                found.append(path)
    return found


def _reached(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every keys submodule `tree` imports or reaches as an attribute of `keys`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            # `import keys` then `keys.header.parse_header(...)`.
            yield node.lineno, f"{node.value.id}.{node.attr}"


def _violations(source: str) -> list[str]:
    return [
        f"line {line}: {name}"
        for line, name in _reached(ast.parse(source))
        if any(name == module or name.startswith(module + ".") for module in INTERNAL)
    ]


def test_nothing_outside_keys_imports_its_internals() -> None:
    sources = _sources()
    assert len(sources) > 50, "the walk found too few files to mean anything"
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in sources
        if (found := _violations(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


@pytest.mark.parametrize(
    "source",
    [
        "import keys.header",
        "import keys.armor as armor",
        "from keys.stream import CHUNK_SIZE",
        "from keys import primitives",
        "import keys\nkeys.header.parse_header(src)",
        "def f():\n    from keys.armor import ArmorReader",
    ],
)
def test_each_way_of_reaching_an_internal_is_caught(source: str) -> None:
    assert _violations(source)


@pytest.mark.parametrize(
    "source",
    [
        "import keys",
        "from keys import decrypt, read_scrypt_parameters",
        "from keys.signing import SigningKey",
        "from keys.receipt import derive_receipt_keys",
        "import keys\nkeys.ScryptIdentity('x')",
        "from . import header",
    ],
)
def test_the_public_api_passes(source: str) -> None:
    assert not _violations(source)
