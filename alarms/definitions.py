"""The metric alarms of the architecture and rollout plan, for one profile.

Every choice of statistic, ``TreatMissingData`` and ``EvaluateLowSampleCountPercentile`` is made
here on purpose; the reasons are in docs/dashboards-and-alarms.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from alarms.infrastructure import infrastructure_alarms
from alarms.model import Limit, Metric, MetricAlarm, Window
from alarms.profiles import Profile
from alarms.symptoms import symptom_alarms
from runtime.telemetry import aws_metrics as aws
from runtime.telemetry import catalogue
from runtime.telemetry.objectives import EDGES, ROLLBACK, cold_start_target_ms


def _per_backend(profile: Profile, backend: str) -> list[MetricAlarm]:
    ours = Metric.ours
    return [
        MetricAlarm(
            slug=f"error-rate-{backend}",
            summary=f"{backend}: more than the allowed share of requests answered 5xx",
            runbook="error-rate",
            limit=profile.error_rate_pct,
            comparison="GreaterThanThreshold",
            # No requests means nothing failed; during the 10% stage minutes without traffic are normal.
            missing="notBreaching",
            queries=(
                ("errors", ours(catalogue.ERRORS_5XX, backend=backend), "Sum"),
                ("requests", ours(catalogue.REQUESTS, backend=backend), "Sum"),
            ),
            # Errors5xx is only published when a 5xx happens: FILL keeps the rate defined at 0.
            expression="100 * FILL(errors, 0) / requests",
        ),
        MetricAlarm(
            slug=f"p95-latency-{backend}",
            summary=f"{backend}: p95 latency above the regional threshold",
            runbook="p95-latency",
            limit=profile.p95_latency_ms,
            comparison="GreaterThanThreshold",
            missing="notBreaching",
            metric=ours(catalogue.LATENCY, backend=backend),
            stat="p95",
            low_sample=profile.latency_low_sample,
        ),
        MetricAlarm(
            slug=f"breaker-open-{backend}",
            summary=f"{backend}: a dependency circuit breaker stays open",
            runbook="breaker-open",
            limit=profile.breaker_open,
            comparison="GreaterThanOrEqualToThreshold",
            # A gauge with no sample says nothing new: keep the state until the next sample arrives.
            missing="ignore",
            queries=tuple(
                (dep, ours(catalogue.BREAKER_STATE, backend=backend, dependency=dep), "Maximum")
                for dep in catalogue.DEPENDENCIES
            ),
            expression=f"MAX([{', '.join(catalogue.DEPENDENCIES)}])",
        ),
        MetricAlarm(
            slug=f"search-fallback-{backend}",
            summary=f"{backend}: searches keep falling back from OpenSearch to PostgreSQL",
            runbook="search-fallback",
            limit=profile.search_fallback_pct,
            comparison="GreaterThanThreshold",
            missing="notBreaching",
            queries=(
                ("fallback", ours(catalogue.SEARCH_FALLBACK, backend=backend), "Sum"),
                ("searches", ours(catalogue.SEARCH_REQUESTS, backend=backend), "Sum"),
            ),
            expression="100 * FILL(fallback, 0) / searches",
        ),
    ]


def _serverless_platform(profile: Profile, functions: Sequence[str]) -> list[MetricAlarm]:
    throttles = tuple(
        (f"t{index}", Metric.aws(aws.LAMBDA_THROTTLES, FunctionName=aws.function_name(fn)), "Sum")
        for index, fn in enumerate(functions)
    )
    return [
        MetricAlarm(
            slug="edge-5xx-rate",
            summary="serverless: API Gateway answers 5xx (includes timeouts and crashes the handler never saw)",
            runbook="edge-5xx-rate",
            limit=profile.edge_5xx_pct,
            comparison="GreaterThanThreshold",
            missing="notBreaching",
            queries=(
                ("edge5xx", Metric.aws(aws.API_5XX, ApiId=aws.API_ID), "Sum"),
                ("edgecount", Metric.aws(aws.API_COUNT, ApiId=aws.API_ID), "Sum"),
            ),
            expression="100 * FILL(edge5xx, 0) / edgecount",
        ),
        MetricAlarm(
            slug="lambda-concurrency",
            summary="serverless: account concurrent executions near the account limit",
            runbook="lambda-concurrency",
            limit=profile.concurrency_pct,
            comparison="GreaterThanThreshold",
            missing="notBreaching",
            queries=(("concurrent", Metric.aws(aws.LAMBDA_ACCOUNT_CONCURRENT), "Maximum"),),
            expression=f"100 * concurrent / {aws.CONCURRENCY_LIMIT}",
        ),
        MetricAlarm(
            slug="lambda-throttles",
            summary="serverless: Lambda throttled invocations of our functions",
            runbook="lambda-throttles",
            limit=profile.throttles,
            comparison="GreaterThanThreshold",
            missing="notBreaching",
            queries=throttles,
            expression=f"SUM([{', '.join(query_id for query_id, _, _ in throttles)}])",
        ),
    ]


def cold_start_slug(function: str) -> str:
    return f"cold-start-{function}"


def _cold_starts(profile: Profile, functions: Sequence[str]) -> list[MetricAlarm]:
    """Per function with a target: p99 of what a cold start's first caller waited (init plus that request)."""
    alarms = []
    for function in functions:
        target = cold_start_target_ms(function)
        if target is None:  # invoked asynchronously: nobody waits for its cold starts
            continue
        alarms.append(MetricAlarm(
            slug=cold_start_slug(function),
            summary=f"serverless: p99 cold start of {function} (init plus its first request) above its "
            f"{target:g} ms target",
            runbook="cold-start-p99",
            limit=Limit(target, profile.cold_start_window),
            comparison="GreaterThanThreshold",
            # No cold start in a period is the good case.
            missing="notBreaching",
            metric=Metric.ours(catalogue.COLD_START_DURATION, function=function),
            stat="p99",
            # Cold starts are rare by design: 10/(1-0.99) = 1000 per period never happens, so "ignore" would
            # silence this alarm for ever. Evaluate whatever samples there are.
            low_sample="evaluate",
            # Slow first requests are worth a look, not a night: the latency objective pages if they burn it.
            warns=True,
        ))
    return alarms


