"""Leave resource types out of a template, with everything that refers to them.

For one purpose: deploying the stack to an endpoint that cannot model every type — moto's
CloudFormation, in tests/stack/test_deploy_stack.py. moto rejects or silently skips these types
(and a ``Ref``/``Fn::GetAtt`` on a skipped one fails the whole create). What is dropped stays
covered elsewhere: the template by cfn-lint (tests/stack/test_template.py), alarms and composites by
the offline evaluator (``brickguard alarms test``), the HTTP API by the local gateway.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any

# Types moto 5 cannot model in CloudFormation; docs/deploy.md lists them with what covers them.
MOTO_UNMODELLED = (
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Authorizer",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Stage",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::CompositeAlarm",
    "AWS::Lambda::Alias",
    "AWS::SNS::Subscription",
    "AWS::SNS::TopicPolicy",
)

_SUB_NAME = re.compile(r"\$\{([^}!][^}]*)\}")


def references(node: Any) -> set[str]:
    """Logical ids (and parameters) that ``node`` refers to through Ref, GetAtt or Sub."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= references(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref":
                found.add(str(value))
            elif key == "Fn::GetAtt":
                found.add(str(value[0] if isinstance(value, list) else str(value).split(".")[0]))
            elif key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else (value[0], value[1])
                found |= {name.split(".")[0] for name in _SUB_NAME.findall(text) if name not in variables}
                found |= references(variables)
            else:
                found |= references(value)
    return found


def _depends_on(resource: dict[str, Any]) -> set[str]:
    value = resource.get("DependsOn", [])
    return {value} if isinstance(value, str) else set(value)


def without_types(template: dict[str, Any], types: Iterable[str]) -> tuple[dict[str, Any], list[str]]:
    """A copy of ``template`` without resources of ``types`` and, transitively, without every
    resource and output that refers to a dropped one; also the sorted dropped logical ids."""
    result = copy.deepcopy(template)
    resources: dict[str, Any] = result["Resources"]
    dropped = {name for name, resource in resources.items() if resource["Type"] in set(types)}
    while True:
        more = {name for name, resource in resources.items()
                if name not in dropped and (references(resource) | _depends_on(resource)) & dropped}
        if not more:
            break
        dropped |= more
    for name in dropped:
        del resources[name]
    result["Outputs"] = {name: output for name, output in result.get("Outputs", {}).items()
                         if not references(output) & dropped}
    return result, sorted(dropped)
