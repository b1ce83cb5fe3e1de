"""Least privilege: a walk over every IAM policy in the template; ``*`` only where the service needs it."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from api.functions import FUNCTIONS
from cli.stack import wiring
from stack.async_invoke import queue_logical_id
from stack.functions import function_logical_id
from stack.iam import STAR_ACTIONS, role_logical_id
from stack.template import synthesize

UPLOAD_PREFIXES = ("mocs/", "images/", "uploads/", "wishlist/", "avatars/")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return synthesize(FUNCTIONS, "release-a", wiring())


def _statements_by_sid(template: dict[str, Any], function: str) -> dict[str, Any]:
    (policy,) = template["Resources"][role_logical_id(function)]["Properties"]["Policies"]
    return {s.get("Sid"): s for s in policy["PolicyDocument"]["Statement"] if "Sid" in s}


def _objects(statement: dict[str, Any]) -> list[str]:
    resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    return [r["Fn::Sub"].removeprefix("arn:${AWS::Partition}:s3:::${UploadBucketName}/") for r in resources]


def _statements(node: Any) -> Iterator[dict[str, Any]]:
    """Every statement of a statement list, through both branches of ``Fn::If``."""
    if isinstance(node, list):
        for item in node:
            yield from _statements(item)
    elif isinstance(node, dict) and "Fn::If" in node:
        yield from _statements(node["Fn::If"][1:])
    elif isinstance(node, dict) and "Effect" in node:
        yield node


def _texts(resource: Any) -> list[str]:
    """The literal text of a Resource entry (``Fn::Sub`` bodies included); references are not text."""
    items = resource if isinstance(resource, list) else [resource]
    return [item if isinstance(item, str) else item.get("Fn::Sub", "") for item in items if
            isinstance(item, str) or "Fn::Sub" in item]


def _is_wildcard(text: str) -> bool:
    """A ``*`` that is not scoped: scoped are the streams of one named log group (``log-group:<name>:*``)
    and the objects under one named prefix (``<bucket>/<prefix>/*``)."""
    if "*" not in text:
        return False
    scoped = (":log-group:" in text and text.endswith(":*") and "*" not in text[:-2]) or bool(
        re.fullmatch(r"[^*]+/[^*/]+/\*", text))
    return not scoped


def wildcard_violations(template: dict[str, Any]) -> list[str]:
    """Every place an IAM policy grants on a ``*`` resource (or a ``*`` action) it does not have to."""
    found: list[str] = []
    for name, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            if props.get("ManagedPolicyArns"):
                found.append(f"{name}: managed policies are not walked")
            documents = [policy["PolicyDocument"] for policy in props.get("Policies", [])]
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents = [props["PolicyDocument"]]
        else:
            continue
        for document in documents:
            for statement in _statements(document["Statement"]):
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                found += [f"{name}: action {action}" for action in actions if "*" in action]
                starred = any(_is_wildcard(text) for text in _texts(statement["Resource"]))
                found += [f"{name}: {action} on *" for action in actions if starred and action not in STAR_ACTIONS]
    return found


def test_no_policy_grants_on_star_beyond_what_the_service_requires(template: dict[str, Any]) -> None:
    assert wildcard_violations(template) == []


def test_the_walk_catches_a_star_grant_hidden_in_a_condition(template: dict[str, Any]) -> None:
    broken = copy.deepcopy(template)
    role = broken["Resources"][role_logical_id("mocs")]["Properties"]["Policies"][0]["PolicyDocument"]
    database = next(s for s in role["Statement"] if "Fn::If" in s)
    database["Fn::If"][1]["Resource"] = "*"
    assert wildcard_violations(broken) == ["MocsRole: secretsmanager:GetSecretValue on *"]
    broken["Resources"]["MocsRole"]["Properties"]["ManagedPolicyArns"] = ["arn:aws:iam::aws:policy/AdministratorAccess"]
    assert "MocsRole: managed policies are not walked" in wildcard_violations(broken)


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.name)
def test_each_role_reaches_only_its_own_log_group_and_function(template: dict[str, Any], spec: Any) -> None:
    resources = template["Resources"]
    function = resources[function_logical_id(spec.name)]
    assert function["Properties"]["Role"] == {"Fn::GetAtt": [role_logical_id(spec.name), "Arn"]}
    (policy,) = resources[role_logical_id(spec.name)]["Properties"]["Policies"]
    statements = {s.get("Sid"): s for s in policy["PolicyDocument"]["Statement"]}
    log_group = resources[function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]]
    name = log_group["Properties"]["LogGroupName"]["Fn::Sub"]
    assert statements["OwnLogGroup"]["Resource"]["Fn::Sub"].endswith(f":log-group:{name}:*")
    if spec.routes:  # kept warm: the fan-out invokes itself
        invoke = [item["Fn::Sub"] for item in statements["KeepWarmFanOut"]["Resource"]]
        assert [arn.rsplit(":function:", 1)[1] for arn in invoke] == [
            f"${{ServiceName}}-{spec.name}", f"${{ServiceName}}-{spec.name}:live"]
    else:
        assert "KeepWarmFanOut" not in statements
    database = next(s for s in policy["PolicyDocument"]["Statement"] if "Fn::If" in s)["Fn::If"]
    assert database[0] == "UseDatabaseSecret"
    assert database[1]["Resource"] == {"Ref": "DatabaseSecretArn"}
    assert database[2]["Action"] == "rds-db:connect"
    assert database[2]["Resource"]["Fn::Sub"].endswith(":dbuser:${DatabaseProxyResourceId}/${DatabaseUser}")


