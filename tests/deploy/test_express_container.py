"""The express container and its ECS task definition agree with ``brickguard serve`` and with ECS's API.

No container engine runs here, so the image is not built: these checks hold the two files to what
the server does (port, drain bound, health answer) and the task definition to the ECS API's own
input shape (botocore's service model of ``RegisterTaskDefinition``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import botocore.session
from botocore.validate import ParamValidator

from runtime import config

EXPRESS = Path(__file__).resolve().parents[2] / "deploy" / "express"
DRAIN_AFTER_FLUSH_MARGIN_S = 5  # breaker states, EMF and the database pool closed after the drain


def _task_definition() -> dict[str, Any]:
    return json.loads((EXPRESS / "task-definition.json").read_text())


def _container(name: str) -> dict[str, Any]:
    return next(c for c in _task_definition()["containerDefinitions"] if c["name"] == name)


def _dockerfile_instruction(name: str) -> str:
    text = (EXPRESS / "Dockerfile").read_text().replace("\\\n", " ")
    found = re.findall(rf"^{name} (.+)$", text, flags=re.MULTILINE)
    assert found, f"no {name} in the Dockerfile"
    return found[-1]  # the final stage's


def test_the_task_definition_is_a_valid_register_task_definition_request():
    shape = botocore.session.get_session().get_service_model("ecs").operation_model("RegisterTaskDefinition")
    report = ParamValidator().validate(_task_definition(), shape.input_shape)
    assert not report.has_errors(), report.generate_report()


def test_the_stop_timeout_outlasts_the_drain_and_its_flush():
    express = _container("express")
    environment = {item["name"]: item["value"] for item in express["environment"]}
    drain = config.load(environment).drain_seconds
    assert drain == config.Settings().drain_seconds  # the fragment runs the documented default
    assert express["stopTimeout"] >= drain + DRAIN_AFTER_FLUSH_MARGIN_S


def test_emf_goes_to_awslogs_and_traces_to_the_x_ray_sidecar():
    express, daemon = _container("express"), _container("xray-daemon")
    assert express["logConfiguration"]["logDriver"] == "awslogs"
    environment = {item["name"]: item["value"] for item in express["environment"]}
    assert environment["BRICKGUARD_TRACING"] == "xray" and environment["AWS_XRAY_DAEMON_ADDRESS"] == "127.0.0.1:2000"
    assert {"containerPort": 2000, "protocol": "udp"} in daemon["portMappings"]
    assert {"containerName": "xray-daemon", "condition": "START"} in express["dependsOn"]
    assert express["essential"] and not daemon["essential"]  # a daemon crash loses traces, not traffic


def test_the_image_runs_serve_as_a_non_root_user_with_the_same_health_check_as_the_task():
    assert _dockerfile_instruction("USER") not in ("root", "0")
    assert json.loads(_dockerfile_instruction("CMD")) == ["brickguard", "serve", "--port", "9000"]
    assert _container("express")["portMappings"][0]["containerPort"] == 9000
    health = _dockerfile_instruction("HEALTHCHECK").split(" CMD ", 1)[1]
    assert ["CMD", *json.loads(health)] == _container("express")["healthCheck"]["command"]


def test_the_image_installs_only_the_shipped_groups():
    groups = re.search(r"for n in \(([^)]*)\)", (EXPRESS / "Dockerfile").read_text())
    assert groups is not None
    named = {name.strip(" '") for name in groups[1].split(",")}
    assert named == {"ships", "ships-images", "ships-files", "express"}
