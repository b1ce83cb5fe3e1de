"""The HTTP API: JWT authorizer (Cognito issuer and audience), one integration per function, and the
routes of the function table it is given (``GET /health`` stays unauthenticated)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from stack.functions import alias_logical_id
from stack.intrinsics import pascal, ref

API = "HttpApi"
AUTHORIZER = "JwtAuthorizer"
STAGE = "DefaultStage"
PUBLIC_ROUTES = frozenset({"GET /health"})


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


def _route(route: str, function: str) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "ApiId": ref(API),
        "RouteKey": route,
        "Target": {"Fn::Join": ["/", ["integrations", ref(f"{pascal(function)}Integration")]]},
    }
    if route in PUBLIC_ROUTES:
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


def resources(routes: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """API, authorizer, stage, and per function: integration, invoke permission and its routes."""
    found: dict[str, Any] = {
        API: {
            "Type": "AWS::ApiGatewayV2::Api",
            "Properties": {"Name": {"Fn::Sub": "${ServiceName}-http-api"}, "ProtocolType": "HTTP"},
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
        STAGE: {
            "Type": "AWS::ApiGatewayV2::Stage",
            "Properties": {"ApiId": ref(API), "StageName": "$default", "AutoDeploy": True},
        },
    }
    for function, function_routes in routes.items():
        found[f"{pascal(function)}Integration"] = _integration(function)
        found[f"{pascal(function)}ApiPermission"] = _permission(function)
        for route in function_routes:
            found[route_logical_id(route)] = _route(route, function)
    return found
