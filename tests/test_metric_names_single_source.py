"""One source of names: every catalogue metric is emitted by the runtime, and only the catalogue spells one;
the backends, the dependencies, the functions' environment and the S3 prefixes each have one home too."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from runtime.telemetry import catalogue

ROOT = Path(__file__).resolve().parents[1]
EMITTERS = ("runtime", "guards", "api")


def _constants() -> dict[str, catalogue.MetricSpec]:
    return {name: value for name, value in vars(catalogue).items() if isinstance(value, catalogue.MetricSpec)}


def _sources(*folders: str) -> dict[Path, str]:
    return {
        path: path.read_text()
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "catalogue.py"
    }


def test_every_catalogue_metric_is_recorded_by_the_runtime():
    code = "\n".join(_sources(*EMITTERS).values())
    never = [
        spec.name for constant, spec in _constants().items()
        if not re.search(rf"catalogue\.{constant}\b", code)
    ]
    assert never == [], f"catalogue metrics no emitter records: {never}"


def _string_literals(text: str) -> set[str]:
    """String constants in code, docstrings excluded."""
    tree = ast.parse(text)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    }


def test_no_module_spells_a_catalogue_metric_name():
    """AWS's own metric names (``AWS/ApiGateway`` ``Latency``…) live in aws_metrics.py and are not ours."""
    names = {spec.name for spec in catalogue.CATALOGUE}
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path, text in _sources(*EMITTERS, "dashboards", "alarms", "stack").items()
        if path.name != "aws_metrics.py"
        for name in sorted(names & _string_literals(text))
    ]
    assert offenders == []


# Shared words, each spelled in one home module (docs/architecture.md, "Words spelled once").
PRODUCT = ("runtime", "guards", "api", "dashboards", "alarms", "stack", "rollout", "devstack", "cli")
CATALOGUE = Path("runtime/telemetry/catalogue.py")
ENVIRONMENT = Path("stack/function_environment.py")
ENVIRONMENT_READERS = (Path("runtime/config.py"), Path("guards/db_credentials.py"))
"""Inside the function, below ``stack``: they read the variables by name and cannot import the contract."""
OBJECT_KEYS = Path("api/object_keys.py")
WORD_GROUPS = {"backends": frozenset(catalogue.BACKENDS), "dependencies": frozenset(catalogue.DEPENDENCIES)}
OTHER_MEANINGS = {Path("devstack/chaos/proxies.py"): "URL schemes and their default ports (postgres://, redis://)"}


def _product_sources() -> dict[Path, str]:
    return {path.relative_to(ROOT): path.read_text() for folder in PRODUCT for path in (ROOT / folder).rglob("*.py")}


def _literal_type_nodes(tree: ast.AST) -> set[int]:
    """Nodes inside ``Literal[...]``: a type the checker needs spelled out (``catalogue.Backend`` is the
    backends' own)."""
    return {
        id(inner) for node in ast.walk(tree)
        if isinstance(node, ast.Subscript)
        and "Literal" in (getattr(node.value, "id", None), getattr(node.value, "attr", None))
        for inner in ast.walk(node.slice)
    }


def _enumerations(text: str) -> list[tuple[int, set[str]]]:
    """The strings of every tuple, list and set display and of every dict display's keys, with their line."""
    tree = ast.parse(text)
    typed = _literal_type_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in typed:
            continue
        if isinstance(node, ast.Dict):
            elements = [key for key in node.keys if key is not None]
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            elements = node.elts
        else:
            continue
        strings = {e.value for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str)}
        found.append((node.lineno, strings))
    return found


def test_no_module_re_spells_the_backends_or_the_dependencies():
    """Two or more backend (or dependency, i.e. breaker) names in one tuple, list, set or dict re-spell the
    catalogue's enumeration and go stale with it. One name alone is a value (``backend="express"``), and
    often another word (``boto3.client("s3")``, a ``postgres://`` scheme)."""
    offenders = [
        f"{path}:{line}: {group} {sorted(words & strings)}"
        for path, text in _product_sources().items()
        if path != CATALOGUE and path not in OTHER_MEANINGS
        for line, strings in _enumerations(text)
        for group, words in WORD_GROUPS.items()
        if len(words & strings) >= 2
    ]
    assert offenders == []


def _environment_names() -> set[str]:
    from stack import function_environment

    return set(function_environment.NAMES)


def test_the_functions_environment_is_named_only_by_its_contract_and_its_readers():
    names = _environment_names()
    offenders = [
        f"{path}: {name}"
        for path, text in _product_sources().items()
        if path != ENVIRONMENT and path not in ENVIRONMENT_READERS
        for name in sorted(names & _string_literals(text))
    ]
    assert offenders == []


def test_every_variable_the_contract_sets_is_read_inside_the_function():
    read = set().union(*(_string_literals((ROOT / reader).read_text()) for reader in ENVIRONMENT_READERS))
    assert sorted(_environment_names() - read) == []


def test_s3_prefixes_are_spelled_only_by_the_object_keys():
    """``images/``, ``mocs/``…: what the keys are written under, what the stack grants and the local S3 serves."""
    from api import object_keys

    prefixes = {value for name, value in vars(object_keys).items() if name.endswith("_PREFIX")}
    assert prefixes == {"images/", "wishlist/", "avatars/", "mocs/", "uploads/"}  # DESIGN.md's layout
    offenders = [
        f"{path}: {prefix}"
        for path, text in _product_sources().items()
        if path != OBJECT_KEYS
        for literal in _string_literals(text)
        for prefix in prefixes
        if literal.startswith(prefix)
    ]
    assert offenders == []
