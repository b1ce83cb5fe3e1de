"""Every third-party module the installed packages import is declared in pyproject.toml.

A module imported only inside ``try: … except ImportError`` (moto for the local S3) may be declared
in an optional group; any other import must be in ``[project] dependencies``.

An undeclared import works here only because something else pulled it in; a fresh install, or
the Lambda artifact built from the declaration, would fail on it at run time.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions, requires
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SHIPPED = sorted(pattern.rstrip("*") for pattern in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"])


def _with_extras(specs: list[str]) -> set[str]:
    """Distribution names the specs declare, including what their extras bring (``pyjwt[crypto]``)."""
    names = set()
    for spec in specs:
        requirement = Requirement(spec)
        if requirement.name == PYPROJECT["project"]["name"]:  # the base install names our own groups
            names |= _with_extras([dependency for group in sorted(requirement.extras)
                                   for dependency in PYPROJECT["project"]["optional-dependencies"][group]])
            continue
        names.add(canonicalize_name(requirement.name))
        for extra in requirement.extras:
            for dependency in map(Requirement, requires(requirement.name) or []):
                if dependency.marker and dependency.marker.evaluate({"extra": extra}):
                    names.add(canonicalize_name(dependency.name))
    return names


REQUIRED = _with_extras(PYPROJECT["project"]["dependencies"])
OPTIONAL = REQUIRED | _with_extras([spec for group in PYPROJECT["project"]["optional-dependencies"].values()
                                    for spec in group])


def _guards_import_error(node: ast.Try) -> bool:
    caught = [handler.type for handler in node.handlers]
    names = {ast.unparse(kind) for kind in caught if kind is not None}
    return bool(names & {"ImportError", "ModuleNotFoundError", "(ImportError, ModuleNotFoundError)"})


class _Imports(ast.NodeVisitor):
    """Top-level modules imported, each marked optional when only imported inside ``try: … except ImportError``."""

    def __init__(self) -> None:
        self.optional = 0
        self.found: dict[str, bool] = {}

    def visit_Try(self, node: ast.Try) -> None:
        guarded = _guards_import_error(node)
        self.optional += guarded
        for statement in node.body:
            self.visit(statement)
        self.optional -= guarded
        for other in (*node.handlers, *node.orelse, *node.finalbody):
            self.visit(other)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0 and node.module:
            self._add(node.module)

    def _add(self, module: str) -> None:
        top_level = module.partition(".")[0]
        self.found[top_level] = self.found.get(top_level, True) and bool(self.optional)


def _imported_top_levels() -> dict[str, tuple[str, bool]]:
    """Top-level module -> (one file importing it, whether every import of it is optional)."""
    found: dict[str, tuple[str, bool]] = {}
    for package in SHIPPED:
        for path in sorted((ROOT / package).rglob("*.py")):
            imports = _Imports()
            imports.visit(ast.parse(path.read_text(), str(path)))
            for top_level, optional in imports.found.items():
                where, all_optional = found.get(top_level, (str(path.relative_to(ROOT)), True))
                if all_optional and not optional:  # name the file that needs it unconditionally
                    where = str(path.relative_to(ROOT))
                found[top_level] = (where, all_optional and optional)
    return found


def test_the_shipped_packages_are_the_ones_setuptools_installs():
    assert {"runtime", "guards", "api", "cli", "devstack"} <= set(SHIPPED)


def test_every_third_party_import_of_the_shipped_packages_is_a_declared_dependency():
    providers = packages_distributions()
    undeclared = {}
    for top_level, (where, optional) in _imported_top_levels().items():
        if top_level in sys.stdlib_module_names or top_level in SHIPPED or top_level == "__future__":
            continue
        distributions = {canonicalize_name(name) for name in providers.get(top_level, [])}
        assert distributions, f"{top_level} (imported by {where}) is provided by no installed distribution"
        if not distributions & (OPTIONAL if optional else REQUIRED):
            undeclared[top_level] = (where, sorted(distributions))
    assert not undeclared, f"imported but not declared (optional imports may be in an extra): {undeclared}"