def rollback_alarm() -> MetricAlarm:
    """The seeds' rollback criteria at serverless's edge: 5xx share or p95 above the limit, three minutes running.

    One alarm for both limits (a normalised score: each limit is 1), so its composite stays small."""
    edge = EDGES[catalogue.SERVERLESS]
    dims = edge.dims()
    period = ROLLBACK.period_s
    return MetricAlarm(
        slug="rollback-serverless",
        summary=f"serverless breaches the rollback criteria at the edge: 5xx above {ROLLBACK.error_rate:.0%} or p95 "
        f"above {ROLLBACK.p95_ms:.0f} ms in {ROLLBACK.periods} periods running",
        runbook="serverless-rollback",
        limit=Limit(1.0, Window(period, ROLLBACK.periods, ROLLBACK.periods)),
        comparison="GreaterThanThreshold",
        missing="notBreaching",  # serverless holds no traffic: nothing to roll back (silence is silent-serverless)
        queries=(
            ("bad", Metric.aws(edge.failures[0], **dims), "Sum"),
            ("requests", Metric.aws(edge.requests, **dims), "Sum"),
            ("p95", Metric.aws(edge.latency, **dims), "p95"),
        ),
        expression=(
            f"MAX([FILL(bad, 0) / requests / {ROLLBACK.error_rate:g}, "
            f"p95 / {edge.latency_value(ROLLBACK.p95_ms):g}])"
        ),
    )


def metric_alarms(profile: Profile, functions: Sequence[str]) -> list[MetricAlarm]:
    """Every metric alarm of ``profile``; ``functions`` are the Lambda functions of the stack."""
    alarms: list[MetricAlarm] = [*symptom_alarms(), rollback_alarm()]
    for backend in catalogue.BACKENDS:
        alarms.extend(_per_backend(profile, backend))
    alarms.extend(_serverless_platform(profile, functions))
    alarms.extend(_cold_starts(profile, functions))
    alarms.extend(infrastructure_alarms(profile, functions))
    return alarms
