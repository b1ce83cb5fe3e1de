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
from runtime.telemetry.aws_metrics import PLACEHOLDER_NAME
from runtime.telemetry.objectives import EDGES


class CloudWatchSource:
    """:class:`rollout.metric_source.MetricSource` over a boto3 CloudWatch client; with ``deployment`` (the
    stack's values of the edge's dimensions, e.g. ``{"HttpApi": "a1b2c3"}``) an ``EdgeSource`` too."""

    def __init__(
        self,
        client: Any,
        *,
        namespace: str = "LegoApi",
        service: str = "lego-projects-api",
        deployment: dict[str, str] | None = None,
    ) -> None:
        self._client = client
        self._namespace = namespace
        self._service = service
        self._deployment = deployment or {}

    def edge_periods(self, backend: str, start: datetime, end: datetime, period_s: int) -> list[PeriodStats]:
        """The backend's edge (objectives.EDGES): requests, 5xx answered there, latency percentiles in ms."""
        edge = EDGES[backend]
        name, placeholder = edge.dimension
        value = PLACEHOLDER_NAME.fullmatch(placeholder)
        assert value is not None, placeholder  # objectives.EDGES names each dimension by its placeholder
        dimensions = [{"Name": name, "Value": self._deployment[value[1]]}]
        wanted = {
            "requests": (edge.requests.namespace, edge.requests.name, "Sum"),
            **{f"bad{i}": (metric.namespace, metric.name, "Sum") for i, metric in enumerate(edge.failures)},
            **{p: (edge.latency.namespace, edge.latency.name, p) for p in PERCENTILES},
        }
        queries = [
            {"Id": query_id, "ReturnData": True, "MetricStat": {
                "Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dimensions},
                "Period": period_s, "Stat": stat}}
            for query_id, (namespace, metric, stat) in wanted.items()
        ]
        series = self._collect(queries, start, end)
        bad = [f"bad{i}" for i in range(len(edge.failures))]
        starts = sorted(set(series["requests"]) | {at for query_id in bad for at in series[query_id]})
        return [
            PeriodStats(
                start=at,
                requests=series["requests"].get(at, 0.0)
                + sum(series[f"bad{edge.failures.index(m)}"].get(at, 0.0) for m in edge.uncounted),
                errors=sum(series[query_id].get(at, 0.0) for query_id in bad),
                latency_ms={
                    p: None if (ms := series[p].get(at)) is None else ms * edge.latency_unit_ms
                    for p in PERCENTILES
                },
            )
            for at in starts
        ]

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
        return self._collect(queries, start, end)

    def _collect(
        self, queries: list[dict[str, Any]], start: datetime, end: datetime
    ) -> dict[str, dict[datetime, float]]:
        series: dict[str, dict[datetime, float]] = {query["Id"]: {} for query in queries}
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
