"""PagerDuty routing: alarm names, dedupe keys, runbook links and which alarms page or warn.

Only composite alarms page: their ALARM and OK actions publish to one SNS topic whose HTTPS
subscription is the PagerDuty CloudWatch integration URL. Metric alarms are signals, shown on the
alarms dashboard and combined by composites; a few also notify the *warning route* (SNS
``<service>-warnings``, looked at in working hours, never paging): a backend's health check failing
while it holds no traffic, slow cold starts.
"""

from __future__ import annotations

from alarms import symptoms
from runtime.telemetry.aws_metrics import RUNBOOK_BASE_URL, SERVICE

PAGES_TOPIC = "${PagesTopic}"
WARNINGS_TOPIC = "${WarningsTopic}"
ROLLBACK_FUNCTION = "${RollbackFunction.Arn}"
SHARED_SLUGS = frozenset({"deploy-window", "rollback-serverless", "serverless-rollback"}) | symptoms.SHARED_SLUGS
"""Alarms that are the same in both profiles: their names carry no profile, the template declares them once."""


def alarm_name(profile: str, slug: str) -> str:
    """``<service>-<profile>-<slug>``; the deploy window is shared by both profiles."""
    if slug in SHARED_SLUGS:
        return f"{SERVICE}-{slug}"
    return f"{SERVICE}-{profile}-{slug}"


def dedupe_key(slug: str) -> str:
    """Stable across deploys and profiles, so switching profile mid-incident does not open a second one."""
    return f"brickguard/{SERVICE}/{slug}"


def runbook_url(runbook: str) -> str:
    """Link to ``docs/runbooks/<runbook>.md`` under the configured repository URL."""
    return f"{RUNBOOK_BASE_URL}/docs/runbooks/{runbook}.md"


def description(summary: str, runbook: str, slug: str) -> str:
    """AlarmDescription: what it means, the runbook link and the dedupe key, one per line."""
    return f"{summary}\nRunbook: {runbook_url(runbook)}\nDedupe-Key: {dedupe_key(slug)}"


def actions(pages: bool, warns: bool = False) -> list[str]:
    """Alarm/OK actions: the PagerDuty topic for paging alarms, the warning topic for warnings, else nothing."""
    return [*([PAGES_TOPIC] if pages else []), *([WARNINGS_TOPIC] if warns else [])]
