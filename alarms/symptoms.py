"""Symptom alarms: what users get at the edge, per backend, paging on their own.

Read from :mod:`runtime.telemetry.objectives` (one declaration for alarms, dashboards, the gate and
``up``). Per backend and objective, four metric-math alarms, one per window of the SRE workbook's
multi-window pairs (fast: 1 h and 5 min at 14.4x; slow: 6 h and 30 min at 6x). CloudWatch cannot put
two periods in one alarm, so each window is an alarm whose ``Period`` is the window, evaluated every
minute over a sliding window (docs/dashboards-and-alarms.md), and the pairs meet in one composite per
backend, ``<backend>-users-failing``, which also holds ``silent-<backend>`` (the edge counts requests
the backend's own metrics never see: missing data from a backend that holds traffic is a breach).

One incident, one page: a backend's burn-rate windows, both objectives and its silence page through
that one composite (dedupe key ``brickguard/<service>/<backend>-users-failing``). Its health check
failing while it holds traffic pages through ``<backend>-unreachable`` (us-east-1 only, Route53's
region), whose actions wait for ``<backend>-users-failing`` as their suppressor: when users already
see the failure, the health check adds no second page. Symptom composites have no deploy-window
suppressor: a traffic shift never holds a symptom page.

These alarms are the same in both profiles (an objective does not loosen during the rollout), so their
names carry no profile (``<service>-<slug>``) and the template declares them once.
"""

from __future__ import annotations

from alarms.model import CompositeAlarm, Limit, Metric, MetricAlarm, Window
from runtime.telemetry import catalogue, objectives
from runtime.telemetry.objectives import BURN_WINDOWS, EDGES, BurnWindow, Edge, Objective

MINUTE = 60
SILENT_SHARE_PCT = 50.0
"""``silent-<backend>``: the backend's own request count below this share of the edge's (3 minutes running)."""
SILENT_WINDOW = Window(MINUTE, 3, 3)
TRAFFIC_WINDOW = Window(MINUTE, 5, 3)
UNREACHABLE_WAIT_S = 300
"""How long ``<backend>-unreachable`` waits for ``<backend>-users-failing`` before paging on its own."""


def _duration(seconds: int) -> str:
    return f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds // 60}m"


def burn_slug(objective: Objective, backend: str, seconds: int) -> str:
    """``availability-burn-express-1h``: one window of one objective of one backend."""
    return f"{objective.slug}-burn-{backend}-{_duration(seconds)}"


def users_failing_slug(backend: str) -> str:
    return f"{backend}-users-failing"


def unreachable_slug(backend: str) -> str:
    return f"{backend}-unreachable"


def _failures(edge: Edge) -> tuple[tuple[tuple[str, Metric, str], ...], str]:
    queries = tuple(
        (f"bad{index}", Metric.aws(metric, **edge.dims()), "Sum") for index, metric in enumerate(edge.failures)
    )
    return queries, " + ".join(f"FILL({query_id}, 0)" for query_id, _, _ in queries)


def _total(edge: Edge) -> str:
    """Requests at the edge, plus the failures it leaves out of its request count."""
    ids = {metric: f"bad{index}" for index, metric in enumerate(edge.failures)}
    return " + ".join(["FILL(requests, 0)", *(f"FILL({ids[metric]}, 0)" for metric in edge.uncounted)])


def _burn(
    edge: Edge, objective: Objective, window: BurnWindow, seconds: int, summary: str,
    queries: tuple[tuple[str, Metric, str], ...], expression: str,
) -> MetricAlarm:
    """One window of one objective's burn rate: the percentage of bad requests over ``seconds``."""
    return MetricAlarm(
        slug=burn_slug(objective, edge.backend, seconds),
        summary=f"{edge.backend}: {summary} burn the {objective.target * 100:g}% {objective.slug} objective "
        f"{window.factor:g}x too fast over {_duration(seconds)}",
        runbook="users-failing",
        limit=Limit(objective.burn_threshold_pct(window), Window(seconds, 1, 1)),
        comparison="GreaterThanThreshold",
        # No request at the edge: nothing failed. A backend holding traffic but silent is silent-<backend>'s job.
        missing="notBreaching",
        queries=queries,
        expression=expression,
    )


def _availability(edge: Edge, objective: Objective, window: BurnWindow, seconds: int) -> MetricAlarm:
    failures, bad = _failures(edge)
    return _burn(
        edge, objective, window, seconds, "requests failing at the edge (5xx, timeouts)",
        (*failures, ("requests", Metric.aws(edge.requests, **edge.dims()), "Sum")),
        f"100 * ({bad}) / ({_total(edge)})",
    )


