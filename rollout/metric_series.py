"""What the stack's own metrics cost: the custom metric series the EMF creates, and their monthly price.

CloudWatch bills each custom metric (namespace, name and one set of dimension values) per month it is
published, whatever its traffic; AWS's own metrics (AWS/ApiGateway, AWS/ApplicationELB, AWS/Lambda,
AWS/Route53 …) are free. Seed 001's budget is 50 custom metrics, $15 a month. Two views:

* **observed**: the distinct series in EMF documents of a log (``brickguard up``'s output or a
  CloudWatch Logs export), exactly the ones CloudWatch would create from it;
* **declared**: the upper bound from the catalogue, every metric under the dimension set CloudWatch
  gets of it (``MetricSpec.published_dimensions``: ``route`` and, for some, ``dependency`` are document
  properties; metrics not ``in_cloudwatch`` count nothing) for both backends, every dependency and the
  stack's ``functions`` (the cold-start metric's dimension).

docs/rollout.md ("Custom metrics against the budget") has the table of what is kept and why.

The price is the first tier's (``FIRST_TIER_USD``, us-east-1 list price, docs/rollout.md), prorated by
AWS by the hour; a series published for part of a month costs that part.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from runtime.telemetry import catalogue

FIRST_TIER_USD = 0.30
"""USD per custom metric per month, the first 10,000 metrics (CloudWatch pricing, us-east-1)."""
BUDGET_SERIES = 50
BUDGET_USD = 15.0

SeriesKey = tuple[str, str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class SeriesCount:
    """How many series, what they cost a month, and how that compares with the seed's budget."""

    series: int
    by_metric: dict[str, int]

    @property
    def monthly_usd(self) -> float:
        return round(self.series * FIRST_TIER_USD, 2)

    @property
    def within_budget(self) -> bool:
        return self.series <= BUDGET_SERIES and self.monthly_usd <= BUDGET_USD

    def as_json(self) -> dict[str, object]:
        return {
            "series": self.series,
            "monthly_usd": self.monthly_usd,
            "budget_series": BUDGET_SERIES,
            "budget_usd": BUDGET_USD,
            "within_budget": self.within_budget,
            "by_metric": dict(sorted(self.by_metric.items())),
        }


def _count(keys: Iterable[SeriesKey]) -> SeriesCount:
    distinct = set(keys)
    by_metric: dict[str, int] = {}
    for _, name, _ in distinct:
        by_metric[name] = by_metric.get(name, 0) + 1
    return SeriesCount(len(distinct), by_metric)


def _document_series(document: dict[str, object]) -> Iterable[SeriesKey]:
    meta = document.get("_aws")
    if not isinstance(meta, dict):
        return
    for directive in meta.get("CloudWatchMetrics", []):
        namespace = directive.get("Namespace", "")
        for dimension_set in directive.get("Dimensions", []):
            values = tuple((name, str(document.get(name, ""))) for name in dimension_set)
            for metric in directive.get("Metrics", []):
                yield namespace, metric.get("Name", ""), values


def observed(lines: Iterable[str]) -> SeriesCount:
    """The distinct series of every EMF document (a JSON line with ``_aws.CloudWatchMetrics``) in ``lines``."""

    def keys() -> Iterable[SeriesKey]:
        for line in lines:
            start = line.find('{"_aws"')
            if start < 0:
                continue
            try:
                document = json.loads(line[start:])
            except ValueError:
                continue
            if isinstance(document, dict):
                yield from _document_series(document)

    return _count(keys())


def declared(functions: int) -> SeriesCount:
    """The catalogue's upper bound for a stack of ``functions`` Lambda functions."""
    values = {"service": 1, "backend": len(catalogue.BACKENDS), "dependency": len(catalogue.DEPENDENCIES),
              "function": functions}

    def sets(spec: catalogue.MetricSpec) -> int:
        count = 1
        for name in spec.published_dimensions:
            count *= values[name]
        return count

    published = [spec for spec in catalogue.CATALOGUE if spec.in_cloudwatch]
    by_metric = {spec.name: sets(spec) for spec in published}
    return SeriesCount(sum(by_metric.values()), by_metric)
