"""One execution role per function, granting only what that function does.

- write to its own log group;
- X-Ray segments (``Resource: *`` — X-Ray has no resource-level permissions);
- VPC network interfaces (``Resource: *`` — EC2 has none for these actions; the same list as
  AWS's ``AWSLambdaVPCAccessExecutionRole``, inline so the walk in tests/stack sees it);
- the database: ``rds-db:connect`` for its proxy user, or read the one database secret;
- objects under its own prefixes of the upload bucket (``images/`` for gallery, ...), where it has any;
- ``lambda:InvokeFunction`` on itself, unqualified and ``:live``, for the keep-warm fan-out.

``STAR_ACTIONS`` lists every action allowed on ``*``; tests/stack walks the template against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from runtime.telemetry.aws_metrics import function_name
from stack.intrinsics import pascal, ref

XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
VPC_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)
# Actions whose service does not support resource-level permissions: the only ones allowed on "*".
STAR_ACTIONS = frozenset({*XRAY_ACTIONS, *VPC_ACTIONS})
FUNCTION_ARN = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:" + function_name("{name}")
# The log group's streams (":*"), spelled out rather than GetAtt: the role must not wait for the group.
LOG_GROUP_ARN = (
    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/"
    + function_name("{name}") + ":*"
)
PROXY_USER_ARN = (
    "arn:${AWS::Partition}:rds-db:${AWS::Region}:${AWS::AccountId}:dbuser:${DatabaseProxyResourceId}/${DatabaseUser}"
)


def role_logical_id(function: str) -> str:
    return f"{pascal(function)}Role"


def _function_arns(function: str) -> list[dict[str, str]]:
    arn = FUNCTION_ARN.replace("{name}", function)
    return [{"Fn::Sub": arn}, {"Fn::Sub": f"{arn}:live"}]


def _database_statement() -> dict[str, Any]:
    secret = {"Sid": "ReadDatabaseSecret", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
              "Resource": ref("DatabaseSecretArn")}
    token = {"Sid": "ConnectThroughProxy", "Effect": "Allow", "Action": "rds-db:connect",
             "Resource": {"Fn::Sub": PROXY_USER_ARN}}
    return {"Fn::If": ["UseDatabaseSecret", secret, token]}


def _object_statements(prefixes: Sequence[str]) -> list[dict[str, Any]]:
    objects = [{"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{UploadBucketName}}/{prefix}*"} for prefix in prefixes]
    return [
        {"Sid": "OwnObjects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
         "Resource": objects},
        {"Sid": "ListOwnPrefixes", "Effect": "Allow", "Action": "s3:ListBucket",
         "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${UploadBucketName}"},
         "Condition": {"StringLike": {"s3:prefix": [f"{prefix}*" for prefix in prefixes]}}},
    ]


def statements(function: str, object_prefixes: Sequence[str] = ()) -> list[Any]:
    """The policy statements of ``function``'s role."""
    return [
        {"Sid": "OwnLogGroup", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": {"Fn::Sub": LOG_GROUP_ARN.replace("{name}", function)}},
        {"Sid": "XRay", "Effect": "Allow", "Action": list(XRAY_ACTIONS), "Resource": "*"},
        {"Sid": "VpcNetworkInterfaces", "Effect": "Allow", "Action": list(VPC_ACTIONS), "Resource": "*"},
        _database_statement(),
        {"Sid": "KeepWarmFanOut", "Effect": "Allow", "Action": "lambda:InvokeFunction",
         "Resource": _function_arns(function)},
        *(_object_statements(object_prefixes) if object_prefixes else []),
    ]


def role(function: str, object_prefixes: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            },
            "Policies": [{
                "PolicyName": f"{function}-least-privilege",
                "PolicyDocument": {"Version": "2012-10-17", "Statement": statements(function, object_prefixes)},
            }],
        },
    }
