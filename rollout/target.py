"""Where the rollout acts: the hosted zone and record, the config bucket, the deploy-window alarm.

Given on the command line, or read from the deployed stack's outputs
(``HostedZoneId``, ``ApiRecordName``, ``ConfigBucketName``,
``DeployWindowAlarmName``), so a rollout of a deployed stack needs only its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_SERVICE = "lego-projects-api"
DEFAULT_REGION = "us-east-1"
OUTPUT_KEYS = {
    "hosted_zone_id": "HostedZoneId",
    "record_name": "ApiRecordName",
    "config_bucket": "ConfigBucketName",
    "deploy_window_alarm": "DeployWindowAlarmName",
}
EXPRESS, SERVERLESS = "express", "serverless"  # the weighted records' SetIdentifiers


class TargetError(ValueError):
    """A part of the target is missing or cannot be found; the message says which and how to give it."""


@dataclass(frozen=True)
class Target:
    hosted_zone_id: str
    record_name: str
    config_bucket: str
    deploy_window_alarm: str
    region: str = DEFAULT_REGION
    endpoint_url: str | None = None
    service: str = DEFAULT_SERVICE

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
    service: str = DEFAULT_SERVICE,
) -> Target:
    """The target from the options, each missing one taken from ``stack_name``'s outputs.

    The deploy-window alarm is the stack's ``DeployWindowAlarmName`` when a stack is named and has it,
    else ``SERVICE-deploy-window`` (the name the stack gives it).
    """
    default_window = f"{service}-deploy-window"
    given = {
        "hosted_zone_id": hosted_zone_id,
        "record_name": record_name,
        "config_bucket": config_bucket,
        "deploy_window_alarm": deploy_window_alarm or (None if stack_name else default_window),
    }
    missing = [name for name, value in given.items() if not value]
    if missing:
        if not stack_name:
            options = ", ".join("--" + name.replace("_", "-") for name in missing)
            raise TargetError(f"give {options}, or --stack-name to read them from the deployed stack's outputs")
        outputs = stack_outputs(stack_name, region=region, endpoint_url=endpoint_url)
        outputs.setdefault(OUTPUT_KEYS["deploy_window_alarm"], default_window)
        for name in missing:
            key = OUTPUT_KEYS[name]
            if key not in outputs:
                raise TargetError(f"stack {stack_name} has no output {key}: give --{name.replace('_', '-')}")
            given[name] = outputs[key]
    return Target(
        hosted_zone_id=str(given["hosted_zone_id"]),
        record_name=str(given["record_name"]),
        config_bucket=str(given["config_bucket"]),
        deploy_window_alarm=str(given["deploy_window_alarm"]),
        region=region,
        endpoint_url=endpoint_url,
        service=service,
    )


def stack_outputs(stack_name: str, *, region: str, endpoint_url: str | None) -> dict[str, str]:
    import boto3
    from botocore.exceptions import ClientError

    client = boto3.client("cloudformation", region_name=region, endpoint_url=endpoint_url)
    try:
        stacks = client.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as exc:
        raise TargetError(f"cannot read stack {stack_name}: {exc.response['Error'].get('Message', exc)}") from None
    return {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])}
