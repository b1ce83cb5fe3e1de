"""The rollout's AWS parts under ``brickguard up``, in its moto server, and the front door that obeys them.

``up`` creates what the stack creates in AWS — a hosted zone with the API's two
weighted records (100 % express, TTL 60), the config bucket with seed 001's whole
``/config.json`` (``apiBaseUrl``: the front door; ``cognitoConfig``: the local user pool, whose
web client id is the audience the local tokens carry; ``useServerless: false``) and the
deploy-window alarm (a metric alarm: moto has no composite alarms) — and serves a third port
that splits requests by those weights and answers ``GET /config.json`` from the bucket.
``up.json`` records where they are, so ``brickguard rollout`` needs no options under ``up``.
:func:`rollback_function` stands in for the stack's rollback function, which the rollback alarm
invokes as its action.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runtime.telemetry import catalogue

ZONE = "lego-moc.local"
RECORD = f"api.{ZONE}"
CONFIG_BUCKET = "lego-config-local"
REGION = "us-east-1"


@dataclass(frozen=True)
class LocalRollout:
    endpoint_url: str
    hosted_zone_id: str
    record_name: str
    config_bucket: str
    deploy_window_alarm: str
    front_door_url: str

    def announced(self) -> dict[str, str]:
        """What ``up.json`` records for ``brickguard rollout``."""
        return {
            "aws_endpoint_url": self.endpoint_url, "hosted_zone_id": self.hosted_zone_id,
            "record_name": self.record_name, "config_bucket": self.config_bucket,
            "deploy_window_alarm": self.deploy_window_alarm, "front_door_url": self.front_door_url,
        }


def create_parts(
    endpoint_url: str, urls: dict[str, str], service: str, config_document: dict[str, Any]
) -> dict[str, str]:
    """Zone + weighted records, config bucket + /config.json, deploy-window alarm; returns their names."""
    import boto3

    from devstack.s3.local_s3 import local_credentials
    from rollout.config_flag import ConfigFlag
    from stack.rollout_contract import TTL_SECONDS

    route53 = boto3.client("route53", endpoint_url=endpoint_url, region_name=REGION, **local_credentials())
    zone = route53.create_hosted_zone(Name=ZONE, CallerReference=f"brickguard-up-{service}")["HostedZone"]["Id"]
    changes = [
        {"Action": "UPSERT", "ResourceRecordSet": {
            "Name": RECORD, "Type": "CNAME", "SetIdentifier": name, "Weight": 100 if name == "express" else 0,
            "TTL": TTL_SECONDS, "ResourceRecords": [{"Value": url.split("//", 1)[-1].split(":")[0]}],
        }}
        for name, url in urls.items()
    ]
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
    s3 = boto3.client("s3", endpoint_url=endpoint_url, region_name=REGION, **local_credentials())
    s3.create_bucket(Bucket=CONFIG_BUCKET)
    ConfigFlag(s3, CONFIG_BUCKET).write(config_document)
    alarm = f"{service}-deploy-window"
    boto3.client("cloudwatch", endpoint_url=endpoint_url, region_name=REGION, **local_credentials()).put_metric_alarm(
        AlarmName=alarm, Namespace="brickguard/local", MetricName="DeployWindow", Statistic="Maximum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
        AlarmDescription="local stand-in for the stack's deploy-window composite (moto has no composites)",
    )
    return {"hosted_zone_id": zone, "deploy_window_alarm": alarm}


def frontend_config(api_base_url: str, cognito: dict[str, str | None]) -> dict[str, Any]:
    """Seed 001's document as the stack creates it: the API's URL, the user pool, ``useServerless: false``."""
    from stack.rollout_contract import API_BASE_URL, COGNITO_CONFIG, USE_SERVERLESS

    return {API_BASE_URL: api_base_url, COGNITO_CONFIG: cognito, USE_SERVERLESS: False}


def start(
    stack: contextlib.ExitStack, endpoint_url: str, urls: dict[str, str], service: str, *, host: str, port: int,
    cognito: dict[str, str | None],
    on_answer: Callable[[str, int | None, float], None] | None = None,
) -> LocalRollout:
    """Create the parts and serve the front door on ``host:port`` in a thread until ``stack`` closes.

    ``cognito`` is ``/config.json``'s ``cognitoConfig`` (region, userPoolId, userPoolWebClientId).
    """
    import boto3
    from waitress.server import create_server

    from devstack.route53.front_door import FrontDoor
    from devstack.s3.local_s3 import local_credentials
    from rollout.config_flag import ConfigFlag
    from rollout.weights import WeightedRecords

    def not_yet(environ: Any, start_response: Any) -> list[bytes]:  # replaced before the server runs
        raise RuntimeError("the front door is not ready")

    try:
        server: Any = create_server(not_yet, host=host, port=port, threads=8, ident="brickguard-front-door")
    except OSError:  # taken (another up, a test run): any free port, printed in the banner and in up.json
        server = create_server(not_yet, host=host, port=0, threads=8, ident="brickguard-front-door")
    front_door_url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{server.effective_port}"  # noqa: S104
    names = create_parts(endpoint_url, urls, service, frontend_config(front_door_url, cognito))
    route53 = boto3.client("route53", endpoint_url=endpoint_url, region_name=REGION, **local_credentials())
    records = WeightedRecords(route53, names["hosted_zone_id"], RECORD)
    s3 = boto3.client("s3", endpoint_url=endpoint_url, region_name=REGION, **local_credentials())

    def read_weights() -> dict[str, int]:
        current = records.current()
        return {catalogue.EXPRESS: current.express, catalogue.SERVERLESS: current.serverless}

    door = FrontDoor(urls, read_weights, on_answer=on_answer,
                     config_document=ConfigFlag(s3, CONFIG_BUCKET).document)
    server.application = door
    for target in (server.run, door.run_refresh):
        threading.Thread(target=target, name="front-door", daemon=True).start()
    stack.callback(door.stop)
    stack.callback(server.close)
    return LocalRollout(
        endpoint_url, names["hosted_zone_id"], RECORD, CONFIG_BUCKET, names["deploy_window_alarm"], front_door_url
    )



def rollback_function(parts: LocalRollout) -> Callable[[dict[str, Any]], None]:
    """The stack's rollback function (``rollout/auto_rollback.py``), invoked with the rollback alarm's action
    event as CloudWatch invokes it, acting on the local moto's records, config object and audit trail."""
    import boto3

    from devstack.s3.local_s3 import local_credentials
    from rollout.auto_rollback import roll_back

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=parts.endpoint_url, region_name=REGION, **local_credentials())

    def invoke(event: dict[str, Any]) -> None:
        roll_back(event, s3=client("s3"), route53=client("route53"), bucket=parts.config_bucket,
                  hosted_zone_id=parts.hosted_zone_id, record_name=parts.record_name)

    return invoke
