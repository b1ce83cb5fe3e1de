"""The HTTP API edge: CORS for the frontend origins, throttling with upload overrides, access logs."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from api.functions import FUNCTIONS, FUNCTIONS_BY_NAME
from stack import edge
from stack.http_api import ACCESS_LOGS, API, STAGE, route_logical_id
from stack.template import synthesize, write


def _resources(table: Any = FUNCTIONS) -> dict[str, Any]:
    return synthesize(table, "r")["Resources"]


def test_cors_allows_the_configured_origins_with_credentials() -> None:
    template = synthesize(FUNCTIONS, "r")
    cors = template["Resources"][API]["Properties"]["CorsConfiguration"]
    assert cors["AllowOrigins"] == {"Ref": "CorsAllowOrigins"}
    default = template["Parameters"]["CorsAllowOrigins"]["Default"].split(",")
    assert default == ["https://app.lego-moc.example.com", "https://staging.lego-moc.example.com",
                       "http://localhost:3002"]
    assert set(cors["AllowMethods"]) == {"GET", "POST", "PATCH", "DELETE", "OPTIONS"}
    assert set(cors["AllowHeaders"]) == {"Content-Type", "Authorization", "X-Requested-With", "X-CSRF-Token"}
    assert cors["AllowCredentials"] is True and cors["MaxAge"] == 3600
    (assertion,) = template["Rules"]["CorsOriginsAreExplicit"]["Assertions"]
    assert assertion["Assert"] == {"Fn::Not": [{"Fn::Contains": [{"Ref": "CorsAllowOrigins"}, "*"]}]}


def test_stage_throttles_and_writes_json_access_logs() -> None:
    resources = _resources()
    stage = resources[STAGE]["Properties"]
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 500
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == 1000
    uploads = [route for function in FUNCTIONS for route in function.routes if route in edge.UPLOAD_ROUTES]
    assert uploads  # the upload function is in the table
    assert stage["RouteSettings"] == {
        route: {"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 100} for route in uploads}
    assert stage["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": [ACCESS_LOGS, "Arn"]}
    fields = json.loads(stage["AccessLogSettings"]["Format"])
    assert fields["requestId"] == "$context.requestId" and fields["routeKey"] == "$context.routeKey"
    assert not any("authorization" in value.lower() or "claims" in value for value in fields.values())


def test_upload_routes_get_their_own_rate_once_they_are_in_the_table(tmp_path: Path) -> None:
    upload = dataclasses.replace(FUNCTIONS_BY_NAME["mocs"], name="upload", routes=edge.UPLOAD_ROUTES)
    template = synthesize([*FUNCTIONS, upload], "r")
    stage = template["Resources"][STAGE]
    assert stage["Properties"]["RouteSettings"] == {
        route: {"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 100} for route in edge.UPLOAD_ROUTES}
    assert stage["DependsOn"] == [route_logical_id(route) for route in edge.UPLOAD_ROUTES]
    from cfnlint.api import lint

    errors = [m for m in lint(write(template, tmp_path).read_text(), regions=["us-east-1"]) if m.rule.id[0] == "E"]
    assert errors == []
