"""What to put for monitoring, for one profile: rendered alarms and dashboards.

The template and ``brickguard deploy`` both build this plan; they differ only in the target that
resolves placeholders (``Fn::Sub`` versus concrete values).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from alarms import routing
from alarms.composites import DEPLOY_WINDOW, composite_alarms
from alarms.definitions import metric_alarms
from alarms.model import Regional
from alarms.profiles import LATENCY_TARGET_P95_MS, Profile
from alarms.render import RenderedAlarms, Resolver, Substitution, render_profile
from dashboards import alarms_overview, express_vs_serverless, service_detail
from dashboards.body import Dashboard, validated
from runtime.telemetry.aws_metrics import ACCOUNT, PARTITION, REGION


class Target(Resolver, Protocol):
    """A resolver that can also point at an alarm's ARN from inside text."""

    def arn(self, profile: str, slug: str) -> str: ...


class ConcreteTarget(Substitution):
    """Plain values for boto3 (deploy) and for offline checks."""

    def arn(self, profile: str, slug: str) -> str:
        return f"arn:{PARTITION}:cloudwatch:{REGION}:{ACCOUNT}:alarm:{routing.alarm_name(profile, slug)}"


@dataclass
class ProfilePlan:
    """Alarms and profile-specific dashboards of one profile."""

    profile: Profile
    alarms: RenderedAlarms
    dashboards: list[Dashboard]


def _marks(profile: Profile) -> express_vs_serverless.LatencyMarks:
    threshold = profile.p95_latency_ms.threshold
    assert isinstance(threshold, Regional)
    return express_vs_serverless.LatencyMarks(profile.name, LATENCY_TARGET_P95_MS, threshold.na, threshold.eu)


def profile_plan(profile: Profile, functions: Sequence[str], target: Target) -> ProfilePlan:
    """Render the alarms of ``profile`` and the dashboards that show its thresholds and alarms."""
    composites = [DEPLOY_WINDOW.slug, *(alarm.slug for alarm in composite_alarms(profile))]
    signals = [alarm.slug for alarm in metric_alarms(profile, functions)]
    overview = alarms_overview.build(
        profile.name,
        [target.arn(profile.name, slug) for slug in composites],
        [target.arn(profile.name, slug) for slug in signals],
    )
    dashboards = validated([express_vs_serverless.build(_marks(profile)), overview])
    return ProfilePlan(profile, render_profile(profile, functions, target), dashboards)


def shared_dashboards(functions: Sequence[str]) -> list[Dashboard]:
    """Dashboards that do not depend on the alarm profile."""
    return validated([service_detail.build(functions)])


def dashboard_request(dashboard: Dashboard, target: Target) -> dict[str, Any]:
    """The PutDashboard request (and ``AWS::CloudWatch::Dashboard`` properties)."""
    return {"DashboardName": target.text(dashboard.name), "DashboardBody": target.text(dashboard.body_json())}
