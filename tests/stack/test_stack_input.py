"""The stack is synthesized from the table it is given: it never reads the API's table itself."""

from __future__ import annotations

import ast
from pathlib import Path

import stack
from api.functions import FUNCTIONS_BY_NAME
from stack import frontend_config
from stack.template import synthesize


def test_stack_modules_never_import_the_api_package() -> None:
    offenders = []
    for path in Path(stack.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {name}" for name in names if name == "api" or name.startswith("api.")]
    assert offenders == []


def test_a_table_with_one_function_gives_one_function_and_its_routes() -> None:
    template = synthesize([FUNCTIONS_BY_NAME["health"]], "test-release")
    resources = template["Resources"]
    functions = [
        r for logical_id, r in resources.items()
        if r["Type"] == "AWS::Lambda::Function"
        and logical_id not in ("RollbackFunction", frontend_config.WRITER)  # the stack's own, not the API
    ]
    routes = [r["Properties"]["RouteKey"] for r in resources.values() if r["Type"] == "AWS::ApiGatewayV2::Route"]
    assert len(functions) == 1 and routes == ["GET /health", "GET /debug/config"]