def _latency(edge: Edge, objective: Objective, window: BurnWindow, seconds: int) -> MetricAlarm:
    assert objective.threshold_ms is not None
    # Percentile rank: the percentage of requests at or under the threshold, over the whole window.
    fast = ("fast", Metric.aws(edge.latency, **edge.dims()), edge.latency_rank_stat(objective.threshold_ms))
    return _burn(
        edge, objective, window, seconds, f"requests slower than {objective.threshold_ms:.0f} ms at the edge",
        (fast,), "100 - fast",
    )


def _silent(edge: Edge) -> MetricAlarm:
    return MetricAlarm(
        slug=f"silent-{edge.backend}",
        summary=f"{edge.backend}: the edge counts requests that {edge.backend}'s own metrics never see (the process "
        "is down, the function fails its init, or its telemetry is lost)",
        runbook="users-failing",
        limit=Limit(SILENT_SHARE_PCT, SILENT_WINDOW),
        comparison="LessThanThreshold",
        # No request at the edge: the backend holds no traffic, and silence is expected.
        missing="notBreaching",
        queries=(
            ("app", Metric.ours(catalogue.REQUESTS, backend=edge.backend), "Sum"),
            ("edge", Metric.aws(edge.requests, **edge.dims()), "Sum"),
        ),
        expression="100 * FILL(app, 0) / edge",
    )


def _traffic(edge: Edge) -> MetricAlarm:
    failures, bad = _failures(edge)
    return MetricAlarm(
        slug=f"traffic-{edge.backend}",
        summary=f"{edge.backend} holds traffic: the edge answered requests for it in 3 of the last 5 minutes",
        runbook="backend-unreachable",
        limit=Limit(0.0, TRAFFIC_WINDOW),
        comparison="GreaterThanThreshold",
        missing="notBreaching",
        queries=(("requests", Metric.aws(edge.requests, **edge.dims()), "Sum"), *failures),
        # A load balancer without any registered target answers 503 without counting a request: add the 5xx.
        expression=f"FILL(requests, 0) + {bad}",
    )


def symptom_alarms() -> list[MetricAlarm]:
    """Every burn-rate window of every objective, the silence and traffic signals, for both backends."""
    alarms: list[MetricAlarm] = []
    for edge in EDGES.values():
        for window in BURN_WINDOWS:
            for seconds in (window.long_s, window.short_s):
                alarms.append(_availability(edge, objectives.AVAILABILITY, window, seconds))
                if objectives.LATENCY.burns(window):
                    alarms.append(_latency(edge, objectives.LATENCY, window, seconds))
        alarms += [_silent(edge), _traffic(edge)]
    return alarms


def _burning(backend: str) -> str:
    pairs = [
        f"(ALARM({{{burn_slug(objective, backend, window.long_s)}}}) "
        f"AND ALARM({{{burn_slug(objective, backend, window.short_s)}}}))"
        for objective in objectives.OBJECTIVES
        for window in BURN_WINDOWS
        if objective.burns(window)
    ]
    return " OR ".join([*pairs, f"ALARM({{silent-{backend}}})"])


def symptom_composites() -> list[CompositeAlarm]:
    """One paging composite per backend: users see failures or slowness there (no deploy-window suppressor)."""
    return [
        CompositeAlarm(
            slug=users_failing_slug(backend),
            summary=f"{backend}: users get errors, slow answers or nothing at the edge, fast enough to spend the "
            "error budget (multi-window burn rate), or the edge sees requests the backend never reports",
            runbook="users-failing",
            rule=_burning(backend),
        )
        for backend in EDGES
    ]


def unreachable_composite(backend: str, health_check_slug: str, region: str) -> CompositeAlarm:
    """``<backend>-unreachable``: its Route53 health check fails while it holds traffic (pages once, see above)."""
    return CompositeAlarm(
        slug=unreachable_slug(backend),
        summary=f"{backend}: Route53 health checkers find GET /health failing while {backend} holds traffic",
        runbook="backend-unreachable",
        rule=f"ALARM({{{health_check_slug}}}) AND ALARM({{traffic-{backend}}})",
        suppressor=users_failing_slug(backend),
        wait_period=UNREACHABLE_WAIT_S,
        extension_period=UNREACHABLE_WAIT_S,
        only_in_region=region,
    )


SHARED_SLUGS = frozenset(
    [*(alarm.slug for alarm in symptom_alarms()), *(alarm.slug for alarm in symptom_composites())]
)
"""Symptom alarms are the same in both profiles: one name, no profile in it."""
