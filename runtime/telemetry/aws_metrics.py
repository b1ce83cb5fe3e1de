"""AWS-published metrics (AWS/Lambda, AWS/ApiGateway, AWS/ApplicationELB, AWS/RDS, AWS/ElastiCache, AWS/ES,
AWS/Route53, AWS/SQS).

These names are AWS's, not ours, so they are not in the metric catalogue (which lists what the runtime
emits); this module is the one place that spells them, beside the catalogue, for dashboards and alarms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LAMBDA = "AWS/Lambda"
API_GATEWAY = "AWS/ApiGateway"
RDS = "AWS/RDS"
ELASTICACHE = "AWS/ElastiCache"
OPENSEARCH = "AWS/ES"
ROUTE53 = "AWS/Route53"
SQS = "AWS/SQS"
APPLICATION_ELB = "AWS/ApplicationELB"


@dataclass(frozen=True, slots=True)
class AwsMetric:
    """One AWS metric: namespace, name and the dimension names it is published with."""

    namespace: str
    name: str
    dimensions: tuple[str, ...] = ()


# Lambda, per function (FunctionName) or account-wide (no dimensions).
LAMBDA_INVOCATIONS = AwsMetric(LAMBDA, "Invocations", ("FunctionName",))
LAMBDA_ERRORS = AwsMetric(LAMBDA, "Errors", ("FunctionName",))
LAMBDA_THROTTLES = AwsMetric(LAMBDA, "Throttles", ("FunctionName",))
LAMBDA_DURATION = AwsMetric(LAMBDA, "Duration", ("FunctionName",))
LAMBDA_CONCURRENT = AwsMetric(LAMBDA, "ConcurrentExecutions", ("FunctionName",))
LAMBDA_ACCOUNT_CONCURRENT = AwsMetric(LAMBDA, "ConcurrentExecutions")
# Not AWS's: the local Lambda of ``brickguard up`` counts invocations that waited for the machine's caps
# (environments per function, in total) where Lambda would have run them at once (docs/local-aws.md).
LOCAL_LAMBDA_QUEUED = AwsMetric("Brickguard/LocalLambda", "LocalQueued", ("FunctionName",))
# Lambda's asynchronous invocations (``Event``): events queued, their age in the queue (ms), events
# dropped unprocessed, and records that could not be delivered to the on-failure destination.
LAMBDA_ASYNC_EVENTS_RECEIVED = AwsMetric(LAMBDA, "AsyncEventsReceived", ("FunctionName",))
LAMBDA_ASYNC_EVENT_AGE = AwsMetric(LAMBDA, "AsyncEventAge", ("FunctionName",))
LAMBDA_ASYNC_EVENTS_DROPPED = AwsMetric(LAMBDA, "AsyncEventsDropped", ("FunctionName",))
LAMBDA_DESTINATION_DELIVERY_FAILURES = AwsMetric(LAMBDA, "DestinationDeliveryFailures", ("FunctionName",))

# SQS, per queue: the on-failure destinations of the asynchronously invoked functions.
SQS_VISIBLE = AwsMetric(SQS, "ApproximateNumberOfMessagesVisible", ("QueueName",))
SQS_OLDEST_AGE = AwsMetric(SQS, "ApproximateAgeOfOldestMessage", ("QueueName",))  # seconds

# API Gateway HTTP API (v2 spells its status metrics "4xx"/"5xx", unlike REST's "5XXError").
API_COUNT = AwsMetric(API_GATEWAY, "Count", ("ApiId",))
API_4XX = AwsMetric(API_GATEWAY, "4xx", ("ApiId",))
API_5XX = AwsMetric(API_GATEWAY, "5xx", ("ApiId",))
API_LATENCY = AwsMetric(API_GATEWAY, "Latency", ("ApiId",))
API_INTEGRATION_LATENCY = AwsMetric(API_GATEWAY, "IntegrationLatency", ("ApiId",))

# The Application Load Balancer in front of express (dimension ``LoadBalancer`` = ``app/<name>/<id>``). ELB publishes
# only while requests flow. Target 5xx are express's own answers; ELB 5xx are the load balancer's (502 when
# express refuses or resets, 503 without healthy registered target, 504 when express does not answer in time).
# TargetResponseTime is in **seconds** (request leaves the load balancer -> response headers from the target);
# HealthyHostCount exists per target group only (``TargetGroup`` + ``LoadBalancer``).
ALB_REQUESTS = AwsMetric(APPLICATION_ELB, "RequestCount", ("LoadBalancer",))
ALB_TARGET_4XX = AwsMetric(APPLICATION_ELB, "HTTPCode_Target_4XX_Count", ("LoadBalancer",))
ALB_TARGET_5XX = AwsMetric(APPLICATION_ELB, "HTTPCode_Target_5XX_Count", ("LoadBalancer",))
ALB_ELB_5XX = AwsMetric(APPLICATION_ELB, "HTTPCode_ELB_5XX_Count", ("LoadBalancer",))
ALB_TARGET_RESPONSE_TIME = AwsMetric(APPLICATION_ELB, "TargetResponseTime", ("LoadBalancer",))
ALB_HEALTHY_HOSTS = AwsMetric(APPLICATION_ELB, "HealthyHostCount", ("TargetGroup", "LoadBalancer"))
ALB_SECONDS_TO_MS = 1000.0

# RDS instance and RDS Proxy.
RDS_CONNECTIONS = AwsMetric(RDS, "DatabaseConnections", ("DBInstanceIdentifier",))
RDS_CPU = AwsMetric(RDS, "CPUUtilization", ("DBInstanceIdentifier",))
RDS_FREEABLE_MEMORY = AwsMetric(RDS, "FreeableMemory", ("DBInstanceIdentifier",))  # bytes
RDS_PROXY_BORROW_LATENCY = AwsMetric(RDS, "DatabaseConnectionsBorrowLatency", ("ProxyName",))  # microseconds
RDS_PROXY_CONNECTIONS = AwsMetric(RDS, "DatabaseConnections", ("ProxyName",))
RDS_PROXY_CLIENT_CONNECTIONS = AwsMetric(RDS, "ClientConnections", ("ProxyName",))

# ElastiCache (Redis/Valkey), per cache cluster.
CACHE_CPU = AwsMetric(ELASTICACHE, "EngineCPUUtilization", ("CacheClusterId",))
CACHE_EVICTIONS = AwsMetric(ELASTICACHE, "Evictions", ("CacheClusterId",))
CACHE_HIT_RATE = AwsMetric(ELASTICACHE, "CacheHitRate", ("CacheClusterId",))
CACHE_MEMORY = AwsMetric(ELASTICACHE, "DatabaseMemoryUsagePercentage", ("CacheClusterId",))

# Route53 health checks publish only in us-east-1, whatever region the stack runs in.
HEALTH_CHECK_STATUS = AwsMetric(ROUTE53, "HealthCheckStatus", ("HealthCheckId",))
HEALTH_CHECK_REGION = "us-east-1"

# Amazon OpenSearch Service publishes under the legacy AWS/ES namespace.
SEARCH_CLUSTER_RED = AwsMetric(OPENSEARCH, "ClusterStatus.red", ("DomainName", "ClientId"))
SEARCH_CLUSTER_YELLOW = AwsMetric(OPENSEARCH, "ClusterStatus.yellow", ("DomainName", "ClientId"))
SEARCH_LATENCY = AwsMetric(OPENSEARCH, "SearchLatency", ("DomainName", "ClientId"))

# Placeholders for deployment values, resolved by the CloudFormation template (Fn::Sub) or by
# ``brickguard deploy`` (plain substitution). Declarations never hold a concrete account or name.
SERVICE = "${ServiceName}"
REGION = "${AWS::Region}"
ACCOUNT = "${AWS::AccountId}"
PARTITION = "${AWS::Partition}"
API_ID = "${HttpApi}"
CONCURRENCY_LIMIT = "${AccountConcurrencyLimit}"
RUNBOOK_BASE_URL = "${RunbookBaseUrl}"
DB_INSTANCE = "${DatabaseInstanceId}"
DB_PROXY = "${DatabaseProxyName}"
CACHE_CLUSTER = "${CacheClusterId}"
SEARCH_DOMAIN = "${SearchDomainName}"
EXPRESS_HEALTH_CHECK = "${ExpressHealthCheck}"
SERVERLESS_HEALTH_CHECK = "${ServerlessHealthCheck}"
EXPRESS_LOAD_BALANCER = "${ExpressLoadBalancer}"
EXPRESS_TARGET_GROUP = "${ExpressTargetGroup}"


PLACEHOLDER_NAME = re.compile(r"^\$\{([A-Za-z0-9:._]+)\}$")
"""A whole placeholder, ``${HttpApi}`` -> ``HttpApi``: what a deployment gives a concrete value for."""


def function_name(function: str) -> str:
    """The deployed Lambda function name for one function of the architecture."""
    return f"{SERVICE}-{function}"


# Functions of the architecture invoked asynchronously (``Event``), with an on-failure SQS queue each;
# tests/stack checks this against the function table (the functions without routes).
ASYNC_FUNCTIONS = ("csv-parser",)


def failure_queue_name(function: str) -> str:
    """The SQS on-failure destination of an asynchronously invoked function (``brickguard up`` names its local
    queue the same way, devstack/lambda_/failure_queue.py)."""
    return f"{function_name(function)}-failures"
