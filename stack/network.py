"""VPC interface endpoints the functions need when their subnets have no NAT route.

In a VPC a function reaches AWS APIs only through NAT or endpoints. It calls Lambda (keep-warm
fan-out, upload's ``Event`` invocation of the csv-parser), Secrets Manager (``DatabaseAuth=secret``)
and S3 (uploads; a gateway endpoint on the route tables given in ``RouteTableIds``); RDS IAM tokens
are signed locally and logs,
metrics (EMF) and X-Ray leave through the Lambda service, so they need neither. With
``CreateVpcEndpoints=false`` the subnets must route to a NAT gateway instead (docs/deploy.md).
"""

from __future__ import annotations

from typing import Any

from stack.intrinsics import pascal, ref

ENDPOINT_SERVICES = ("lambda", "secretsmanager")


def _endpoint(service: str) -> dict[str, Any]:
    return {
        "Type": "AWS::EC2::VPCEndpoint",
        "Condition": "CreateEndpoints",
        "Properties": {
            "VpcEndpointType": "Interface",
            "ServiceName": {"Fn::Sub": f"com.amazonaws.${{AWS::Region}}.{service}"},
            "VpcId": ref("VpcId"),
            "SubnetIds": ref("SubnetIds"),
            "SecurityGroupIds": ref("SecurityGroupIds"),
            "PrivateDnsEnabled": True,
        },
    }


def _s3_gateway() -> dict[str, Any]:
    return {
        "Type": "AWS::EC2::VPCEndpoint",
        "Condition": "CreateS3Endpoint",
        "Properties": {
            "VpcEndpointType": "Gateway",
            "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"},
            "VpcId": ref("VpcId"),
            "RouteTableIds": ref("RouteTableIds"),
        },
    }


def resources() -> dict[str, Any]:
    found = {f"{pascal(service)}Endpoint": _endpoint(service) for service in ENDPOINT_SERVICES}
    found["S3Endpoint"] = _s3_gateway()
    return found
