"""What ``brickguard rollout`` acts on: the API name's two weighted records, the custom domain the
serverless one points at, and the bucket of ``/config.json`` — declared here, named by the outputs
``HostedZoneId``, ``ApiRecordName``, ``ConfigBucketName`` and ``ServiceName`` (rollout/target.py reads them).

- **The zone is an existing one** (``HostedZoneId``), not created here: the API's name lives in the
  organisation's public zone next to the frontend's records, delegated by the registrar. A zone the
  stack created would be a new, undelegated zone (no resolver would ask it) and deleting the stack
  would delete it.
- **Two weighted CNAME records** of ``ApiRecordName`` with SetIdentifier ``express`` and
  ``serverless``, TTL 60 s (the seeds' value; an alias record has no TTL of its own), created at
  100/0 (all express). From then on ``brickguard rollout`` owns the weights: it UPSERTs both in one
  change batch, which CloudFormation never sees, so ``brickguard deploy`` passes the weights Route53
  has now as ``ExpressWeight``/``ServerlessWeight``: a deploy that rewrites a record (a new
  ``ExpressHost``, a new custom domain) keeps the traffic split where the rollout left it.
- **The serverless record points at a regional custom domain** of the HTTP API
  (``ApiCertificateArn`` covers ``ApiRecordName``): API Gateway answers only for host names it
  knows, so a CNAME straight at ``…execute-api…`` would fail TLS and routing. No health check on
  the records: a weight-0 record would take traffic when the other fails its check, and only the
  rollout (with its gate and audit trail) moves traffic.
- **The config bucket** is private, versioned (every ``useServerless`` flip is kept), encrypted and
  retained with the stack's deletion (it holds the rollout's audit trail). Browsers read
  ``/config.json`` through the frontend's CDN (``Cache-Control: max-age=60`` is set per object);
  the stack writes the document itself (stack/frontend_config.py).
"""

from __future__ import annotations

from typing import Any

from stack import http_api
from stack.intrinsics import get_att, ref
from stack.rollout_contract import EXPRESS, OUTPUT_KEYS, SERVERLESS, TTL_SECONDS

API_DOMAIN = "ApiDomain"
CONFIG_BUCKET = "ConfigBucket"
RECORD_TYPE = "CNAME"


def record_logical_id(identifier: str) -> str:
    return f"{identifier.capitalize()}WeightedRecord"


def _weighted(identifier: str, weight: Any, target: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::Route53::RecordSet",
        "Properties": {
            "HostedZoneId": ref("HostedZoneId"),
            "Name": {"Fn::Sub": "${ApiRecordName}."},  # fully qualified, as Route53 lists it
            "Type": RECORD_TYPE,
            "TTL": str(TTL_SECONDS),
            "SetIdentifier": identifier,
            "Weight": weight,
            "ResourceRecords": [target],
        },
    }


def _records() -> dict[str, Any]:
    return {
        record_logical_id(EXPRESS): _weighted(EXPRESS, ref("ExpressWeight"), ref("ExpressHost")),
        record_logical_id(SERVERLESS): _weighted(
            SERVERLESS, ref("ServerlessWeight"), get_att(API_DOMAIN, "RegionalDomainName")
        ),
    }


def _custom_domain() -> dict[str, Any]:
    return {
        API_DOMAIN: {
            "Type": "AWS::ApiGatewayV2::DomainName",
            "Properties": {
                "DomainName": ref("ApiRecordName"),
                "DomainNameConfigurations": [{
                    "CertificateArn": ref("ApiCertificateArn"),
                    "EndpointType": "REGIONAL",
                    "SecurityPolicy": "TLS_1_2",
                }],
            },
        },
        "ApiDomainMapping": {
            "Type": "AWS::ApiGatewayV2::ApiMapping",
            "Properties": {"DomainName": ref(API_DOMAIN), "ApiId": ref(http_api.API), "Stage": ref(http_api.STAGE)},
        },
    }


def _config_bucket() -> dict[str, Any]:
    return {
        CONFIG_BUCKET: {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "VersioningConfiguration": {"Status": "Enabled"},
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True, "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            },
        },
    }


def resources() -> dict[str, Any]:
    """Custom domain and its mapping, both weighted records, the config bucket."""
    return {**_custom_domain(), **_records(), **_config_bucket()}


def outputs() -> dict[str, Any]:
    """The outputs `brickguard rollout --stack-name` reads (names in stack/rollout_contract.py ``OUTPUT_KEYS``)."""
    return {
        OUTPUT_KEYS["hosted_zone_id"]: {"Value": ref("HostedZoneId")},
        OUTPUT_KEYS["record_name"]: {"Value": ref("ApiRecordName")},
        OUTPUT_KEYS["config_bucket"]: {"Value": ref(CONFIG_BUCKET)},
        OUTPUT_KEYS["service"]: {"Value": ref("ServiceName")},  # names its alarms and metrics
    }
