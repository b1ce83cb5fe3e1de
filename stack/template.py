"""Assemble and write the CloudFormation template."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from stack import functions, health_checks, http_api, monitoring
from stack.intrinsics import get_att, ref
from stack.parameters import CONDITIONS, PARAMETERS

TEMPLATE_FILE = "brickguard.template.json"


def synthesize(routes: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The whole stack as a template dict, for the functions and routes the composition root hands over."""
    names = list(routes)
    resources: dict[str, Any] = {}
    for part in (
        functions.resources(names),
        http_api.resources(routes),
        health_checks.resources(),
        monitoring.resources(names),
    ):
        overlap = resources.keys() & part.keys()
        if overlap:
            raise ValueError(f"duplicate logical ids {sorted(overlap)}")
        resources.update(part)
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "brickguard: LEGO Projects API on Lambda with its alarms, dashboards and paging",
        "Parameters": PARAMETERS,
        "Conditions": CONDITIONS,
        "Resources": resources,
        "Outputs": {
            "ApiEndpoint": {"Value": get_att(http_api.API, "ApiEndpoint")},
            "PagesTopicArn": {"Value": ref(monitoring.TOPIC)},
            "ExpressHealthCheckId": {"Value": ref("ExpressHealthCheck")},
            "ServerlessHealthCheckId": {"Value": ref("ServerlessHealthCheck")},
        },
    }


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
