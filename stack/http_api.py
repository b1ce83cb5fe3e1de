"""The HTTP API: CORS, JWT authorizer (Cognito issuer and app clients), a stage with throttling and
access logs, one integration per function (its ``live`` alias), and the routes of the function
table it is given (the table's public routes, ``GET /health``, run without the authorizer)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stack import edge
from stack.functions import FunctionSpec, alias_logical_id
from stack.intrinsics import get_att, pascal, ref

API = "HttpApi"
AUTHORIZER = "JwtAuthorizer"
STAGE = "DefaultStage"
ACCESS_LOGS = "ApiAccessLogGroup"


def route_logical_id(route: str) -> str:
    method, _, path = route.partition(" ")
    return f"{pascal(method.lower())}{pascal(path.replace('{', 'by-').replace('}', ''))}Route"


def _integration(function: str) -> dict[str, Any]:
    return {
        "Type": "AWS::ApiGatewayV2::Integration",
        "Properties": {
            "ApiId": ref(API),
            "IntegrationType": "AWS_PROXY",
            "IntegrationUri": ref(alias_logical_id(function)),  # the live alias: rollback re-points it
            "PayloadFormatVersion": "2.0",
            "TimeoutInMillis": 30000,
        },
    }


def _route(route: str, function: str, public: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "ApiId": ref(API),
        "RouteKey": route,
        "Target": {"Fn::Join": ["/", ["integrations", ref(f"{pascal(function)}Integration")]]},
    }
    if public:
        properties["AuthorizationType"] = "NONE"
    else:
        properties.update(AuthorizationType="JWT", AuthorizerId=ref(AUTHORIZER))
    return {"Type": "AWS::ApiGatewayV2::Route", "Properties": properties}


def _permission(function: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "Action": "lambda:InvokeFunction",
            "FunctionName": ref(alias_logical_id(function)),
            "Principal": "apigateway.amazonaws.com",
            "SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/*"},
        },
    }


def _stage(upload_routes: Sequence[str]) -> dict[str, Any]:
    """``$default`` stage: throttling (uploads tighter) and JSON access logs."""
    properties: dict[str, Any] = {
        "ApiId": ref(API),
        "StageName": "$default",
        "AutoDeploy": True,
        "DefaultRouteSettings": {
            "ThrottlingBurstLimit": edge.THROTTLE_BURST,
            "ThrottlingRateLimit": edge.THROTTLE_RATE_PER_S,
            "DetailedMetricsEnabled": False,
        },
        "AccessLogSettings": {"DestinationArn": get_att(ACCESS_LOGS, "Arn"), "Format": edge.ACCESS_LOG_FORMAT},
    }
    stage: dict[str, Any] = {"Type": "AWS::ApiGatewayV2::Stage", "Properties": properties}
    if upload_routes:
        properties["RouteSettings"] = {
            route: {"ThrottlingBurstLimit": edge.UPLOAD_BURST, "ThrottlingRateLimit": edge.UPLOAD_RATE_PER_S}
            for route in upload_routes
        }
        # Route settings name routes by key: they must exist before the stage refers to them.
        stage["DependsOn"] = [route_logical_id(route) for route in upload_routes]
    return stage


def resources(table: Sequence[FunctionSpec]) -> dict[str, Any]:
    """API, authorizer, stage, access log group, and per function with routes: integration, permission, routes."""
    served = [spec for spec in table if spec.routes]
    declared = [route for spec in served for route in spec.routes]
    found: dict[str, Any] = {
        API: {
            "Type": "AWS::ApiGatewayV2::Api",
            "Properties": {
                "Name": {"Fn::Sub": "${ServiceName}-http-api"},
                "ProtocolType": "HTTP",
                "CorsConfiguration": {
                    "AllowOrigins": ref("CorsAllowOrigins"),
                    "AllowMethods": list(edge.CORS_METHODS),
                    "AllowHeaders": list(edge.CORS_HEADERS),
                    "AllowCredentials": edge.CORS_ALLOW_CREDENTIALS,
                    "MaxAge": edge.CORS_MAX_AGE_S,
                },
            },
        },
        AUTHORIZER: {
            "Type": "AWS::ApiGatewayV2::Authorizer",
            "Properties": {
                "ApiId": ref(API),
                "Name": "cognito-jwt",
                "AuthorizerType": "JWT",
                "IdentitySource": ["$request.header.Authorization"],
                "JwtConfiguration": {"Issuer": ref("CognitoIssuerUrl"), "Audience": ref("CognitoAudience")},
            },
        },
        STAGE: _stage([route for route in edge.UPLOAD_ROUTES if route in declared]),
        ACCESS_LOGS: {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": {"Fn::Sub": "/aws/apigateway/${ServiceName}-http-api"},
                "RetentionInDays": ref("LogRetentionDays"),
            },
        },
    }
    for spec in served:
        found[f"{pascal(spec.name)}Integration"] = _integration(spec.name)
        found[f"{pascal(spec.name)}ApiPermission"] = _permission(spec.name)
        for route in spec.routes:
            found[route_logical_id(route)] = _route(route, spec.name, route in spec.public_routes)
    return found
