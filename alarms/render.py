"""Render declarations into the ``PutMetricAlarm`` / ``PutCompositeAlarm`` request shapes.

Values that depend on the deployment (service name, account, API id, region group) are resolved by a
:class:`Resolver`: the CloudFormation stack turns placeholders into ``Fn::Sub``/``Fn::If``; deploy and
the offline evaluator substitute concrete values with :class:`Substitution`. One renderer, so the
template, the API calls and the offline tests can never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from alarms import routing
from alarms.composites import DEPLOY_WINDOW, composite_alarms
from alarms.definitions import metric_alarms
from alarms.model import CompositeAlarm, Metric, MetricAlarm, Regional
from alarms.profiles import Profile

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9:._]+)\}")


class Resolver(Protocol):
    """Turns placeholder text and regional thresholds into deployable values."""

    def text(self, template: str) -> Any: ...

    def regional(self, value: Regional) -> Any: ...

    def reference(self, profile: str, slug: str) -> str:
        """A fragment naming another alarm inside text (resolved again by :meth:`text`)."""
        ...


@dataclass(frozen=True)
class Substitution:
    """Concrete values for every placeholder, and the region group (``NA``/``EU``) for thresholds."""

    values: Mapping[str, str]
    region_group: str

    def text(self, template: str) -> str:
        def lookup(match: re.Match[str]) -> str:
            try:
                return self.values[match.group(1)]
            except KeyError:
                raise KeyError(f"no value for placeholder ${{{match.group(1)}}}") from None

        return PLACEHOLDER.sub(lookup, template)

    def regional(self, value: Regional) -> float:
        return value.eu if self.region_group == "EU" else value.na

    def reference(self, profile: str, slug: str) -> str:
        return routing.alarm_name(profile, slug)


def _dimensions(metric: Metric, resolver: Resolver) -> list[dict[str, Any]]:
    return [{"Name": name, "Value": resolver.text(value)} for name, value in metric.dimensions]


def _tags(profile: str, slug: str, runbook: str, resolver: Resolver) -> list[dict[str, Any]]:
    return [
        {"Key": "dedupe-key", "Value": resolver.text(routing.dedupe_key(slug))},
        {"Key": "profile", "Value": "all" if slug in routing.SHARED_SLUGS else profile},
        {"Key": "runbook", "Value": f"docs/runbooks/{runbook}.md"},
    ]


def _common(
    profile: str,
    slug: str,
    summary: str,
    runbook: str,
    notify: list[str],
    resolver: Resolver,
    invokes: tuple[str, ...] = (),
) -> dict[str, Any]:
    actions = [resolver.text(action) for action in notify]
    return {
        "AlarmName": resolver.text(routing.alarm_name(profile, slug)),
        "AlarmDescription": resolver.text(routing.description(summary, runbook, slug)),
        "ActionsEnabled": True,
        "AlarmActions": [*actions, *(resolver.text(action) for action in invokes)],
        "OKActions": list(actions),
        "Tags": _tags(profile, slug, runbook, resolver),
    }


def metric_alarm_request(alarm: MetricAlarm, profile: str, resolver: Resolver) -> dict[str, Any]:
    """The PutMetricAlarm request (and CloudFormation ``AWS::CloudWatch::Alarm`` properties)."""
    window = alarm.limit.window
    threshold = alarm.limit.threshold
    request = _common(profile, alarm.slug, alarm.summary, alarm.runbook, routing.actions(False, alarm.warns), resolver)
    request.update(
        ComparisonOperator=alarm.comparison,
        Threshold=resolver.regional(threshold) if isinstance(threshold, Regional) else threshold,
        EvaluationPeriods=window.evaluations,
        DatapointsToAlarm=window.datapoints,
        TreatMissingData=alarm.missing,
    )
    if alarm.metric is not None:
        request.update(
            Namespace=alarm.metric.namespace,
            MetricName=alarm.metric.name,
            Dimensions=_dimensions(alarm.metric, resolver),
            Period=window.period,
        )
        if alarm.stat.startswith("p"):
            request.update(ExtendedStatistic=alarm.stat, EvaluateLowSampleCountPercentile=alarm.low_sample)
        else:
            request["Statistic"] = alarm.stat
        return request
    queries: list[dict[str, Any]] = [
        {
            "Id": query_id,
            "MetricStat": {
                "Metric": {
                    "Namespace": metric.namespace,
                    "MetricName": metric.name,
                    "Dimensions": _dimensions(metric, resolver),
                },
                "Period": window.period,
                "Stat": stat,
            },
            "ReturnData": False,
        }
        for query_id, metric, stat in alarm.queries
    ]
    assert alarm.expression is not None  # guaranteed by MetricAlarm.__post_init__
    queries.append(
        {"Id": "result", "Expression": resolver.text(alarm.expression), "Label": alarm.slug, "ReturnData": True}
    )
    request["Metrics"] = queries
    return request


def composite_rule(alarm: CompositeAlarm, profile: str, resolver: Resolver) -> Any:
    """The AlarmRule with every ``{slug}`` replaced by the child's quoted name."""
    rule = re.sub(r"\{([a-z0-9-]+)\}", lambda m: f'"{resolver.reference(profile, m.group(1))}"', alarm.rule)
    return resolver.text(rule)


