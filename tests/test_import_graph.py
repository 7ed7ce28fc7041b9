"""The shape of the code: who may import whom (docs/architecture.md).

intake/ and review/ meet only through files; contracts/ is what both read the
same way and depends on nothing; keys/ depends on no other Haven package. A
cycle between modules is a sign that a concept has two homes.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("haven", "keys", "contracts", "intake", "review")
# Who may import whom, besides itself and the standard library.
ALLOWED = {
    "keys": set(),
    "contracts": set(),
    "intake": {"keys", "contracts"},
    "review": {"keys", "contracts"},
    "haven": {"keys", "intake", "review"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, ast.Module]:
    return {
        _module_name(path): ast.parse(path.read_text(encoding="utf-8"))
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    }


def _imports(tree: ast.Module, module: str, *, top_level_only: bool) -> Iterator[str]:
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    is_package = (ROOT / module.replace(".", "/") / "__init__.py").exists()
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            yield name
            # `from review.workspace import audit` imports the module review.workspace.audit.
            yield from (f"{name}.{alias.name}" for alias in node.names)


MODULES = _modules()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_what_its_package_may(module: str) -> None:
    package = module.split(".")[0]
    for name in _imports(MODULES[module], module, top_level_only=False):
        top = name.split(".")[0]
        if top in PACKAGES and top != package:
            assert top in ALLOWED[package], f"{module} imports {name}"
        if package == "contracts" and top not in PACKAGES:
            assert top in sys.stdlib_module_names or top == "__future__", (
                f"contracts must depend on the standard library only; {module} imports {name}")


def test_there_are_no_import_cycles() -> None:
    graph = {
        module: {name for name in _imports(tree, module, top_level_only=True) if name in MODULES
                 and name != module}
        for module, tree in MODULES.items()
    }
    # A module importing its own package's __init__ is not a cycle worth naming.
    for module, edges in graph.items():
        edges -= {p for p in edges if module.startswith(p + ".")}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        if module in done:
            return
        assert module not in visiting, "import cycle: " + " -> ".join(
            [*visiting[visiting.index(module):], module])
        visiting.append(module)
        for target in sorted(graph[module]):
            visit(target)
        visiting.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)


def test_the_operators_intake_commands_run_without_the_web_app() -> None:
    """`haven intake pickup` runs every few minutes beside the server: importing the
    intake package must not import Flask, WTForms or Babel, nor Alembic or rich, which only
    migrations and a terminal need (most of its CPU was these imports)."""
    code = (
        "import sys; from haven.cli import main; import intake.cli, intake.pickup;"
        "print(' '.join(m for m in ('flask', 'wtforms', 'flask_babel', 'jinja2', 'alembic', 'rich')"
        " if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


# What `haven intake pickup` must not load: the web app and its werkzeug, migrations,
# the terminal's progress bar, the ORM (intake's tables are Core), the receipt code's
# Argon2 and ML-KEM (pickup signs; it derives and encrypts nothing), and review.
_NOT_FOR_PICKUP = (
    "flask", "werkzeug", "wtforms", "flask_babel", "jinja2", "gunicorn", "alembic", "rich",
    "sqlalchemy.orm", "keys.receipt", "keys.hybrid", "argon2", "review",
)  # fmt: skip


def test_a_pickup_loads_only_what_it_uses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two pickups run every few seconds beside the server under load (bench/load_harness.py);
    most of their CPU was start-up, and most of that imports they never used."""
    import keys
    from tests.intake.datadir import prepare_data_dir

    monkeypatch.delenv("HAVEN_DATABASE_URL", raising=False)
    recipient = str(keys.X25519Identity.generate().recipient())
    data_dir = prepare_data_dir(tmp_path / "data", [recipient])
    (data_dir / "recipients.txt").chmod(0o600)
    code = (
        "import sys\n"
        "from haven.entry import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "finally:\n"
        "    print(' '.join(sys.modules), file=sys.stderr)\n"
    )
    out = tmp_path / "bundle.tar"
    result = subprocess.run(
        [sys.executable, "-c", code, "intake", "pickup", "--data-dir", str(data_dir),
         "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Nothing new to pick up" in result.stdout
    loaded = result.stderr.split()
    unwanted = [name for name in loaded
                if any(name == top or name.startswith(top + ".") for top in _NOT_FOR_PICKUP)]
    assert sorted(unwanted) == []
