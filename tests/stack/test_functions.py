"""Functions carry the architecture's settings; versions and the ``live`` alias make rollback possible."""

from __future__ import annotations

import json
from typing import Any

import pytest

from api.functions import FUNCTIONS, FUNCTIONS_BY_NAME
from stack.functions import alias_logical_id, function_logical_id
from stack.template import synthesize


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == kind}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return synthesize(FUNCTIONS, "release-a")


def _version_of(template: dict[str, Any], function: str) -> str:
    alias = template["Resources"][alias_logical_id(function)]["Properties"]
    return str(alias["FunctionVersion"]["Fn::GetAtt"][0])


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.name)
def test_each_function_has_the_settings_of_the_table(template: dict[str, Any], spec: Any) -> None:
    resources = template["Resources"]
    props = resources[function_logical_id(spec.name)]["Properties"]
    assert (props["MemorySize"], props["Timeout"]) == (spec.memory_mb, spec.timeout_seconds)
    assert props.get("ReservedConcurrentExecutions") == spec.reserved_concurrency
    assert props["Architectures"] == ["arm64"] and props["TracingConfig"] == {"Mode": "Active"}
    assert props["Handler"] == spec.handler
    log_group = resources[props["LoggingConfig"]["LogGroup"]["Ref"]]
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    alias = resources[alias_logical_id(spec.name)]["Properties"]
    assert alias["Name"] == "live"
    if spec.provisioned_concurrency:
        assert alias["ProvisionedConcurrencyConfig"]["Fn::If"][:2] == [
            "IsProd", {"ProvisionedConcurrentExecutions": spec.provisioned_concurrency}]
    else:
        assert "ProvisionedConcurrencyConfig" not in alias


def test_health_matches_the_architecture_row() -> None:
    health = synthesize([FUNCTIONS_BY_NAME["health"]], "r")["Resources"]
    props = health["HealthFunction"]["Properties"]
    assert (props["MemorySize"], props["Timeout"], props["ReservedConcurrentExecutions"]) == (512, 10, 5)


def test_a_new_release_publishes_new_versions_and_retains_the_old(template: dict[str, Any]) -> None:
    again = synthesize(FUNCTIONS, "release-a")
    changed = synthesize(FUNCTIONS, "release-b")
    for spec in FUNCTIONS:
        old, same, new = (_version_of(t, spec.name) for t in (template, again, changed))
        assert old == same, "same release must not publish a version"
        assert old != new and old not in changed["Resources"]
        version = changed["Resources"][new]
        assert version["Type"] == "AWS::Lambda::Version"
        assert version["DeletionPolicy"] == version["UpdateReplacePolicy"] == "Retain"


def test_a_settings_change_alone_publishes_a_new_version() -> None:
    health = FUNCTIONS_BY_NAME["health"]
    bigger = type(health)(**{**health.__dict__, "memory_mb": 1024})
    assert _version_of(synthesize([health], "r"), "health") != _version_of(synthesize([bigger], "r"), "health")


def test_api_and_keep_warm_invoke_the_live_alias_never_latest(template: dict[str, Any]) -> None:
    aliases = {f"{alias_logical_id(spec.name)}" for spec in FUNCTIONS}
    for integration in _of_type(template, "AWS::ApiGatewayV2::Integration").values():
        assert integration["Properties"]["IntegrationUri"]["Ref"] in aliases
    for rule in _of_type(template, "AWS::Events::Rule").values():
        (target,) = rule["Properties"]["Targets"]
        assert target["Arn"]["Ref"] in aliases
    permissions = [p for name, p in _of_type(template, "AWS::Lambda::Permission").items()
                   if name != "RollbackFunctionAlarmPermission"]  # the stack's own function: no versions, no alias
    assert permissions and all(p["Properties"]["FunctionName"]["Ref"] in aliases for p in permissions)
    text = json.dumps(template)
    assert "$LATEST" not in text


