"""The synthesized template: cfn-lint clean, and it holds what the issue asks for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.functions import FUNCTION_ROUTES, FUNCTIONS
from stack import auto_rollback, frontend_config
from stack.template import synthesize, write


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return synthesize(FUNCTIONS, "test-release")


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == kind}


def test_cfn_lint_finds_no_errors(tmp_path: Path) -> None:
    from cfnlint.api import lint

    path = write(synthesize(FUNCTIONS, "test-release"), tmp_path)
    matches = lint(path.read_text(), regions=["us-east-1", "eu-west-1"])
    errors = [f"{m.rule.id} {m.message} ({m.path})" for m in matches if m.rule.id.startswith("E")]
    assert errors == []
    broken = json.loads(path.read_text())
    broken["Resources"]["MocsFunction"]["Properties"]["Architectures"] = ["sparc"]
    assert any(m.rule.id.startswith("E") for m in lint(json.dumps(broken), regions=["us-east-1"]))


def test_one_arm64_traced_function_per_handler(template: dict[str, Any]) -> None:
    functions = _of_type(template, "AWS::Lambda::Function")
    for own in (auto_rollback.FUNCTION, frontend_config.WRITER):  # the stack's own functions, not the API's
        functions.pop(own)
    handlers = sorted(f["Properties"]["Handler"] for f in functions.values())
    assert handlers == sorted(f"api.handlers.{name.replace('-', '_')}" for name in FUNCTION_ROUTES)
    for function in functions.values():
        props = function["Properties"]
        assert props["Architectures"] == ["arm64"] and props["TracingConfig"] == {"Mode": "Active"}
        assert props["Runtime"] in ("python3.11", "python3.12")


def test_http_api_routes_and_jwt_authorizer(template: dict[str, Any]) -> None:
    declared = _of_type(template, "AWS::ApiGatewayV2::Route").values()
    routes = {route["Properties"]["RouteKey"]: route["Properties"] for route in declared}
    assert set(routes) == {route for group in FUNCTION_ROUTES.values() for route in group}
    for key, props in routes.items():
        expected = "NONE" if key == "GET /health" else "JWT"
        assert props["AuthorizationType"] == expected, key
    (authorizer,) = _of_type(template, "AWS::ApiGatewayV2::Authorizer").values()
    assert authorizer["Properties"]["JwtConfiguration"] == {
        "Issuer": {"Ref": "CognitoIssuerUrl"},
        "Audience": {"Ref": "CognitoAudience"},
    }


def test_keep_warm_rules_send_the_ping_payload(template: dict[str, Any]) -> None:
    rules = _of_type(template, "AWS::Events::Rule")
    # one per function a user waits on; the csv-parser (no routes, invoked asynchronously) is not kept warm
    assert len(rules) == len([name for name, routes in FUNCTION_ROUTES.items() if routes]) == len(FUNCTION_ROUTES) - 1
    for rule in rules.values():
        props = rule["Properties"]
        assert props["ScheduleExpression"] == "rate(5 minutes)"
        payload = props["Targets"][0]["Input"]["Fn::Sub"].replace("${KeepWarmConcurrency}", "3")
        assert json.loads(payload) == {"warmer": True, "concurrency": 3}


def test_paging_alarms_dashboards_and_health_checks(template: dict[str, Any]) -> None:
    (subscription,) = _of_type(template, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "https"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "PagerDutyIntegrationUrl"}
    alarms = _of_type(template, "AWS::CloudWatch::Alarm")
    composites = _of_type(template, "AWS::CloudWatch::CompositeAlarm")
    by_condition: dict[str, int] = {}
    for alarm in alarms.values():
        by_condition[alarm.get("Condition", "shared")] = by_condition.get(alarm.get("Condition", "shared"), 0) + 1
    # two Route53 health-check alarms per profile exist only in us-east-1, where their metrics are
    # 30 per profile (a cold-start alarm for each of the 6 functions a user waits on), and two for the
    # asynchronously invoked csv-parser (its errors, its failure queue);
    # shared by both profiles: per backend 8 burn-rate windows, silence and traffic, and the rollback signal
    assert by_condition == {"UseRolloutProfile": 32, "UseBauProfile": 32,
                            "UseRolloutProfileInUsEast1": 2, "UseBauProfileInUsEast1": 2, "shared": 2 * 10 + 1}
    # shared: the deploy window, two symptom pages and the rollback action; per profile: ten cause
    # composites and two unreachable ones (us-east-1 only)
    assert len(composites) == 4 + 2 * 12
    assert "Condition" not in composites["ExpressUsersFailingAlarm"]
    assert composites["BauExpressUnreachableAlarm"]["Condition"] == "UseBauProfileInUsEast1"
    assert composites["BauBackendsUnhealthyAlarm"]["Condition"] == "UseBauProfileInUsEast1"
    assert "Condition" not in composites["DeployWindowAlarm"]
    assert template["Outputs"]["DeployWindowAlarmName"] == {"Value": {"Ref": "DeployWindowAlarm"}}
    assert len(_of_type(template, "AWS::CloudWatch::Dashboard")) == 5
    checks = _of_type(template, "AWS::Route53::HealthCheck")
    hosts = [c["Properties"]["HealthCheckConfig"]["FullyQualifiedDomainName"] for c in checks.values()]
    assert {"Ref": "ExpressHost"} in hosts and any("execute-api" in str(host) for host in hosts)


def test_the_rollout_target_is_declared_with_the_outputs_rollout_reads(template: dict[str, Any]) -> None:
    from stack.rollout_contract import OUTPUT_KEYS, TTL_SECONDS

    records = {r["Properties"]["SetIdentifier"]: r["Properties"]
               for r in _of_type(template, "AWS::Route53::RecordSet").values()}
    assert {name: (props["Weight"], props["TTL"], props["Type"]) for name, props in records.items()} == {
        "express": ({"Ref": "ExpressWeight"}, str(TTL_SECONDS), "CNAME"),
        "serverless": ({"Ref": "ServerlessWeight"}, str(TTL_SECONDS), "CNAME")}
    parameters = template["Parameters"]  # created all express; later deploys pass what Route53 has
    assert (parameters["ExpressWeight"]["Default"], parameters["ServerlessWeight"]["Default"]) == ("100", "0")
    for props in records.values():  # one name in the existing zone, both records
        assert (props["HostedZoneId"], props["Name"]) == ({"Ref": "HostedZoneId"}, {"Fn::Sub": "${ApiRecordName}."})
    assert records["express"]["ResourceRecords"] == [{"Ref": "ExpressHost"}]
    assert records["serverless"]["ResourceRecords"] == [{"Fn::GetAtt": ["ApiDomain", "RegionalDomainName"]}]
    (domain,) = _of_type(template, "AWS::ApiGatewayV2::DomainName").values()
    assert domain["Properties"]["DomainName"] == {"Ref": "ApiRecordName"}
    assert domain["Properties"]["DomainNameConfigurations"][0]["EndpointType"] == "REGIONAL"
    (mapping,) = _of_type(template, "AWS::ApiGatewayV2::ApiMapping").values()
    assert mapping["Properties"]["ApiId"] == {"Ref": "HttpApi"}
    assert not _of_type(template, "AWS::Route53::HostedZone")  # an existing zone, a parameter
    (bucket_id,) = _of_type(template, "AWS::S3::Bucket")
    bucket = template["Resources"][bucket_id]
    assert bucket["DeletionPolicy"] == "Retain"  # holds the rollout's audit trail
    assert all(bucket["Properties"]["PublicAccessBlockConfiguration"].values())
    outputs = template["Outputs"]
    assert {key: outputs[key]["Value"] for key in OUTPUT_KEYS.values()} == {
        "HostedZoneId": {"Ref": "HostedZoneId"}, "ApiRecordName": {"Ref": "ApiRecordName"},
        "ConfigBucketName": {"Ref": bucket_id}, "DeployWindowAlarmName": {"Ref": "DeployWindowAlarm"},
        "ServiceName": {"Ref": "ServiceName"}, "HttpApiId": {"Ref": "HttpApi"}}


def test_the_rollback_function_is_the_rollback_alarms_action_and_reaches_only_what_a_rollback_touches(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    function = resources["RollbackFunction"]["Properties"]
    assert function["Handler"] == "rollout.auto_rollback.handler" and function["Architectures"] == ["arm64"]
    composite = next(
        res["Properties"] for res in _of_type(template, "AWS::CloudWatch::CompositeAlarm").values()
        if "serverless-rollback" in json.dumps(res["Properties"]["AlarmName"])
    )
    assert composite["AlarmActions"] == [{"Fn::Sub": "${RollbackFunction.Arn}"}]
    permission = resources["RollbackFunctionAlarmPermission"]["Properties"]
    assert permission["Principal"] == "lambda.alarms.cloudwatch.amazonaws.com"
    assert "serverless-rollback" in permission["SourceArn"]["Fn::Sub"]
    (policy,) = resources["RollbackFunctionRole"]["Properties"]["Policies"]
    statements = policy["PolicyDocument"]["Statement"]
    actions = sorted(a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))
    assert actions == sorted([
        "route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:GetChange",
        "s3:GetObject", "s3:PutObject", "s3:PutObject", "logs:CreateLogStream", "logs:PutLogEvents",
    ])
    assert all(s["Resource"] != "*" for s in statements)
    records = next(s for s in statements if s["Action"] == "route53:ChangeResourceRecordSets")
    assert records["Condition"]["ForAllValues:StringEquals"][
        "route53:ChangeResourceRecordSetsNormalizedRecordNames"] == [{"Ref": "ApiRecordName"}]
