"""Composite alarms: they page only when independent signals agree.

Each page needs corroboration: the app's own metrics (EMF) and a second signal (latency, the API
Gateway edge, the other backend, or Lambda's platform metrics). A deploy-window alarm suppresses
their actions while a deployment runs (see ``DEPLOY_WINDOW``).
"""

from __future__ import annotations

from alarms.model import CompositeAlarm
from alarms.profiles import Profile

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
    "express-degraded": (
        "express: 5xx rate high AND (p95 latency high OR a dependency breaker stays open)",
        "ALARM({error-rate-express}) AND (ALARM({p95-latency-express}) OR ALARM({breaker-open-express}))",
    ),
    "serverless-degraded": (
        "serverless: app 5xx rate high AND (p95 latency high OR API Gateway edge 5xx high)",
        "ALARM({error-rate-serverless}) AND (ALARM({p95-latency-serverless}) OR ALARM({edge-5xx-rate}))",
    ),
    "serverless-capacity": (
        "serverless: throttling AND (concurrency near the account limit OR slow cold starts)",
        "ALARM({lambda-throttles}) AND (ALARM({lambda-concurrency}) OR ALARM({cold-start-p99}))",
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
}


def composite_alarms(profile: Profile) -> list[CompositeAlarm]:
    """The paging composites of ``profile``, each suppressed by the deploy window."""
    return [
        CompositeAlarm(
            slug=slug,
            summary=summary,
            runbook=slug,
            rule=rule,
            suppressor=DEPLOY_WINDOW.slug,
            wait_period=profile.suppressor_wait_s,
            extension_period=profile.suppressor_extension_s,
        )
        for slug, (summary, rule) in _PAGING_RULES.items()
    ]
