"""Serverless service detail: Lambda per function, the asynchronous invocations (the csv-parser's events and its
on-failure queue), the HTTP API, RDS / RDS Proxy, ElastiCache, OpenSearch.

These are AWS's own metrics; they explain *why* a comparison line on the express-vs-serverless
dashboard moved (throttles, integration latency, a hot database, evictions, a red cluster).
"""

from __future__ import annotations

from collections.abc import Sequence

from dashboards.body import Dashboard
from dashboards.facade import per_resource
from dashboards.widgets import Text
from runtime.telemetry import aws_metrics as m

LAMBDA_PERCENTILES = ("p50", "p95", "p99")


def build(functions: Sequence[str]) -> Dashboard:
    """The detail dashboard for the stack's Lambda ``functions``."""
    per_function = {fn: {"FunctionName": m.function_name(fn)} for fn in functions}
    api = {"HTTP API": {"ApiId": m.API_ID}}
    instance = {"instance": {"DBInstanceIdentifier": m.DB_INSTANCE}}
    proxy = {"proxy": {"ProxyName": m.DB_PROXY}}
    cache = {"redis": {"CacheClusterId": m.CACHE_CLUSTER}}
    domain = {"domain": {"DomainName": m.SEARCH_DOMAIN, "ClientId": m.ACCOUNT}}
    lambda_row = (
        per_resource(m.LAMBDA_INVOCATIONS, "Lambda invocations", per_function, width=6),
        per_resource(m.LAMBDA_ERRORS, "Lambda errors", per_function, width=6),
        per_resource(m.LAMBDA_THROTTLES, "Lambda throttles", per_function, width=6),
        per_resource(m.LAMBDA_CONCURRENT, "Concurrent executions", per_function, ("Maximum",), width=6),
    )
    duration_row = tuple(
        per_resource(m.LAMBDA_DURATION, f"Lambda duration {pct}", per_function, (pct,)) for pct in LAMBDA_PERCENTILES
    )
    asynchronous = {fn: {"FunctionName": m.function_name(fn)} for fn in functions if fn in m.ASYNC_FUNCTIONS}
    queues = {f"{fn} failures": {"QueueName": m.failure_queue_name(fn)} for fn in asynchronous}
    async_row = (
        per_resource(m.LAMBDA_ASYNC_EVENTS_RECEIVED, "Async events received", asynchronous, width=6),
        per_resource(m.LAMBDA_ASYNC_EVENT_AGE, "Async event age (ms)", asynchronous, ("Maximum",), width=6),
        per_resource(m.LAMBDA_ASYNC_EVENTS_DROPPED, "Async events dropped", asynchronous, width=6),
        per_resource(m.SQS_VISIBLE, "On-failure queue depth", queues, ("Maximum",), width=6),
    ) if asynchronous else ()
    api_row = (
        per_resource(m.API_COUNT, "API requests", api, width=6),
        per_resource(m.API_4XX, "API 4xx", api, width=6),
        per_resource(m.API_5XX, "API 5xx", api, width=6),
        per_resource(m.API_LATENCY, "API latency", api, LAMBDA_PERCENTILES, width=6),
    )
    data_row = (
        per_resource(m.API_INTEGRATION_LATENCY, "Integration latency", api, ("p50", "p95"), width=6),
        per_resource(m.RDS_CONNECTIONS, "RDS connections", instance, ("Maximum",), width=6),
        per_resource(m.RDS_PROXY_CONNECTIONS, "RDS Proxy DB connections", proxy, ("Maximum",), width=6),
        per_resource(m.RDS_PROXY_CLIENT_CONNECTIONS, "RDS Proxy client connections", proxy, ("Maximum",), width=6),
    )
    cache_row = (
        per_resource(m.RDS_CPU, "RDS CPU %", instance, ("Average",), width=6),
        per_resource(m.CACHE_CPU, "ElastiCache engine CPU %", cache, ("Average",), width=6),
        per_resource(m.CACHE_EVICTIONS, "ElastiCache evictions", cache, width=6),
        per_resource(m.CACHE_HIT_RATE, "ElastiCache hit rate %", cache, ("Average",), width=6),
    )
    search_row = (
        per_resource(m.SEARCH_CLUSTER_RED, "OpenSearch cluster red", domain, ("Maximum",), width=8),
        per_resource(m.SEARCH_CLUSTER_YELLOW, "OpenSearch cluster yellow", domain, ("Maximum",), width=8),
        per_resource(m.SEARCH_LATENCY, "OpenSearch search latency", domain, ("Average", "p95"), width=8),
    )
    intro = Text("# Serverless service detail\nAWS/Lambda per function, asynchronous invocations (events, their age, "
                 "the on-failure queue), the HTTP API, RDS, ElastiCache and OpenSearch.")
    return Dashboard(
        f"{m.SERVICE}-serverless-detail",
        tuple(row for row in ((intro,), lambda_row, duration_row, async_row, api_row, data_row, cache_row, search_row)
              if row),
    )
