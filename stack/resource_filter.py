"""Leave resource types out of a template, with everything that refers to them.

For one purpose: deploying the stack to an endpoint that cannot model every type — moto's
CloudFormation, in tests/stack/test_deploy_stack.py. moto rejects or silently skips these types
(and a ``Ref``/``Fn::GetAtt`` on a skipped one fails the whole create). What is dropped stays
covered elsewhere: the template by cfn-lint (tests/stack/test_template.py), alarms and composites by
the offline evaluator (``brickguard alarms test``), the HTTP API by the local gateway.

A few attributes of a dropped resource are worth keeping their referrer for: the serverless weighted
record names the custom domain's ``RegionalDomainName``, and without the record ``brickguard rollout``
has nothing to act on. ``stand_ins`` gives such an attribute a literal value (an ``.invalid`` host
that no resolver answers), so the referrer is deployed with it instead of being dropped.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

# Types moto 5 cannot model in CloudFormation; docs/deploy.md lists them with what covers them.
MOTO_UNMODELLED = (
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::ApiMapping",
    "AWS::ApiGatewayV2::Authorizer",
    "AWS::ApiGatewayV2::DomainName",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Stage",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::CompositeAlarm",
    "AWS::Lambda::Alias",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::SNS::Subscription",
    "AWS::SNS::TopicPolicy",
)

# (type, attribute) -> the literal that stands in for ``Fn::GetAtt`` of a dropped resource of that type.
MOTO_STAND_INS: dict[tuple[str, str], str] = {
    ("AWS::ApiGatewayV2::DomainName", "RegionalDomainName"): "d-moto-stand-in.execute-api.invalid",
}

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


def _stand_in(node: Any, values: Mapping[str, Mapping[str, str]]) -> Any:
    """``node`` with each ``Fn::GetAtt`` on a resource in ``values`` replaced by its literal stand-in."""
    if isinstance(node, list):
        return [_stand_in(item, values) for item in node]
    if not isinstance(node, dict):
        return node
    target = node.get("Fn::GetAtt")
    if len(node) == 1 and isinstance(target, list) and target[1] in values.get(target[0], {}):
        return values[target[0]][target[1]]
    return {key: _stand_in(value, values) for key, value in node.items()}


def without_types(
    template: dict[str, Any], types: Iterable[str], stand_ins: Mapping[tuple[str, str], str] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """A copy of ``template`` without resources of ``types`` and, transitively, without every
    resource and output that refers to a dropped one (except through an attribute that has a
    stand-in); also the sorted dropped logical ids."""
    result = copy.deepcopy(template)
    resources: dict[str, Any] = result["Resources"]
    dropped = {name for name, resource in resources.items() if resource["Type"] in set(types)}
    values: dict[str, dict[str, str]] = {}
    for (kind, attribute), literal in (stand_ins or {}).items():
        for name in dropped:
            if resources[name]["Type"] == kind:
                values.setdefault(name, {})[attribute] = literal
    if values:
        result["Resources"] = resources = {name: _stand_in(resource, values) for name, resource in resources.items()}
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