def test_keep_warm_fan_out_invokes_the_qualified_arn_it_was_invoked_with() -> None:
    from runtime import keepwarm

    invoked: list[str] = []

    class Payload:
        def read(self) -> bytes:
            return b"{}"

    class Client:
        def invoke(self, FunctionName: str, **_: Any) -> dict[str, Any]:
            invoked.append(FunctionName)
            return {"StatusCode": 200, "Payload": Payload()}

    class Context:
        invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:lego-projects-api-mocs:live"
        aws_request_id = "req-1"

    summary = keepwarm.handle_ping({"warmer": True, "concurrency": 3}, Context(), warmup=lambda: None,
                                   invoke_client_factory=Client, cold_start=False)
    assert summary["fanOut"] == {"invoked": 2, "failed": 0}
    assert invoked == [Context.invoked_function_arn] * 2


def test_the_parser_is_invoked_asynchronously_with_lambdas_retries_and_a_failure_queue() -> None:
    from cli.stack import wiring
    from devstack.lambda_.async_invoke import RETRY_DELAYS_S
    from devstack.lambda_.failure_queue import queue_name
    from runtime.telemetry.aws_metrics import ASYNC_FUNCTIONS

    assert set(ASYNC_FUNCTIONS) == {spec.name for spec in FUNCTIONS if not spec.routes} == {"csv-parser"}
    resources = synthesize(FUNCTIONS, "release-a", wiring())["Resources"]
    configs = _of_type({"Resources": resources}, "AWS::Lambda::EventInvokeConfig")
    assert list(configs) == ["CsvParserEventInvokeConfig"]
    config = configs["CsvParserEventInvokeConfig"]
    props = config["Properties"]
    # the same two retries the local Lambda makes (devstack/lambda_/async_invoke.py), on the alias callers invoke
    assert props["MaximumRetryAttempts"] == len(RETRY_DELAYS_S) == 2
    assert (props["FunctionName"], props["Qualifier"]) == ({"Ref": "CsvParserFunction"}, "live")
    assert config["DependsOn"] == [alias_logical_id("csv-parser")]
    destination = props["DestinationConfig"]["OnFailure"]["Destination"]
    queue = resources[destination["Fn::GetAtt"][0]]
    assert queue["Type"] == "AWS::SQS::Queue" and destination["Fn::GetAtt"][1] == "Arn"
    # named as `brickguard up` names its local queue, and kept for SQS's maximum of 14 days
    deployed = queue["Properties"]["QueueName"]["Fn::Sub"].replace("${ServiceName}", "lego-projects-api")
    assert deployed == queue_name("lego-projects-api-csv-parser")
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    # the parser is nobody's request: no keep-warm rule
    assert "CsvParserKeepWarmRule" not in resources and "UploadKeepWarmRule" in resources


def test_only_the_upload_function_is_told_the_parsers_name() -> None:
    from cli.stack import wiring

    resources = synthesize(FUNCTIONS, "release-a", wiring())["Resources"]
    told = {spec.name: resources[function_logical_id(spec.name)]["Properties"]["Environment"]["Variables"].get(
        "CSV_PARSER_FUNCTION") for spec in FUNCTIONS}
    assert {name: value for name, value in told.items() if value} == {
        "upload": {"Fn::Sub": "${ServiceName}-csv-parser:live"}}


def test_every_function_runs_in_migration_mode_as_up_runs_them_until_the_parameter_says_otherwise() -> None:
    from cli.up import function_environment
    from runtime.config import load

    resources = synthesize(FUNCTIONS, "release-a")["Resources"]
    for spec in FUNCTIONS:
        variables = resources[function_logical_id(spec.name)]["Properties"]["Environment"]["Variables"]
        assert variables["MIGRATION_MODE"] == {"Ref": "MigrationMode"}, spec.name
    parameter = synthesize(FUNCTIONS, "release-a")["Parameters"]["MigrationMode"]
    local = function_environment(load({}))["MIGRATION_MODE"]
    assert parameter["Default"] == local == "true" and parameter["AllowedValues"] == ["true", "false"]