def composite_alarm_request(alarm: CompositeAlarm, profile: str, resolver: Resolver) -> dict[str, Any]:
    """The PutCompositeAlarm request (and ``AWS::CloudWatch::CompositeAlarm`` properties)."""
    request = _common(
        profile, alarm.slug, alarm.summary, alarm.runbook, routing.actions(alarm.pages), resolver, alarm.invokes
    )
    request["AlarmRule"] = composite_rule(alarm, profile, resolver)
    if alarm.suppressor is not None:
        request.update(
            ActionsSuppressor=resolver.text(resolver.reference(profile, alarm.suppressor)),
            ActionsSuppressorWaitPeriod=alarm.wait_period,
            ActionsSuppressorExtensionPeriod=alarm.extension_period,
        )
    return request


@dataclass
class RenderedAlarms:
    """Every request of one profile by slug: metric alarms, then composites after their children."""

    profile: str
    metric: dict[str, dict[str, Any]] = field(default_factory=dict)
    composite: dict[str, dict[str, Any]] = field(default_factory=dict)
    region_bound: dict[str, str] = field(default_factory=dict)
    """slug -> the only region where that alarm can exist (rendered for a template, region unknown)."""

    @property
    def slugs(self) -> dict[str, Any]:
        """slug -> alarm name (or name token)."""
        return {slug: request["AlarmName"] for slug, request in [*self.metric.items(), *self.composite.items()]}


def render_profile(
    profile: Profile, functions: Sequence[str], resolver: Resolver, region: str | None = None
) -> RenderedAlarms:
    """Render all alarms of ``profile``: metric alarms, the deploy window, then paging composites.

    With ``region`` given, alarms bound to another region are left out; without it (a template,
    deployable anywhere) they are kept and listed in ``region_bound``.
    """
    rendered = RenderedAlarms(profile.name)
    declared: list[MetricAlarm | CompositeAlarm] = [
        *metric_alarms(profile, functions), DEPLOY_WINDOW, *composite_alarms(profile, functions)
    ]
    for alarm in declared:
        bound = alarm.only_in_region
        if bound is not None and region is not None and bound != region:
            continue
        if bound is not None:
            rendered.region_bound[alarm.slug] = bound
        if isinstance(alarm, MetricAlarm):
            rendered.metric[alarm.slug] = metric_alarm_request(alarm, profile.name, resolver)
        else:
            rendered.composite[alarm.slug] = composite_alarm_request(alarm, profile.name, resolver)
    return rendered
