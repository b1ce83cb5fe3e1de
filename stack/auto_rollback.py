"""The rollback function: ``serverless-rollback``'s alarm action, running where the stack runs.

Its code is ``rollout/auto_rollback.py`` (the same parts as ``brickguard rollout rollback``), in a package
of its own (``RollbackCodeS3Key``), never in the API functions' zip. Its role reaches only what a rollback
touches: the two weighted records
of ``ApiRecordName`` in ``HostedZoneId`` (the record-name condition), ``config.json`` and the
``rollout/audit/`` records of the config bucket, and its own log group. CloudWatch alarms may invoke it
only from that one alarm (``lambda.alarms.cloudwatch.amazonaws.com`` with the alarm's ARN as source).
"""

from __future__ import annotations

from typing import Any

from runtime.telemetry.aws_metrics import function_name
from stack.functions import ARCHITECTURE, RUNTIME
from stack.intrinsics import get_att, ref
from stack.traffic import CONFIG_BUCKET

FUNCTION = "RollbackFunction"
ROLE = "RollbackFunctionRole"
LOG_GROUP = "RollbackFunctionLogGroup"
NAME = function_name("rollback")
HANDLER = "rollout.auto_rollback.handler"
TIMEOUT_SECONDS = 120  # Route53 INSYNC is awaited up to 60 s; S3 writes take milliseconds
ALARM_ARN = "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:${ServiceName}-serverless-rollback"
CONFIG_OBJECT = "config.json"
AUDIT_PREFIX = "rollout/audit/"


def _policy() -> dict[str, Any]:
    zone = {"Fn::Sub": "arn:${AWS::Partition}:route53:::hostedzone/${HostedZoneId}"}
    bucket = get_att(CONFIG_BUCKET, "Arn")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "TheWeightedRecords", "Effect": "Allow", "Action": "route53:ChangeResourceRecordSets",
             "Resource": zone,
             "Condition": {"ForAllValues:StringEquals": {
                 "route53:ChangeResourceRecordSetsNormalizedRecordNames": [ref("ApiRecordName")],
                 "route53:ChangeResourceRecordSetsActions": ["UPSERT"],
             }}},
            {"Sid": "ReadTheRecords", "Effect": "Allow", "Action": "route53:ListResourceRecordSets", "Resource": zone},
            {"Sid": "WaitForInsync", "Effect": "Allow", "Action": "route53:GetChange",
             "Resource": {"Fn::Sub": "arn:${AWS::Partition}:route53:::change/*"}},
            {"Sid": "TheConfigObject", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
             "Resource": {"Fn::Join": ["", [bucket, f"/{CONFIG_OBJECT}"]]}},
            {"Sid": "TheAuditRecords", "Effect": "Allow", "Action": "s3:PutObject",
             "Resource": {"Fn::Join": ["", [bucket, f"/{AUDIT_PREFIX}*"]]}},
            {"Sid": "OwnLogGroup", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": {"Fn::Sub": f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:"
                                     f"log-group:/aws/lambda/{NAME}:*"}},
        ],
    }


def resources() -> dict[str, Any]:
    return {
        LOG_GROUP: {
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {"LogGroupName": {"Fn::Sub": f"/aws/lambda/{NAME}"},
                           "RetentionInDays": ref("LogRetentionDays")},
        },
        ROLE: {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                   "Action": "sts:AssumeRole"}],
                },
                "Policies": [{"PolicyName": "rollback", "PolicyDocument": _policy()}],
            },
        },
        FUNCTION: {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": {"Fn::Sub": NAME},
                "Description": "serverless-rollback's alarm action: useServerless=false, weights 100/0, audit",
                "Handler": HANDLER,
                "Runtime": RUNTIME,
                "Architectures": [ARCHITECTURE],
                "MemorySize": 256,
                "Timeout": TIMEOUT_SECONDS,
                "ReservedConcurrentExecutions": 1,  # one rollback at a time
                "Role": get_att(ROLE, "Arn"),
                "Code": {"S3Bucket": ref("CodeS3Bucket"), "S3Key": ref("RollbackCodeS3Key")},
                "LoggingConfig": {"LogGroup": ref(LOG_GROUP), "LogFormat": "Text"},
                "Environment": {"Variables": {
                    "CONFIG_BUCKET": ref(CONFIG_BUCKET),
                    "HOSTED_ZONE_ID": ref("HostedZoneId"),
                    "RECORD_NAME": ref("ApiRecordName"),
                }},
            },
        },
        "RollbackFunctionAlarmPermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": get_att(FUNCTION, "Arn"),
                "Action": "lambda:InvokeFunction",
                "Principal": "lambda.alarms.cloudwatch.amazonaws.com",
                "SourceAccount": ref("AWS::AccountId"),
                "SourceArn": {"Fn::Sub": ALARM_ARN},
            },
        },
    }
