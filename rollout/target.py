"""Where the rollout acts: the hosted zone and record, the config bucket, the deploy-window alarm.

Given on the command line, or read from the deployed stack's outputs
(``HostedZoneId``, ``ApiRecordName``, ``ConfigBucketName``,
``DeployWindowAlarmName``, ``ServiceName``, ``HttpApiId``) and its parameter ``ExpressLoadBalancer``, so a
rollout of a deployed stack needs only its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.telemetry.aws_metrics import EXPRESS_LOAD_BALANCER, PLACEHOLDER_NAME
from stack.rollout_contract import OUTPUT_KEYS

DEFAULT_SERVICE = "lego-projects-api"
DEFAULT_REGION = "us-east-1"


def _placeholder_name(placeholder: str) -> str:
    """``${ExpressLoadBalancer}`` -> ``ExpressLoadBalancer``: the stack parameter that gives its value."""
    match = PLACEHOLDER_NAME.fullmatch(placeholder)
    assert match is not None, placeholder
    return match[1]


EXPRESS_LOAD_BALANCER_PARAMETER = _placeholder_name(EXPRESS_LOAD_BALANCER)


class TargetError(ValueError):
    """A part of the target is missing or cannot be found; the message says which and how to give it."""


@dataclass(frozen=True)
class DeployedStack:
    """What one ``DescribeStacks`` says: the stack's outputs and the parameters it was deployed with."""

    outputs: dict[str, str]
    parameters: dict[str, str]


@dataclass(frozen=True)
class Target:
    hosted_zone_id: str
    record_name: str
    config_bucket: str
    deploy_window_alarm: str
    region: str = DEFAULT_REGION
    endpoint_url: str | None = None
    service: str = DEFAULT_SERVICE
    api_id: str | None = None
    """The HTTP API's id: the gate reads serverless's edge (API Gateway metrics) when it is known."""
    express_load_balancer: str | None = None
    """Express's load balancer as its dimension (``app/<name>/<id>``): the gate reads who arrives at express."""

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, region_name=self.region, endpoint_url=self.endpoint_url)


def resolve(
    *,
    hosted_zone_id: str | None,
    record_name: str | None,
    config_bucket: str | None,
    deploy_window_alarm: str | None,
    stack_name: str | None,
    region: str = DEFAULT_REGION,
    endpoint_url: str | None = None,
    service: str | None = None,
    api_id: str | None = None,
) -> Target:
    """The target from the options; with ``stack_name``, each one not given comes from the stack's outputs.

    What neither gives falls back to a default: the service ``lego-projects-api`` and the deploy
    window ``SERVICE-deploy-window`` (the name the stack gives it); the zone, record and bucket have none.
    """
    given = {
        "hosted_zone_id": hosted_zone_id,
        "record_name": record_name,
        "config_bucket": config_bucket,
        "deploy_window_alarm": deploy_window_alarm,
        "service": service,
        "api_id": api_id,
    }
    missing = [name for name, value in given.items() if not value]
    stack = describe(stack_name, region=region, endpoint_url=endpoint_url) if stack_name else None
    outputs = stack.outputs if stack is not None else {}
    for name in missing:
        given[name] = outputs.get(OUTPUT_KEYS[name])
    chosen_service = given["service"] or DEFAULT_SERVICE
    required = [name for name in ("hosted_zone_id", "record_name", "config_bucket") if not given[name]]
    if required:
        options = ", ".join("--" + name.replace("_", "-") for name in required)
        if stack_name:
            keys = ", ".join(OUTPUT_KEYS[name] for name in required)
            raise TargetError(f"stack {stack_name} has no output {keys}: give {options}")
        raise TargetError(f"give {options}, or --stack-name to read them from the deployed stack's outputs")
    return Target(
        hosted_zone_id=str(given["hosted_zone_id"]),
        record_name=str(given["record_name"]),
        config_bucket=str(given["config_bucket"]),
        deploy_window_alarm=str(given["deploy_window_alarm"] or f"{chosen_service}-deploy-window"),
        region=region,
        endpoint_url=endpoint_url,
        service=chosen_service,
        api_id=given["api_id"] or None,
        express_load_balancer=(stack.parameters.get(EXPRESS_LOAD_BALANCER_PARAMETER) or None) if stack else None,
    )


def describe(stack_name: str, *, region: str, endpoint_url: str | None) -> DeployedStack:
    """The deployed stack's outputs and parameters (one ``DescribeStacks``)."""
    import boto3
    from botocore.exceptions import ClientError

    client = boto3.client("cloudformation", region_name=region, endpoint_url=endpoint_url)
    try:
        stack = client.describe_stacks(StackName=stack_name)["Stacks"][0]
    except ClientError as exc:
        raise TargetError(f"cannot read stack {stack_name}: {exc.response['Error'].get('Message', exc)}") from None
    return DeployedStack(
        outputs={item["OutputKey"]: item["OutputValue"] for item in stack.get("Outputs", [])},
        parameters={item["ParameterKey"]: item.get("ParameterValue", "") for item in stack.get("Parameters", [])},
    )
