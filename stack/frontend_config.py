"""``/config.json``, seed 001's whole document, created by the stack: a custom resource writes it.

CloudFormation has no resource for an S3 object, so a small inline function (custom resource
``FrontendConfig``) writes ``config.json`` into the config bucket on create and update:
``apiBaseUrl`` (``https://<ApiRecordName>``) and ``cognitoConfig`` (``region``, ``userPoolId``,
``userPoolWebClientId``: the first of ``CognitoAudience``) per environment, from the stack's
parameters. It creates ``useServerless`` as ``false`` and never touches it again: from then on the
rollout commands own it (rollout/config_flag.py), and a deploy keeps whatever they set. Other keys
found in the document are kept. Deleting the stack leaves the object (the bucket is retained).

The function's role may read and write that one object and its own log streams, nothing else.
"""

from __future__ import annotations

from typing import Any

from stack.functions import RUNTIME
from stack.intrinsics import get_att, ref
from stack.rollout_contract import API_BASE_URL, COGNITO_CONFIG, CONFIG_CACHE_CONTROL, CONFIG_KEY, USE_SERVERLESS

RESOURCE = "FrontendConfig"
WRITER = "FrontendConfigWriter"
WRITER_ROLE = "FrontendConfigWriterRole"
WRITER_LOG_GROUP = "FrontendConfigWriterLogGroup"
LOG_RETENTION_DAYS = 30
WRITER_TIMEOUT_S = 30

WRITER_CODE = f'''
import json, urllib.request
import boto3

def merged(current, props):
    document = dict(current)
    document["{API_BASE_URL}"] = props["ApiBaseUrl"]
    document["{COGNITO_CONFIG}"] = props["CognitoConfig"]
    document.setdefault("{USE_SERVERLESS}", False)
    return document

def write(props):
    s3 = boto3.client("s3")
    try:
        current = json.loads(s3.get_object(Bucket=props["Bucket"], Key=props["Key"])["Body"].read())
    except s3.exceptions.NoSuchKey:
        current = {{}}
    document = merged(current if isinstance(current, dict) else {{}}, props)
    s3.put_object(Bucket=props["Bucket"], Key=props["Key"], Body=json.dumps(document, indent=2).encode(),
                  ContentType="application/json", CacheControl=props["CacheControl"])

def respond(event, status, reason=""):
    body = json.dumps({{"Status": status, "Reason": reason, "PhysicalResourceId": "{CONFIG_KEY}",
                       "StackId": event["StackId"], "RequestId": event["RequestId"],
                       "LogicalResourceId": event["LogicalResourceId"]}}).encode()
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                     headers={{"Content-Type": ""}})
    urllib.request.urlopen(request, timeout=10)

def handler(event, context):
    try:
        if event["RequestType"] in ("Create", "Update"):
            write(event["ResourceProperties"])
        respond(event, "SUCCESS")
    except Exception as error:
        respond(event, "FAILED", f"{{type(error).__name__}}: {{error}}")
'''
"""The writer's code (inline: ZipFile allows 4 KB); ``merged`` is the rule, tested in tests/stack."""


def _object_arn() -> dict[str, str]:
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{ConfigBucket}}/{CONFIG_KEY}"}


def resources(config_bucket: str) -> dict[str, Any]:
    """The writer function, its role, and the custom resource that runs it."""
    log_streams = {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
                              "/aws/lambda/${ServiceName}-frontend-config:*"}
    return {
        WRITER_ROLE: {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ]},
                "Policies": [{"PolicyName": "frontend-config-writer", "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Sid": "OwnLogGroup", "Effect": "Allow",
                         "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": log_streams},
                        {"Sid": "ConfigDocument", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                         "Resource": _object_arn()},
                        {"Sid": "ListConfigBucket", "Effect": "Allow", "Action": "s3:ListBucket",  # NoSuchKey, not 403
                         "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${ConfigBucket}"},
                         "Condition": {"StringEquals": {"s3:prefix": [CONFIG_KEY]}}},
                    ],
                }}],
            },
        },
        WRITER_LOG_GROUP: {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": {"Fn::Sub": "/aws/lambda/${ServiceName}-frontend-config"},
                           "RetentionInDays": LOG_RETENTION_DAYS},
        },
        WRITER: {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": {"Fn::Sub": "${ServiceName}-frontend-config"},
                "LoggingConfig": {"LogGroup": ref(WRITER_LOG_GROUP)},
                "Runtime": RUNTIME,
                "Handler": "index.handler",
                "Timeout": WRITER_TIMEOUT_S,
                "Role": get_att(WRITER_ROLE, "Arn"),
                "Code": {"ZipFile": WRITER_CODE},
            },
        },
        RESOURCE: {
            "Type": "Custom::FrontendConfig",
            "Properties": {
                "ServiceToken": get_att(WRITER, "Arn"),
                "Bucket": ref(config_bucket),
                "Key": CONFIG_KEY,
                "CacheControl": CONFIG_CACHE_CONTROL,
                "ApiBaseUrl": {"Fn::Sub": "https://${ApiRecordName}"},
                "CognitoConfig": {
                    "region": ref("AWS::Region"),
                    "userPoolId": ref("CognitoUserPoolId"),
                    "userPoolWebClientId": {"Fn::Select": [0, ref("CognitoAudience")]},
                },
            },
        },
    }
