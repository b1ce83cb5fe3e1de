"""Lambda functions with their settings from the function table, published versions, the ``live``
alias everything invokes, log groups with retention, and keep-warm schedules.

Each function runs its own artifact (``brickguard package``: the groups pyproject.toml declares for
it), at the key its ``<Function>CodeS3Key`` parameter names; functions carrying the same groups get
the same bytes, so the same key.

``AWS::Lambda::Version`` is immutable: CloudFormation publishes one only when its logical id is new.
The id therefore carries a hash of the release (every artifact's SHA-256, deploy parameters, the
function's properties); the previous version is retained (``DeletionPolicy: Retain``), so rolling back is
re-pointing ``live`` at it (docs/runbooks/deploy-window.md).

A function without routes is invoked asynchronously by the functions the :class:`Wiring` names
(upload → csv-parser): it gets an on-failure queue and an invoke config (:mod:`stack.async_invoke`)
and no keep-warm rule (nobody waits on it); its callers get its name in their environment and the
right to invoke it, nothing more.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from runtime.telemetry import catalogue
from runtime.telemetry.aws_metrics import function_name
from stack import async_invoke, iam
from stack import function_environment as env
from stack.iam import ObjectAccess, RoleGrants
from stack.intrinsics import get_att, pascal, ref

RUNTIME = "python3.12"
ARCHITECTURE = "arm64"
ALIAS = "live"
KEEP_WARM_SCHEDULE = "rate(5 minutes)"
# The runtime treats only a direct invocation of exactly this shape as a ping.
KEEP_WARM_INPUT = '{"warmer": true, "concurrency": ${KeepWarmConcurrency}}'
POSTGRES_PORT = 5432
VERSION_HASH_CHARS = 12


class FunctionSpec(Protocol):
    """What the stack reads of one function of the table it is given (``api.functions.LambdaFunction``)."""

    @property
    def name(self) -> str: ...

    @property
    def handler(self) -> str: ...

    @property
    def routes(self) -> Sequence[str]: ...

    @property
    def public_routes(self) -> Sequence[str]:
        """Routes served without the JWT authorizer (the stack, express and the local gateway read it)."""
        ...

    @property
    def memory_mb(self) -> int: ...

    @property
    def timeout_seconds(self) -> int: ...

    @property
    def reserved_concurrency(self) -> int | None: ...

    @property
    def provisioned_concurrency(self) -> int: ...


@dataclass(frozen=True)
class Wiring:
    """What the composition root tells the stack beyond the function table."""

    objects: Mapping[str, ObjectAccess] = field(default_factory=dict)
    """Each function's prefixes of the upload bucket (none: no S3 objects of its own)."""
    invokes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Caller -> the functions without routes it invokes asynchronously."""
    user_pool: tuple[str, ...] = ()
    """The functions that read and write profiles in the Cognito user pool."""

    def drained_prefixes(self) -> tuple[str, ...]:
        """Every prefix objects are written under: any function's outbox drain may delete there."""
        return tuple(dict.fromkeys(prefix for access in self.objects.values() for prefix in access.read_write))


def function_logical_id(function: str) -> str:
    return f"{pascal(function)}Function"


def alias_logical_id(function: str) -> str:
    return f"{pascal(function)}LiveAlias"


def log_group_logical_id(function: str) -> str:
    return f"{pascal(function)}LogGroup"


def code_key_parameter(function: str) -> str:
    """The parameter holding ``function``'s artifact key: each function runs its own artifact."""
    return f"{pascal(function)}CodeS3Key"


def code_parameters(table: Sequence[FunctionSpec]) -> dict[str, dict[str, Any]]:
    """One ``<Function>CodeS3Key`` parameter per function of the table, set by ``brickguard deploy``."""
    return {
        code_key_parameter(spec.name): {
            "Type": "String",
            "Description": f"key of the {spec.name} function's artifact in CodeS3Bucket: <prefix>/<sha256>.zip, "
                           "set by brickguard deploy (functions carrying the same groups share one object)",
            "AllowedPattern": r"^.+\.zip$",
        }
        for spec in table
    }


def _environment(invokes: Sequence[str]) -> dict[str, Any]:
    return {
        **env.shared_variables(
            tracing="xray",
            service=ref("ServiceName"),
            namespace=catalogue.DEFAULT_NAMESPACE,
            migration_mode=ref("MigrationMode"),  # v2: cache keys while express still serves
            database_url={"Fn::Sub": "postgresql://${DatabaseUser}@${DatabaseProxyEndpoint}:"
                                     f"{POSTGRES_PORT}/${{DatabaseName}}?sslmode=require"},
            redis_url={"Fn::Sub": "rediss://${RedisEndpoint}/0"},
            opensearch_url={"Fn::Sub": "https://${OpenSearchEndpoint}"},
            s3_bucket=ref("UploadBucketName"),
        ),
        env.STAGE: ref("Stage"),  # /debug/config answers in dev and staging only
        env.DATABASE_AUTH: ref("DatabaseAuth"),
        env.DATABASE_SECRET_ARN: ref("DatabaseSecretArn"),
        env.COGNITO_USER_POOL_ID: ref("CognitoUserPoolId"),
        **{async_invoke.caller_variable(target): async_invoke.invoked_name(target) for target in invokes},
    }


