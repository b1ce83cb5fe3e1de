"""One execution role per function, granting only what that function does.

- write to its own log group;
- X-Ray segments (``Resource: *`` — X-Ray has no resource-level permissions);
- VPC network interfaces (``Resource: *`` — EC2 has none for these actions; the same list as
  AWS's ``AWSLambdaVPCAccessExecutionRole``, inline so the walk in tests/stack sees it);
- the database: ``rds-db:connect`` for its proxy user, or read the one database secret;
- objects under its own prefixes of the upload bucket (``images/`` for gallery, ...), where it has any:
  read and write, or read only (the csv-parser reads the CSVs under ``mocs/``);
- delete (and list) under every object prefix: the outbox that retries S3 deletes is drained by
  whichever function commits next or answers a keep-warm ping, so a function holding another's
  pending delete must be able to apply it (otherwise the batch, and every delete after it, waits);
- ``lambda:InvokeFunction`` on itself, unqualified and ``:live``, for the keep-warm fan-out (functions
  kept warm only);
- ``lambda:InvokeFunction`` on the ``:live`` alias of each function it invokes asynchronously
  (upload → csv-parser), nothing else;
- ``sqs:SendMessage`` to its on-failure queue, for a function invoked asynchronously: Lambda sends
  the invocation record with the function's own role;
- the user pool's profile calls (:data:`USER_POOL_ACTIONS`) on the one pool ``CognitoUserPoolId``,
  for the functions that read or write profiles (profile): nothing else of Cognito.

``STAR_ACTIONS`` lists every action allowed on ``*``; tests/stack walks the template against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
USER_POOL_ACTIONS = (
    "cognito-idp:AdminGetUser",  # name, picture, email of a profile
    "cognito-idp:AdminUpdateUserAttributes",  # PATCH name, avatar upload sets picture
    "cognito-idp:AdminDeleteUserAttributes",  # avatar removal clears picture
)
USER_POOL_ARN = "arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/${CognitoUserPoolId}"
# Actions whose service does not support resource-level permissions: the only ones allowed on "*".
# ``route53:GetChange`` reads a change whose id the change call itself makes: granted on ``change/*``
# (the rollback function waiting for INSYNC, stack/auto_rollback.py).
STAR_ACTIONS = frozenset({*XRAY_ACTIONS, *VPC_ACTIONS, "route53:GetChange"})
FUNCTION_ARN = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:" + function_name("{name}")
# The log group's streams (":*"), spelled out rather than GetAtt: the role must not wait for the group.
LOG_GROUP_ARN = (
    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/"
    + function_name("{name}") + ":*"
)
PROXY_USER_ARN = (
    "arn:${AWS::Partition}:rds-db:${AWS::Region}:${AWS::AccountId}:dbuser:${DatabaseProxyResourceId}/${DatabaseUser}"
)


@dataclass(frozen=True)
class ObjectAccess:
    """One function's prefixes of the upload bucket (api/object_keys.py's keys)."""

    read_write: tuple[str, ...] = ()
    read_only: tuple[str, ...] = ()

    @property
    def prefixes(self) -> tuple[str, ...]:
        return (*self.read_write, *self.read_only)


@dataclass(frozen=True)
class RoleGrants:
    """Everything a function's role grants beyond logs, X-Ray, the VPC and the database."""

    objects: ObjectAccess = ObjectAccess()
    drained_prefixes: tuple[str, ...] = ()
    """Object prefixes whose pending deletes the function's outbox drain may apply."""
    keep_warm: bool = True
    invokes: tuple[str, ...] = ()
    """Functions it invokes asynchronously (their ``:live`` alias)."""
    failure_queue: str | None = None
    """Logical id of its on-failure SQS queue, when it is invoked asynchronously."""
    user_pool: bool = False
    """Reads and writes profiles in the Cognito user pool."""


def role_logical_id(function: str) -> str:
    return f"{pascal(function)}Role"


def live_alias_arn(function: str) -> dict[str, str]:
    return {"Fn::Sub": FUNCTION_ARN.replace("{name}", function) + ":live"}


def _function_arns(function: str) -> list[dict[str, str]]:
    """The function unqualified and its ``live`` alias."""
    return [{"Fn::Sub": FUNCTION_ARN.replace("{name}", function)}, live_alias_arn(function)]


def _database_statement() -> dict[str, Any]:
    secret = {"Sid": "ReadDatabaseSecret", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
              "Resource": ref("DatabaseSecretArn")}
    token = {"Sid": "ConnectThroughProxy", "Effect": "Allow", "Action": "rds-db:connect",
             "Resource": {"Fn::Sub": PROXY_USER_ARN}}
    return {"Fn::If": ["UseDatabaseSecret", secret, token]}


def _objects(prefixes: Sequence[str]) -> list[dict[str, str]]:
    return [{"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{UploadBucketName}}/{prefix}*"} for prefix in prefixes]


def _object_statements(access: ObjectAccess, drained: Sequence[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if access.read_write:
        found.append({"Sid": "OwnObjects", "Effect": "Allow",
                      "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                      "Resource": _objects(access.read_write)})
    if access.read_only:
        found.append({"Sid": "ReadObjects", "Effect": "Allow", "Action": "s3:GetObject",
                      "Resource": _objects(access.read_only)})
    if drained:
        found.append({"Sid": "ApplyOutboxDeletes", "Effect": "Allow", "Action": "s3:DeleteObject",
                      "Resource": _objects(drained)})
    listed = list(dict.fromkeys((*access.prefixes, *drained)))
    if listed:  # without ListBucket a missing key answers 403, not 404; a prefix delete lists first
        found.append({"Sid": "ListPrefixes", "Effect": "Allow", "Action": "s3:ListBucket",
                      "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${UploadBucketName}"},
                      "Condition": {"StringLike": {"s3:prefix": [f"{prefix}*" for prefix in listed]}}})
    return found


def statements(function: str, grants: RoleGrants = RoleGrants()) -> list[Any]:
    """The policy statements of ``function``'s role."""
    found: list[Any] = [
        {"Sid": "OwnLogGroup", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": {"Fn::Sub": LOG_GROUP_ARN.replace("{name}", function)}},
        {"Sid": "XRay", "Effect": "Allow", "Action": list(XRAY_ACTIONS), "Resource": "*"},
        {"Sid": "VpcNetworkInterfaces", "Effect": "Allow", "Action": list(VPC_ACTIONS), "Resource": "*"},
        _database_statement(),
    ]
    if grants.keep_warm:
        found.append({"Sid": "KeepWarmFanOut", "Effect": "Allow", "Action": "lambda:InvokeFunction",
                      "Resource": _function_arns(function)})
    if grants.invokes:
        found.append({"Sid": "InvokeAsynchronously", "Effect": "Allow", "Action": "lambda:InvokeFunction",
                      "Resource": [live_alias_arn(target) for target in grants.invokes]})
    if grants.failure_queue:
        found.append({"Sid": "OnFailureDestination", "Effect": "Allow", "Action": "sqs:SendMessage",
                      "Resource": {"Fn::GetAtt": [grants.failure_queue, "Arn"]}})
    if grants.user_pool:
        found.append({"Sid": "UserPoolProfiles", "Effect": "Allow", "Action": list(USER_POOL_ACTIONS),
                      "Resource": {"Fn::Sub": USER_POOL_ARN}})
    return found + _object_statements(grants.objects, grants.drained_prefixes)


def role(function: str, grants: RoleGrants = RoleGrants()) -> dict[str, Any]:
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
                "PolicyDocument": {"Version": "2012-10-17", "Statement": statements(function, grants)},
            }],
        },
    }
