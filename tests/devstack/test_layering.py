"""Nothing that ships to Lambda imports the local AWS; the local AWS never imports the API."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("api", "guards", "runtime")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules(package: str) -> list[Path]:
    return list((ROOT / package).rglob("*.py"))


def test_no_shipped_module_imports_devstack():
    offenders = [
        str(path.relative_to(ROOT))
        for package in SHIPPED
        for path in _modules(package)
        if any(name == "devstack" or name.startswith("devstack.") for name in _imports(path))
    ]
    assert offenders == []


def test_devstack_is_handed_the_function_table_and_never_imports_the_api():
    offenders = [
        str(path.relative_to(ROOT))
        for path in _modules("devstack")
        if any(name == "api" or name.startswith("api.") for name in _imports(path))
    ]
    assert offenders == []
    assert _modules("devstack")  # the walk saw the package
