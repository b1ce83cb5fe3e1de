"""The gate's metrics from the running ``brickguard up``: its metric store, read over ``/dashboard/gate.json``.

(And the cost figures its page shows, ``/dashboard/cost.json``, for ``rollout status``.)

Like :class:`rollout.cloudwatch_source.CloudWatchSource` it is an ``EdgeSource`` too: the feed's
``edge`` rows are what the local gateway (``AWS/ApiGateway``) and the front door's load balancer
(``AWS/ApplicationELB``) measured, so the gate's edge rule works under ``up`` as in AWS.

The feed gives each second's requests, 5xx and raw latency samples per backend;
this source groups the seconds into the gate's periods and computes each
percentile with the store's own statistic, so the verdict matches what the
dashboard page draws. Periods align to multiples of ``period_s`` since the
epoch, as CloudWatch's do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from alarms.evaluator.periods import statistic
from rollout.metric_source import PERCENTILES, PeriodStats

FEED_PATH = "/dashboard/gate.json"
COST_PATH = "/dashboard/cost.json"


class LocalStoreSource:
    """:class:`rollout.metric_source.MetricSource` and ``EdgeSource`` over a running up's control port."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self._url = base_url.rstrip("/") + FEED_PATH
        self._timeout = timeout
        self._fetched: tuple[datetime, dict[str, Any]] | None = None

    def periods(self, backend: str, start: datetime, end: datetime, period_s: int) -> list[PeriodStats]:
        return group_seconds(self._feed(end)["backends"].get(backend, []), start.timestamp(), end.timestamp(), period_s)

    def edge_periods(self, backend: str, start: datetime, end: datetime, period_s: int) -> list[PeriodStats]:
        return group_seconds(self._feed(end)["edge"].get(backend, []), start.timestamp(), end.timestamp(), period_s)

    def _feed(self, end: datetime) -> dict[str, Any]:
        """The feed, fetched once per window end: a verdict reads its four series (each backend, app and edge)
        with one ``end``, and computing the feed costs up's process (which serves both backends) CPU."""
        if self._fetched is None or self._fetched[0] != end:
            import requests

            response = requests.get(self._url, timeout=self._timeout)
            response.raise_for_status()
            self._fetched = (end, response.json())
        return self._fetched[1]


def local_cost(base_url: str, *, timeout: float = 30.0) -> Callable[[], dict[str, Any]]:
    """The figures of up's page (:func:`rollout.cost.cost_report`, computed in up from its logs), as a callable.

    An up that does not answer gives ``{"observed": false, "reason"}``: status still shows the rest.
    """

    def read() -> dict[str, Any]:
        import requests

        try:
            response = requests.get(base_url.rstrip("/") + COST_PATH, timeout=timeout)
            response.raise_for_status()
            figures: dict[str, Any] = response.json()
        except (requests.RequestException, ValueError) as exc:  # refused, 4xx/5xx, a body that is not JSON
            return {"observed": False, "reason": f"cost unavailable: {exc}"}
        return figures

    return read


def group_seconds(seconds: list[list[Any]], start: float, end: float, period_s: int) -> list[PeriodStats]:
    """Per-second ``[second, requests, errors, [latency…]]`` rows as whole periods within ``[start, end)``."""
    grouped: dict[int, list[list[Any]]] = defaultdict(list)
    for row in seconds:
        second = int(row[0])
        period_start = second - second % period_s
        if period_start >= start and period_start + period_s <= end:
            grouped[period_start].append(row)
    periods = []
    for period_start, rows in sorted(grouped.items()):
        latencies = [value for row in rows for value in row[3]]
        periods.append(
            PeriodStats(
                start=datetime.fromtimestamp(period_start, UTC),
                requests=sum(row[1] for row in rows),
                errors=sum(row[2] for row in rows),
                latency_ms={name: statistic(latencies, name).value for name in PERCENTILES},
            )
        )
    return periods