def _function(spec: FunctionSpec, invokes: Sequence[str]) -> dict[str, Any]:
    function = spec.name
    properties: dict[str, Any] = {
        "FunctionName": {"Fn::Sub": function_name(function)},
        "Handler": spec.handler,
        "Runtime": RUNTIME,
        "Architectures": [ARCHITECTURE],
        "MemorySize": spec.memory_mb,
        "Timeout": spec.timeout_seconds,
        "Role": get_att(iam.role_logical_id(function), "Arn"),
        "Code": {"S3Bucket": ref("CodeS3Bucket"), "S3Key": ref(code_key_parameter(function))},
        "TracingConfig": {"Mode": "Active"},
        "LoggingConfig": {"LogGroup": ref(log_group_logical_id(function)), "LogFormat": "Text"},
        "VpcConfig": {"SubnetIds": ref("SubnetIds"), "SecurityGroupIds": ref("SecurityGroupIds")},
        "Environment": {"Variables": _environment(invokes)},
    }
    if spec.reserved_concurrency is not None:
        properties["ReservedConcurrentExecutions"] = spec.reserved_concurrency
    return {"Type": "AWS::Lambda::Function", "Properties": properties}


def version_logical_id(function: str, function_resource: Mapping[str, Any], release: str) -> str:
    """A new id (so a new published version) whenever the release or the function's settings change."""
    digest = hashlib.sha256(f"{release}\n{json.dumps(function_resource, sort_keys=True)}".encode()).hexdigest()
    return f"{pascal(function)}Version{digest[:VERSION_HASH_CHARS]}"


def _version_and_alias(spec: FunctionSpec, version_id: str, release: str) -> dict[str, Any]:
    function = spec.name
    alias: dict[str, Any] = {
        "Name": ALIAS,
        "FunctionName": ref(function_logical_id(function)),
        "FunctionVersion": get_att(version_id, "Version"),
    }
    if spec.provisioned_concurrency:
        alias["ProvisionedConcurrencyConfig"] = {"Fn::If": [
            "IsProd", {"ProvisionedConcurrentExecutions": spec.provisioned_concurrency}, ref("AWS::NoValue")
        ]}
    return {
        version_id: {
            "Type": "AWS::Lambda::Version",
            # Kept when a newer version replaces it in the template: that is what a rollback points at.
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {"FunctionName": ref(function_logical_id(function)), "Description": f"release {release}"},
        },
        alias_logical_id(function): {"Type": "AWS::Lambda::Alias", "Properties": alias},
    }


def _log_group(function: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Logs::LogGroup",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "LogGroupName": {"Fn::Sub": f"/aws/lambda/{function_name(function)}"},
            "RetentionInDays": ref("LogRetentionDays"),
        },
    }


def _keep_warm(function: str) -> dict[str, dict[str, Any]]:
    """A rate(5 minutes) rule invoking ``:live`` directly with ``{"warmer": true, "concurrency": N}``.

    The alias, not the function: an unqualified invoke warms ``$LATEST``, which serves no traffic.
    The runtime fans out to the ARN it was invoked with, so the fan-out targets ``:live`` too.
    """
    alias = alias_logical_id(function)
    return {
        f"{pascal(function)}KeepWarmRule": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "Description": {"Fn::Sub": f"keep ${{ServiceName}}-{function}:{ALIAS} warm"},
                "ScheduleExpression": KEEP_WARM_SCHEDULE,
                "State": "ENABLED",
                "Targets": [{"Id": "warmer", "Arn": ref(alias), "Input": {"Fn::Sub": KEEP_WARM_INPUT}}],
            },
        },
        f"{pascal(function)}KeepWarmPermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": ref(alias),
                "Principal": "events.amazonaws.com",
                "SourceArn": get_att(f"{pascal(function)}KeepWarmRule", "Arn"),
            },
        },
    }


def _checked(table: Sequence[FunctionSpec], wiring: Wiring) -> None:
    asynchronous = {spec.name for spec in table if not spec.routes}
    for caller, targets in wiring.invokes.items():
        wrong = [target for target in targets if target not in asynchronous]
        if wrong:
            raise ValueError(f"{caller} invokes {wrong}: not functions without routes in the table")


def resources(table: Sequence[FunctionSpec], release: str, wiring: Wiring) -> dict[str, Any]:
    """Per function: log group, role, function, version of ``release``, ``live`` alias, and a keep-warm
    rule, or, for a function without routes, its on-failure queue and invoke config."""
    _checked(table, wiring)
    drained = wiring.drained_prefixes()
    found: dict[str, Any] = {}
    for spec in table:
        function = spec.name
        invokes = wiring.invokes.get(function, ())
        asynchronous = not spec.routes
        resource = _function(spec, invokes)
        grants = RoleGrants(
            objects=wiring.objects.get(function, ObjectAccess()),
            drained_prefixes=drained,
            keep_warm=not asynchronous,
            invokes=invokes,
            failure_queue=async_invoke.queue_logical_id(function) if asynchronous else None,
            user_pool=function in wiring.user_pool,
        )
        found[log_group_logical_id(function)] = _log_group(function)
        found[iam.role_logical_id(function)] = iam.role(function, grants)
        found[function_logical_id(function)] = resource
        found.update(_version_and_alias(spec, version_logical_id(function, resource, release), release))
        if asynchronous:
            found.update(async_invoke.resources(function, alias_logical_id(function)))
        else:
            found.update(_keep_warm(function))
    return found
