"""Paging topic, alarms, composite alarms and dashboards as CloudFormation resources.

Both profiles are declared; the ``AlarmProfile`` parameter picks which set exists (conditions), so
switching from ``rollout`` to ``bau`` is a parameter update, and names never collide.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alarms.profiles import PROFILES
from alarms.routing import PAGES_TOPIC, SHARED_SLUGS, WARNINGS_TOPIC
from dashboards.body import Dashboard
from runtime.telemetry.aws_metrics import SERVICE
from stack.intrinsics import CfnResolver, alarm_logical_id, pascal, ref
from stack.monitoring_plan import dashboard_request, profile_plan, shared_dashboards
from stack.parameters import profile_condition, region_condition

TOPIC = PAGES_TOPIC.strip("${}")
WARNINGS = WARNINGS_TOPIC.strip("${}")


def _topic(logical: str, suffix: str, display: str) -> dict[str, Any]:
    """An SNS topic ``${ServiceName}-<suffix>`` that CloudWatch alarms of this account may publish to."""
    return {
        logical: {
            "Type": "AWS::SNS::Topic",
            "Properties": {"TopicName": {"Fn::Sub": f"${{ServiceName}}-{suffix}"}, "DisplayName": display},
        },
        f"{logical}Policy": {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [ref(logical)],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "CloudWatchAlarmsPublish",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": ref(logical),
                            "Condition": {"StringEquals": {"AWS:SourceAccount": ref("AWS::AccountId")}},
                        }
                    ],
                },
            },
        },
    }


def _paging() -> dict[str, Any]:
    return {
        **_topic(TOPIC, "pages", "brickguard pages"),
        # The warning route: no subscription here (e-mail or chat, added by whoever looks in working hours).
        **_topic(WARNINGS, "warnings", "brickguard warnings"),
        "PagerDutySubscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {"TopicArn": ref(TOPIC), "Protocol": "https", "Endpoint": ref("PagerDutyIntegrationUrl")},
        },
    }


def _dashboard(dashboard: Dashboard, cfn: CfnResolver, condition: str | None = None) -> dict[str, Any]:
    logical = f"{pascal(dashboard.name.removeprefix(SERVICE))}Dashboard"
    resource: dict[str, Any] = {"Type": "AWS::CloudWatch::Dashboard", "Properties": dashboard_request(dashboard, cfn)}
    if condition:
        resource["Condition"] = condition
    return {logical: resource}


def resources(functions: Sequence[str]) -> dict[str, Any]:
    """Topic + PagerDuty subscription, every alarm of both profiles (conditioned), every dashboard."""
    cfn = CfnResolver()
    found = _paging()
    for name, profile in PROFILES.items():
        plan = profile_plan(profile, functions, cfn)
        condition = profile_condition(name)
        alarms = [
            *(("AWS::CloudWatch::Alarm", slug, request) for slug, request in plan.alarms.metric.items()),
            *(("AWS::CloudWatch::CompositeAlarm", slug, request) for slug, request in plan.alarms.composite.items()),
        ]
        for kind, slug, request in alarms:
            resource: dict[str, Any] = {"Type": kind, "Properties": request}
            if slug in plan.alarms.region_bound:
                resource["Condition"] = region_condition(name, plan.alarms.region_bound[slug])
            elif slug not in SHARED_SLUGS:
                resource["Condition"] = condition
            found[alarm_logical_id(name, slug)] = resource
        for dashboard in plan.dashboards:
            found.update(_dashboard(dashboard, cfn, condition))
    for dashboard in shared_dashboards(functions):
        found.update(_dashboard(dashboard, cfn))
    return found
