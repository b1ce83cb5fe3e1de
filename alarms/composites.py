"""Composite alarms: they page only when independent signals agree.

Each page needs corroboration: the app's own metrics (EMF) and a second signal (latency, the API
Gateway edge, the other backend, or Lambda's platform metrics). A deploy-window alarm suppresses
their actions while a deployment runs (see ``DEPLOY_WINDOW``).
"""

from __future__ import annotations

from collections.abc import Sequence

from alarms.definitions import cold_start_slug
from alarms.model import CompositeAlarm
from alarms.profiles import Profile
from alarms.routing import ROLLBACK_FUNCTION
from alarms.symptoms import symptom_composites, unreachable_composite
from runtime.telemetry.aws_metrics import ASYNC_FUNCTIONS, HEALTH_CHECK_REGION
from runtime.telemetry.catalogue import BACKENDS
from runtime.telemetry.objectives import cold_start_target_ms

DEPLOY_WINDOW = CompositeAlarm(
    slug="deploy-window",
    summary=(
        "Deploy window switch: the pipeline sets it to ALARM with SetAlarmState when a deploy starts "
        "and back to OK when it ends. Its rule is FALSE, so nothing else ever changes its state."
    ),
    runbook="deploy-window",
    rule="FALSE",
    pages=False,
)

# slug -> (what it means, rule over child slugs)
_PAGING_RULES: dict[str, tuple[str, str]] = {
    "database-saturated": (
        "PostgreSQL saturated: functions wait for RDS Proxy connections AND the instance runs out of CPU "
        "or memory (either alone is load the database absorbs)",
        "ALARM({rds-proxy-borrow-latency}) AND (ALARM({rds-cpu}) OR ALARM({rds-freeable-memory}))",
    ),
    "cache-memory-pressure": (
        "Redis too small: keys are evicted AND memory is at maxmemory (evictions alone can be a policy)",
        "ALARM({cache-evictions}) AND ALARM({cache-memory})",
    ),
    "search-cluster-red": (
        "OpenSearch cluster red: a primary shard is unassigned, writes to it fail and its documents are "
        "missing from searches (AWS's own status, no second signal needed)",
        "ALARM({search-status-red})",
    ),
    "express-degraded": (
        "express: 5xx rate high AND (p95 latency high OR a dependency breaker stays open)",
        "ALARM({error-rate-express}) AND (ALARM({p95-latency-express}) OR ALARM({breaker-open-express}))",
    ),
    "serverless-degraded": (
        "serverless: app 5xx rate high AND (p95 latency high OR API Gateway edge 5xx high)",
        "ALARM({error-rate-serverless}) AND (ALARM({p95-latency-serverless}) OR ALARM({edge-5xx-rate}))",
    ),
    "serverless-capacity": (
        "serverless: throttling (all functions together or one of them) AND (concurrency near the account "
        "limit OR slow cold starts of any function)",
        "({throttles}) AND (ALARM({lambda-concurrency}) OR {cold_starts})",
    ),
    "dependency-outage": (
        "both backends hold a dependency breaker open: the dependency itself is down, not one backend",
        "ALARM({breaker-open-express}) AND ALARM({breaker-open-serverless})",
    ),
    "search-degraded": (
        "both backends keep falling back to PostgreSQL search; stays quiet while dependency-outage "
        "already pages for open breakers on both backends (one cause, one page)",
        "ALARM({search-fallback-express}) AND ALARM({search-fallback-serverless}) "
        "AND NOT (ALARM({breaker-open-express}) AND ALARM({breaker-open-serverless}))",
    ),
    "backends-unhealthy": (
        "both backends fail Route53's GET /health: the API is down for everyone, whichever way traffic is split; "
        "stays quiet while a backend holding traffic already pages as unreachable (one cause, one page each)",
        "ALARM({health-check-express}) AND ALARM({health-check-serverless}) "
        "AND NOT (ALARM({express-unreachable}) OR ALARM({serverless-unreachable}))",
    ),
}


# Composites whose children exist in one region only (Route53's health-check metrics).
_REGION_BOUND = {"backends-unhealthy": HEALTH_CHECK_REGION}


def _throttles(functions: Sequence[str]) -> str:
    """Any throttle signal: the sum over functions, or one function's own."""
    slugs = ["lambda-throttles", *(f"lambda-throttles-{function}" for function in functions)]
    return " OR ".join(f"ALARM({{{slug}}})" for slug in slugs)


def _cold_starts(functions: Sequence[str]) -> str:
    """Any function's cold starts over its target (FALSE when no function has one)."""
    slugs = [cold_start_slug(function) for function in functions if cold_start_target_ms(function) is not None]
    return " OR ".join(f"ALARM({{{slug}}})" for slug in slugs) or "FALSE"


def _async_failures(profile: Profile, functions: Sequence[str]) -> list[CompositeAlarm]:
    """Per asynchronously invoked function: its events are being lost, not only retried."""
    return [
        CompositeAlarm(
            slug=f"async-failures-{function}",
            summary=f"{function}: events fail all three attempts (errors above the limit AND records in the "
                    "on-failure queue): imports stay undone until someone redrives them",
            runbook="async-failures",
            rule=f"ALARM({{async-errors-{function}}}) AND ALARM({{failure-queue-{function}}})",
            suppressor=DEPLOY_WINDOW.slug,
            wait_period=profile.suppressor_wait_s,
            extension_period=profile.suppressor_extension_s,
        )
        for function in functions
        if function in ASYNC_FUNCTIONS
    ]


SERVERLESS_ROLLBACK = CompositeAlarm(
    slug="serverless-rollback",
    summary="serverless breaches the rollback criteria at the edge, or the edge sees requests serverless never "
    "reports: the stack's rollback function sets useServerless=false and the weights to 100/0",
    runbook="serverless-rollback",
    rule="ALARM({rollback-serverless}) OR ALARM({silent-serverless})",
    pages=False,  # the incident pages through serverless-users-failing; this one acts
    invokes=(ROLLBACK_FUNCTION,),
)


def composite_alarms(profile: Profile, functions: Sequence[str]) -> list[CompositeAlarm]:
    """The paging composites of ``profile`` for the stack's ``functions``: symptoms (never suppressed), the
    rollback action, and causes (each suppressed by the deploy window)."""
    return [
        *symptom_composites(),
        *(unreachable_composite(backend, f"health-check-{backend}", HEALTH_CHECK_REGION) for backend in BACKENDS),
        SERVERLESS_ROLLBACK,
        *(
            CompositeAlarm(
                slug=slug,
                summary=summary,
                runbook=slug,
                rule=rule.replace("{throttles}", _throttles(functions))
                .replace("{cold_starts}", _cold_starts(functions)),
                suppressor=DEPLOY_WINDOW.slug,
                wait_period=profile.suppressor_wait_s,
                extension_period=profile.suppressor_extension_s,
                only_in_region=_REGION_BOUND.get(slug),
            )
            for slug, (summary, rule) in _PAGING_RULES.items()
        ),
        *_async_failures(profile, functions),
    ]
