"""One source of names: every catalogue metric is emitted by the runtime, and only the catalogue spells one."""

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
