"""What an alarm is, independent of where it is deployed: metrics, statistics, windows, thresholds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from runtime.telemetry import catalogue
from runtime.telemetry.aws_metrics import SERVICE, AwsMetric

Comparison = Literal[
    "GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"
]
MissingData = Literal["breaching", "notBreaching", "ignore", "missing"]
LowSample = Literal["evaluate", "ignore"]


@dataclass(frozen=True, slots=True)
class Metric:
    """A CloudWatch metric identity: namespace, name and exact dimension set."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...] = ()

    @classmethod
    def ours(cls, spec: catalogue.MetricSpec, **dims: str) -> Metric:
        """A catalogue metric as CloudWatch holds it: ``service`` plus the given dims of its published set."""
        if not spec.in_cloudwatch:
            raise ValueError(f"{spec.name} is not published to CloudWatch")
        published = spec.published_dimensions
        unknown = set(dims) - set(published)
        if unknown:
            raise ValueError(f"{spec.name} has no CloudWatch dimension(s) {sorted(unknown)}")
        pairs = [("service", SERVICE), *((name, dims[name]) for name in published if name in dims)]
        return cls(catalogue.DEFAULT_NAMESPACE, spec.name, tuple(pairs))

    @classmethod
    def aws(cls, metric: AwsMetric, **dims: str) -> Metric:
        """An AWS-published metric; dimensions must be the ones AWS publishes it with."""
        if set(dims) != set(metric.dimensions):
            raise ValueError(f"{metric.namespace}/{metric.name} is published with {metric.dimensions}")
        return cls(metric.namespace, metric.name, tuple((name, dims[name]) for name in metric.dimensions))


@dataclass(frozen=True, slots=True)
class Regional:
    """A threshold that differs between North American and European regions."""

    na: float
    eu: float


@dataclass(frozen=True, slots=True)
class Window:
    """Period in seconds and the M-of-N rule: ``datapoints`` breaching out of ``evaluations``."""

    period: int
    evaluations: int
    datapoints: int

    def __post_init__(self) -> None:
        if self.period not in (10, 30) and self.period % 60:
            raise ValueError(f"period {self.period}s must be 10, 30 or a multiple of 60")
        if not 1 <= self.datapoints <= self.evaluations:
            raise ValueError(f"DatapointsToAlarm {self.datapoints} must be within 1..{self.evaluations}")


@dataclass(frozen=True, slots=True)
class Limit:
    """A threshold and the window it must hold for."""

    threshold: float | Regional
    window: Window


@dataclass(frozen=True, slots=True)
class MetricAlarm:
    """One metric alarm: either one metric with a statistic, or metric math over named queries."""

    slug: str
    summary: str
    runbook: str
    limit: Limit
    comparison: Comparison
    missing: MissingData
    metric: Metric | None = None
    stat: str = "Sum"
    queries: tuple[tuple[str, Metric, str], ...] = ()
    expression: str | None = None
    low_sample: LowSample | None = None
    only_in_region: str | None = None
    """Set when the metric exists in one region only (Route53's in us-east-1): elsewhere not declared."""
    warns: bool = False
    """Notify the warning route (SNS ``<service>-warnings``) on ALARM and OK: someone looks in working hours."""

    def __post_init__(self) -> None:
        if (self.metric is None) == (self.expression is None):
            raise ValueError(f"{self.slug}: give either one metric or an expression over queries")
        if self.stat.startswith("p") and self.metric is not None and self.low_sample is None:
            raise ValueError(f"{self.slug}: percentile alarms must choose EvaluateLowSampleCountPercentile")


@dataclass(frozen=True, slots=True)
class CompositeAlarm:
    """A composite alarm. ``rule`` names children as ``{slug}``; they are quoted names once rendered."""

    slug: str
    summary: str
    runbook: str
    rule: str
    suppressor: str | None = None
    wait_period: int = 0
    extension_period: int = 0
    pages: bool = True
    only_in_region: str | None = None
    """Set when a child exists in one region only: a composite cannot read alarms of another region."""
    invokes: tuple[str, ...] = ()
    """Further ALARM actions (ARN placeholders), e.g. the stack's rollback function."""

    @property
    def children(self) -> tuple[str, ...]:
        """Slugs of the alarms the rule reads, in order of first mention."""
        return tuple(dict.fromkeys(_CHILD.findall(self.rule)))


_CHILD = re.compile(r"\{([a-z0-9-]+)\}")
