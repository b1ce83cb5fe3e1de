"""The gate's metrics from CloudWatch ``GetMetricData``: the catalogue's request metrics per backend.

Both backends publish ``Requests``, ``Errors5xx`` and ``Latency`` in the
service's namespace with the dimensions ``service`` and ``backend`` (the EMF of
``runtime/telemetry``), so one query shape serves both and the comparison is
like for like. Latency percentiles are CloudWatch's own ``p50``/``p95``/``p99``
over each period (computed from the full distribution), not averages of
percentiles.

Any endpoint speaking the CloudWatch API answers: AWS, or a moto server on
loopback for what moto implements. moto (5.2.1 here; 5.2.5, its newest release,
and its main branch alike) answers ``Sum``, ``SampleCount``, ``Average``,
``Minimum`` and ``Maximum`` but fails every percentile or trimmed statistic with
HTTP 500, and no other request shape it accepts returns a percentile (see
docs/rollout.md), so the tests run the counts against moto and the percentile
handling against AWS's documented response shape (botocore's ``Stubber``); a
test fails the day moto starts answering percentiles.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rollout.metric_source import PERCENTILES, PeriodStats
from runtime.telemetry import catalogue


class CloudWatchSource:
    """:class:`rollout.metric_source.MetricSource` over a boto3 CloudWatch client."""

    def __init__(self, client: Any, *, namespace: str = "LegoApi", service: str = "lego-projects-api") -> None:
        self._client = client
        self._namespace = namespace
        self._service = service

    def periods(self, backend: str, start: datetime, end: datetime, period_s: int) -> list[PeriodStats]:
        wanted = {
            "requests": (catalogue.REQUESTS.name, "Sum"),
            "errors": (catalogue.ERRORS_5XX.name, "Sum"),
            **{name: (catalogue.LATENCY.name, name) for name in PERCENTILES},
        }
        series = self.statistics(wanted, backend, start, end, period_s)
        return [
            PeriodStats(
                start=at,
                requests=requests,
                errors=series["errors"].get(at, 0.0),
                latency_ms={name: series[name].get(at) for name in PERCENTILES},
            )
            for at, requests in sorted(series["requests"].items())
            if requests > 0
        ]

    def statistics(
        self, wanted: dict[str, tuple[str, str]], backend: str, start: datetime, end: datetime, period_s: int
    ) -> dict[str, dict[datetime, float]]:
        """``{query id: {period start: value}}`` for ``{query id: (metric name, statistic)}``, in one call."""
        queries = [self._query(name, metric, stat, backend, period_s) for name, (metric, stat) in wanted.items()]
        series: dict[str, dict[datetime, float]] = {query_id: {} for query_id in wanted}
        for page in self._client.get_paginator("get_metric_data").paginate(
            MetricDataQueries=queries, StartTime=start, EndTime=end, ScanBy="TimestampAscending"
        ):
            for result in page["MetricDataResults"]:
                for at, value in zip(result["Timestamps"], result["Values"], strict=False):
                    series[result["Id"]][at] = value
        return series

    def _query(self, query_id: str, metric: str, stat: str, backend: str, period_s: int) -> dict[str, Any]:
        return {
            "Id": query_id,
            "MetricStat": {
                "Metric": {
                    "Namespace": self._namespace,
                    "MetricName": metric,
                    "Dimensions": [
                        {"Name": "service", "Value": self._service},
                        {"Name": "backend", "Value": backend},
                    ],
                },
                "Period": period_s,
                "Stat": stat,
            },
            "ReturnData": True,
        }
