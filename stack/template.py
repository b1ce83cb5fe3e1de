"""Assemble and write the CloudFormation template."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from alarms.composites import DEPLOY_WINDOW
from stack import auto_rollback, frontend_config, functions, health_checks, http_api, monitoring, network, traffic
from stack.functions import FunctionSpec, Wiring
from stack.intrinsics import alarm_logical_id, get_att, ref
from stack.parameters import CONDITIONS, PARAMETERS, RULES
from stack.rollout_contract import OUTPUT_KEYS

TEMPLATE_FILE = "brickguard.template.json"


def synthesize(table: Sequence[FunctionSpec], release: str, wiring: Wiring | None = None) -> dict[str, Any]:
    """The whole stack for the function table the composition root hands over.

    ``release`` fingerprints what is deployed (code SHA-256 and parameters): a new value publishes
    new function versions and points ``live`` at them. ``wiring``: each function's upload-bucket
    prefixes and the asynchronous invocations between functions (none: no S3 access, no invokes).
    """
    names = [spec.name for spec in table]
    resources: dict[str, Any] = {}
    for part in (
        functions.resources(table, release, wiring or Wiring()),
        network.resources(),
        http_api.resources(table),
        health_checks.resources(),
        traffic.resources(),
        auto_rollback.resources(),
        frontend_config.resources(traffic.CONFIG_BUCKET),
        monitoring.resources(names),
    ):
        overlap = resources.keys() & part.keys()
        if overlap:
            raise ValueError(f"duplicate logical ids {sorted(overlap)}")
        resources.update(part)
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "brickguard: LEGO Projects API on Lambda with its alarms, dashboards and paging",
        "Parameters": parameters(table),
        "Rules": RULES,
        "Conditions": CONDITIONS,
        "Resources": resources,
        "Outputs": {
            "ApiEndpoint": {"Value": get_att(http_api.API, "ApiEndpoint")},
            OUTPUT_KEYS["api_id"]: {"Value": ref(http_api.API)},
            "PagesTopicArn": {"Value": ref(monitoring.TOPIC)},
            "ExpressHealthCheckId": {"Value": ref("ExpressHealthCheck")},
            "ServerlessHealthCheckId": {"Value": ref("ServerlessHealthCheck")},
            # read by `brickguard rollout --stack-name` (rollout/target.py)
            OUTPUT_KEYS["deploy_window_alarm"]: {"Value": ref(alarm_logical_id("", DEPLOY_WINDOW.slug))},
            **traffic.outputs(),
        },
    }


def parameters(table: Sequence[FunctionSpec]) -> dict[str, Any]:
    """The stack's parameters: the fixed ones and each function's artifact key."""
    return {**PARAMETERS, **functions.code_parameters(table)}


def write(template: Mapping[str, Any], out_dir: Path) -> Path:
    """Write ``template`` as JSON under ``out_dir`` and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / TEMPLATE_FILE
    path.write_text(json.dumps(template, indent=2) + "\n")
    return path


def dashboard_bodies(resources: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``(name, body)`` of every dashboard in ``resources``, with ``${…}`` placeholders left as text."""
    found = []
    for resource in resources.values():
        if resource["Type"] != "AWS::CloudWatch::Dashboard":
            continue
        props = resource["Properties"]
        name, body = (value["Fn::Sub"] if isinstance(value, dict) else value
                      for value in (props["DashboardName"], props["DashboardBody"]))
        found.append((name, json.loads(body)))
    return found
