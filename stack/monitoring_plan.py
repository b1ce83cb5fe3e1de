"""What to put for monitoring, for one profile: rendered alarms and dashboards.

The template builds this plan with a target that turns placeholders into ``Fn::Sub``; tests build
it with concrete values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from alarms.model import Regional
from alarms.profiles import LATENCY_TARGET_P95_MS, Profile
from alarms.render import RenderedAlarms, Resolver, render_profile
from dashboards import alarms_overview, express_vs_serverless, service_detail
from dashboards.body import Dashboard, validated


class Target(Resolver, Protocol):
    """A resolver that can also point at an alarm's ARN from inside text."""

    def arn(self, profile: str, slug: str) -> str: ...


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


def profile_plan(profile: Profile, functions: Sequence[str], target: Target, region: str | None = None) -> ProfilePlan:
    """Render the alarms of ``profile`` and the dashboards that show its thresholds and alarms.

    ``region`` None renders for a template: region-bound alarms are rendered (the template makes
    them conditional) but left off the dashboards, which cannot refer to an alarm that may not exist.
    """
    rendered = render_profile(profile, functions, target, region)
    shown = [slug for slug in rendered.slugs if region is not None or slug not in rendered.region_bound]
    overview = alarms_overview.build(
        profile.name,
        [target.arn(profile.name, slug) for slug in shown if slug in rendered.composite],
        [target.arn(profile.name, slug) for slug in shown if slug in rendered.metric],
    )
    dashboards = validated([express_vs_serverless.build(_marks(profile), functions), overview])
    return ProfilePlan(profile, rendered, dashboards)


def shared_dashboards(functions: Sequence[str]) -> list[Dashboard]:
    """Dashboards that do not depend on the alarm profile."""
    return validated([service_detail.build(functions)])


def dashboard_request(dashboard: Dashboard, target: Target) -> dict[str, Any]:
    """The PutDashboard request (and ``AWS::CloudWatch::Dashboard`` properties)."""
    return {"DashboardName": target.text(dashboard.name), "DashboardBody": target.text(dashboard.body_json())}
