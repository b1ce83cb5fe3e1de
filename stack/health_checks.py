"""Route53 health checks for both backends: the express host and the serverless API endpoint."""

from __future__ import annotations

from typing import Any

HEALTH_PATH = "/health"
SERVERLESS_HOST = "${HttpApi}.execute-api.${AWS::Region}.amazonaws.com"


def _check(backend: str, fqdn: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::Route53::HealthCheck",
        "Properties": {
            "HealthCheckConfig": {
                "Type": "HTTPS",
                "FullyQualifiedDomainName": fqdn,
                "Port": 443,
                "ResourcePath": HEALTH_PATH,
                "RequestInterval": 30,
                "FailureThreshold": 3,
            },
            "HealthCheckTags": [{"Key": "Name", "Value": {"Fn::Sub": f"${{ServiceName}}-{backend}"}}],
        },
    }


def resources() -> dict[str, Any]:
    return {
        "ExpressHealthCheck": _check("express", {"Ref": "ExpressHost"}),
        "ServerlessHealthCheck": _check("serverless", {"Fn::Sub": SERVERLESS_HOST}),
    }
