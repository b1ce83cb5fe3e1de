"""Alarms on the shared infrastructure and per function: RDS, RDS Proxy, ElastiCache, OpenSearch,
Route53 health checks of both backends, Lambda throttles of each function, and for each asynchronously
invoked function (the csv-parser) its errors and the depth of its on-failure queue.

They are signals like the others (only composites page, see :mod:`alarms.composites`). Route53
publishes health-check metrics in us-east-1 only and a composite cannot combine alarms of two
regions, so the health-check alarms and their composite exist only where the stack runs in
us-east-1 (docs/dashboards-and-alarms.md says what to do elsewhere).
"""

from __future__ import annotations

from collections.abc import Sequence

from alarms.model import Metric, MetricAlarm
from alarms.profiles import Profile
from runtime.telemetry import aws_metrics as aws


def _database(profile: Profile) -> list[MetricAlarm]:
    instance = {"DBInstanceIdentifier": aws.DB_INSTANCE}
    return [
        MetricAlarm(
            slug="rds-cpu",
            summary="RDS: CPU of the PostgreSQL instance high",
            runbook="database-saturated",
            limit=profile.rds_cpu_pct,
            comparison="GreaterThanThreshold",
            missing="ignore",  # a gauge: a missed minute says nothing new
            metric=Metric.aws(aws.RDS_CPU, **instance),
            stat="Average",
        ),
        MetricAlarm(
            slug="rds-freeable-memory",
            summary="RDS: freeable memory of the PostgreSQL instance low (swapping, connections at risk)",
            runbook="database-saturated",
            limit=profile.rds_freeable_memory_bytes,
            comparison="LessThanThreshold",
            missing="ignore",
            metric=Metric.aws(aws.RDS_FREEABLE_MEMORY, **instance),
            stat="Minimum",
        ),
        MetricAlarm(
            slug="rds-proxy-borrow-latency",
            summary="RDS Proxy: functions wait long to borrow a database connection (pool exhausted)",
            runbook="database-saturated",
            limit=profile.proxy_borrow_latency_us,
            comparison="GreaterThanThreshold",
            missing="notBreaching",  # published only while connections are borrowed
            metric=Metric.aws(aws.RDS_PROXY_BORROW_LATENCY, ProxyName=aws.DB_PROXY),
            stat="Average",
        ),
    ]


def _cache_and_search(profile: Profile) -> list[MetricAlarm]:
    cluster = {"CacheClusterId": aws.CACHE_CLUSTER}
    return [
        MetricAlarm(
            slug="cache-evictions",
            summary="ElastiCache: keys evicted before their TTL",
            runbook="cache-memory-pressure",
            limit=profile.cache_evictions,
            comparison="GreaterThanThreshold",
            missing="notBreaching",
            metric=Metric.aws(aws.CACHE_EVICTIONS, **cluster),
            stat="Sum",
        ),
        MetricAlarm(
            slug="cache-memory",
            summary="ElastiCache: memory used near maxmemory",
            runbook="cache-memory-pressure",
            limit=profile.cache_memory_pct,
            comparison="GreaterThanThreshold",
            missing="ignore",
            metric=Metric.aws(aws.CACHE_MEMORY, **cluster),
            stat="Maximum",
        ),
        MetricAlarm(
            slug="search-status-red",
            summary="OpenSearch: cluster status red (a primary shard is unassigned)",
            runbook="search-cluster-red",
            limit=profile.search_cluster_red,
            comparison="GreaterThanOrEqualToThreshold",
            missing="ignore",
            metric=Metric.aws(aws.SEARCH_CLUSTER_RED, DomainName=aws.SEARCH_DOMAIN, ClientId=aws.ACCOUNT),
            stat="Maximum",
        ),
    ]


def _health_checks(profile: Profile) -> list[MetricAlarm]:
    checks = (("express", aws.EXPRESS_HEALTH_CHECK), ("serverless", aws.SERVERLESS_HEALTH_CHECK))
    return [
        MetricAlarm(
            slug=f"health-check-{backend}",
            summary=f"{backend}: Route53 health checkers find GET /health failing",
            runbook="backends-unhealthy",
            limit=profile.health_check_healthy,
            comparison="LessThanThreshold",
            missing="ignore",
            metric=Metric.aws(aws.HEALTH_CHECK_STATUS, HealthCheckId=check),
            stat="Minimum",
            only_in_region=aws.HEALTH_CHECK_REGION,
            # A failing backend that holds no traffic (weight 0) is a warning; holding traffic, it pages
            # through <backend>-unreachable (alarms.symptoms).
            warns=True,
        )
        for backend, check in checks
    ]


def _function_throttles(profile: Profile, functions: Sequence[str]) -> list[MetricAlarm]:
    return [
        MetricAlarm(
            slug=f"lambda-throttles-{function}",
            summary=f"serverless: Lambda throttles the {function} function (its reserved concurrency or the account's)",
            runbook="lambda-throttles",
            limit=profile.function_throttles,
            comparison="GreaterThanThreshold",
            missing="notBreaching",
            metric=Metric.aws(aws.LAMBDA_THROTTLES, FunctionName=aws.function_name(function)),
            stat="Sum",
        )
        for function in functions
    ]


def _async_invocations(profile: Profile, functions: Sequence[str]) -> list[MetricAlarm]:
    """Errors of each asynchronously invoked function (every attempt, retries included) and records in its
    on-failure queue (events whose three attempts all failed: nothing will retry them)."""
    alarms: list[MetricAlarm] = []
    for function in (name for name in functions if name in aws.ASYNC_FUNCTIONS):
        alarms += [
            MetricAlarm(
                slug=f"async-errors-{function}",
                summary=f"serverless: {function} fails its asynchronous events (Lambda retries each twice)",
                runbook="async-failures",
                limit=profile.async_errors,
                comparison="GreaterThanThreshold",
                missing="notBreaching",  # Errors is published only while the function runs
                metric=Metric.aws(aws.LAMBDA_ERRORS, FunctionName=aws.function_name(function)),
                stat="Sum",
            ),
            MetricAlarm(
                slug=f"failure-queue-{function}",
                summary=f"serverless: events of {function} exhausted their retries and wait in its on-failure queue",
                runbook="async-failures",
                limit=profile.failure_queue_depth,
                comparison="GreaterThanThreshold",
                # A gauge; SQS stops publishing for a queue idle for six hours (then empty): keep the state.
                missing="ignore",
                metric=Metric.aws(aws.SQS_VISIBLE, QueueName=aws.failure_queue_name(function)),
                stat="Maximum",
            ),
        ]
    return alarms


def infrastructure_alarms(profile: Profile, functions: Sequence[str]) -> list[MetricAlarm]:
    """Every infrastructure and per-function alarm of ``profile``."""
    return [
        *_database(profile),
        *_cache_and_search(profile),
        *_health_checks(profile),
        *_function_throttles(profile, functions),
        *_async_invocations(profile, functions),
    ]
