"""Lambda functions (one per handler, arm64, X-Ray active) and their keep-warm schedules."""

from __future__ import annotations

from typing import Any

from runtime.telemetry import catalogue
from runtime.telemetry.aws_metrics import function_name
from stack.intrinsics import get_att, pascal, ref

RUNTIME = "python3.12"
ARCHITECTURE = "arm64"
KEEP_WARM_SCHEDULE = "rate(5 minutes)"
# The runtime treats only a direct invocation of exactly this shape as a ping.
KEEP_WARM_INPUT = '{"warmer": true, "concurrency": ${KeepWarmConcurrency}}'
# API Gateway HTTP API integrations time out at 30 s; the function must give up first.
TIMEOUT_SECONDS = 29
MEMORY_MB = 1024
ROLE = "FunctionRole"


def function_logical_id(function: str) -> str:
    return f"{pascal(function)}Function"


def handler(function: str) -> str:
    """``api.handlers.<function>``: module ``api.handlers``, attribute ``<function>``."""
    return f"api.handlers.{function}"


def _role() -> dict[str, Any]:
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            },
            "ManagedPolicyArns": [
                {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
                {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"},
            ],
        },
    }


def _function(function: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": {"Fn::Sub": function_name(function)},
            "Handler": handler(function),
            "Runtime": RUNTIME,
            "Architectures": [ARCHITECTURE],
            "MemorySize": MEMORY_MB,
            "Timeout": TIMEOUT_SECONDS,
            "Role": get_att(ROLE, "Arn"),
            "Code": {"S3Bucket": ref("CodeS3Bucket"), "S3Key": ref("CodeS3Key")},
            "TracingConfig": {"Mode": "Active"},
            "Environment": {
                "Variables": {
                    "BRICKGUARD_BACKEND": "serverless",
                    "BRICKGUARD_TRACING": "xray",
                    "POWERTOOLS_SERVICE_NAME": ref("ServiceName"),
                    "POWERTOOLS_METRICS_NAMESPACE": catalogue.DEFAULT_NAMESPACE,
                }
            },
        },
    }


def _keep_warm(function: str) -> dict[str, dict[str, Any]]:
    """A rate(5 minutes) rule invoking the function directly with ``{"warmer": true, "concurrency": N}``."""
    logical = function_logical_id(function)
    return {
        f"{pascal(function)}KeepWarmRule": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "Description": {"Fn::Sub": f"keep ${{ServiceName}}-{function} warm"},
                "ScheduleExpression": KEEP_WARM_SCHEDULE,
                "State": "ENABLED",
                "Targets": [{"Id": "warmer", "Arn": get_att(logical, "Arn"), "Input": {"Fn::Sub": KEEP_WARM_INPUT}}],
            },
        },
        f"{pascal(function)}KeepWarmPermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": ref(logical),
                "Principal": "events.amazonaws.com",
                "SourceArn": get_att(f"{pascal(function)}KeepWarmRule", "Arn"),
            },
        },
    }


def resources(functions: list[str]) -> dict[str, Any]:
    """The execution role, one function per handler, and one keep-warm rule per function."""
    found: dict[str, Any] = {ROLE: _role()}
    for function in functions:
        found[function_logical_id(function)] = _function(function)
        found.update(_keep_warm(function))
    return found