def test_functions_run_in_the_vpc_with_the_endpoints_they_call(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    endpoints = [r for r in resources.values() if r["Type"] == "AWS::EC2::VPCEndpoint"]
    services = {e["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[1]: e for e in endpoints}
    assert sorted(services) == ["lambda", "s3", "secretsmanager"]
    assert services["lambda"]["Condition"] == services["secretsmanager"]["Condition"] == "CreateEndpoints"
    assert services["s3"]["Properties"]["VpcEndpointType"] == "Gateway"
    assert services["s3"]["Condition"] == "CreateS3Endpoint"  # needs the route tables
    for spec in FUNCTIONS:
        props = resources[function_logical_id(spec.name)]["Properties"]
        vpc = props["VpcConfig"]
        assert vpc == {"SubnetIds": {"Ref": "SubnetIds"}, "SecurityGroupIds": {"Ref": "SecurityGroupIds"}}
        variables = json.dumps(props["Environment"]["Variables"])
        for name in ("DatabaseProxyEndpoint", "RedisEndpoint", "OpenSearchEndpoint", "DatabaseSecretArn",
                     "UploadBucketName"):
            assert name in variables


def test_object_access_is_scoped_to_the_functions_own_prefixes(template: dict[str, Any]) -> None:
    own = {spec.name: _statements_by_sid(template, spec.name) for spec in FUNCTIONS}
    writes = {name: _objects(sids["OwnObjects"]) for name, sids in own.items() if "OwnObjects" in sids}
    assert writes == {"mocs": ["mocs/*"], "gallery": ["images/*", "uploads/*"],
                      "wishlist": ["wishlist/*", "uploads/*"], "profile": ["avatars/*", "uploads/*"],
                      "upload": ["mocs/*", "uploads/*"]}
    reads = {name: _objects(sids["ReadObjects"]) for name, sids in own.items() if "ReadObjects" in sids}
    assert reads == {"csv-parser": ["mocs/*"]}  # the parser reads the CSVs, writes no object
    assert own["csv-parser"]["ReadObjects"]["Action"] == "s3:GetObject"
    for name, sids in own.items():
        # any function's outbox drain may apply a pending delete: delete (only) under every object prefix
        assert sids["ApplyOutboxDeletes"]["Action"] == "s3:DeleteObject", name
        assert sorted(_objects(sids["ApplyOutboxDeletes"])) == sorted(f"{p}*" for p in UPLOAD_PREFIXES), name
        listed = sids["ListPrefixes"]["Condition"]["StringLike"]["s3:prefix"]
        assert sorted(listed) == sorted(f"{p}*" for p in UPLOAD_PREFIXES), name
    assert _is_wildcard("arn:${AWS::Partition}:s3:::${UploadBucketName}/*")  # the whole bucket is not scoped
    assert not _is_wildcard("arn:${AWS::Partition}:s3:::${UploadBucketName}/images/*")


def test_only_upload_invokes_the_parser_and_only_the_parser_sends_to_its_failure_queue(
    template: dict[str, Any]
) -> None:
    own = {spec.name: _statements_by_sid(template, spec.name) for spec in FUNCTIONS}
    invokers = {name: sids["InvokeAsynchronously"]["Resource"] for name, sids in own.items()
                if "InvokeAsynchronously" in sids}
    assert list(invokers) == ["upload"]
    (parser_arn,) = invokers["upload"]
    assert parser_arn["Fn::Sub"].endswith(":function:${ServiceName}-csv-parser:live")
    senders = {name: sids["OnFailureDestination"] for name, sids in own.items() if "OnFailureDestination" in sids}
    assert list(senders) == ["csv-parser"]
    assert senders["csv-parser"]["Action"] == "sqs:SendMessage"
    assert senders["csv-parser"]["Resource"] == {"Fn::GetAtt": [queue_logical_id("csv-parser"), "Arn"]}


def test_a_wiring_that_invokes_a_function_with_routes_is_refused() -> None:
    from stack.functions import Wiring

    with pytest.raises(ValueError, match="upload invokes \\['mocs'\\]"):
        synthesize(FUNCTIONS, "r", Wiring(invokes={"upload": ("mocs",)}))


def test_only_the_profile_function_may_call_the_user_pool_and_only_its_profile_calls_on_that_pool(template) -> None:
    for function in (spec.name for spec in FUNCTIONS):
        cognito = [
            statement
            for statement in _statements(template["Resources"][role_logical_id(function)]["Properties"]["Policies"][0]
                                         ["PolicyDocument"]["Statement"])
            if any(str(action).startswith("cognito") for action in _actions(statement))
        ]
        if function != "profile":
            assert cognito == [], function
            continue
        (statement,) = cognito
        assert sorted(_actions(statement)) == [
            "cognito-idp:AdminDeleteUserAttributes", "cognito-idp:AdminGetUser", "cognito-idp:AdminUpdateUserAttributes"
        ]
        assert _texts(statement["Resource"]) == [
            "arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/${CognitoUserPoolId}"
        ]
    assert "CognitoUserPoolId" in template["Parameters"]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return actions if isinstance(actions, list) else [actions]
