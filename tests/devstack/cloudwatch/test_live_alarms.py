"""The deployed alarms evaluated live on the store: transitions, composites, what PagerDuty would get."""

from __future__ import annotations

from api.functions import FUNCTIONS
from devstack.cloudwatch.metrics.live_alarms import LiveAlarms
from devstack.cloudwatch.metrics.local_names import LOCAL_API_ID, LocalNames
from devstack.cloudwatch.metrics.notifications import NotificationSink
from devstack.cloudwatch.metrics.platform import PlatformMetrics
from devstack.cloudwatch.metrics.store import MetricStore
from runtime.telemetry import catalogue
from tests.devstack.cloudwatch.test_metric_store import Clock

SERVICE = "svc"
SCALE = 12.0  # one minute of alarm time per 5 s of (simulated) wall clock
NAMES = LocalNames(SERVICE)
FUNCTION_NAMES = [function.name for function in FUNCTIONS]


def _breaker(store: MetricStore, backend: str, value: float, at: float) -> None:
    store.put(catalogue.DEFAULT_NAMESPACE, catalogue.BREAKER_STATE.name,
              {"service": SERVICE, "backend": backend, "dependency": "redis"}, [value], at)


def _states(live: LiveAlarms) -> dict[str, str]:
    return {view.slug: view.state for view in live.views()}


def test_open_breakers_on_both_backends_page_once_and_resolve(tmp_path) -> None:
    clock = Clock(1_800_000_000.0)
    store = MetricStore(clock=clock)
    sink = NotificationSink(tmp_path / "notifications.jsonl")
    live = LiveAlarms(store, NAMES, FUNCTION_NAMES, period_scale=SCALE, sink=sink, clock=clock)

    def run(seconds: int, breaker: dict[str, float]) -> None:
        for _ in range(seconds):
            for backend, value in breaker.items():
                _breaker(store, backend, value, clock.now)
            clock.now += 1
            live.evaluate_due()

    run(10, {"express": 0.0, "serverless": 0.0})
    assert _states(live)["breaker-open-express"] == "OK"
    assert _states(live)["dependency-outage"] == "OK"
    run(60, {"express": 2.0, "serverless": 0.0})  # 12 alarm minutes: more than 5 of 5
    states = _states(live)
    assert states["breaker-open-express"] == "ALARM" and states["breaker-open-serverless"] == "OK"
    assert states["dependency-outage"] == "OK" and sink.recent() == []  # one backend alone does not page
    run(120, {"express": 2.0, "serverless": 2.0})
    assert _states(live)["dependency-outage"] == "ALARM"
    triggers = [event for event in sink.recent() if event["event_action"] == "trigger"]
    assert [event["dedup_key"] for event in triggers] == [f"brickguard/{SERVICE}/dependency-outage"]
    assert triggers[0]["severity"] == "critical"
    assert triggers[0]["runbook"].endswith("/docs/runbooks/dependency-outage.md")
    run(120, {"express": 0.0, "serverless": 0.0})
    assert _states(live)["dependency-outage"] == "OK"
    assert [event["event_action"] for event in sink.recent()] == ["trigger", "resolve"]
    assert len((tmp_path / "notifications.jsonl").read_text().splitlines()) == 2


def test_platform_metrics_are_what_the_edge_alarm_queries() -> None:
    clock = Clock(1_800_000_000.0)
    store = MetricStore(clock=clock)
    platform = PlatformMetrics(store, NAMES)
    live = LiveAlarms(store, NAMES, FUNCTION_NAMES, period_scale=SCALE, clock=clock)
    request = live.rendered.metric["edge-5xx-rate"]
    queried = {tuple(d["Value"] for d in query["MetricStat"]["Metric"]["Dimensions"])
               for query in request["Metrics"] if "MetricStat" in query}
    assert queried == {(LOCAL_API_ID,)}
    for _ in range(120):
        for _ in range(5):
            platform.api_request(502, 30.0, None)
        platform.api_request(200, 20.0, 18.0)
        clock.now += 1
        live.evaluate_due()
    assert _states(live)["edge-5xx-rate"] == "ALARM"
    throttles = live.rendered.metric["lambda-throttles"]
    names = {query["MetricStat"]["Metric"]["Dimensions"][0]["Value"]
             for query in throttles["Metrics"] if "MetricStat" in query}
    assert NAMES.function_name("mocs") in names


def test_actions_go_where_they_point_pages_warnings_and_a_lambda_function(tmp_path) -> None:
    clock = Clock(1_800_000_000.0)
    store = MetricStore(clock=clock)
    pages, warnings = NotificationSink(), NotificationSink(tmp_path / "warnings.jsonl")
    live = LiveAlarms(store, NAMES, FUNCTION_NAMES, period_scale=SCALE, sink=pages, warnings=warnings, clock=clock)
    warning_topic = NAMES.substitution().text("${WarningsTopic}")
    outage = live.rendered.composite["dependency-outage"]
    outage["AlarmActions"] = [warning_topic, NAMES.rollback_function()]  # a warning that also invokes a function
    invoked: list[dict] = []
    live.on_invoke(NAMES.rollback_function(), invoked.append)
    assert {view.slug: view.pages for view in live.views()}["dependency-outage"] is False
    for _ in range(180):
        for backend in ("express", "serverless"):
            _breaker(store, backend, 2.0, clock.now)
        clock.now += 1
        live.evaluate_due()
    assert _states(live)["dependency-outage"] == "ALARM"
    assert pages.recent() == []
    assert [(event["alarm"], event["event_action"]) for event in warnings.recent()] == \
        [(outage["AlarmName"], "trigger")]
    assert [(event["alarmData"]["alarmName"], event["alarmData"]["state"]["value"]) for event in invoked] == \
        [(outage["AlarmName"], "ALARM")]
