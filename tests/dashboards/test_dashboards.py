"""Dashboard bodies: grid, overlaps, metric arrays, math ids, and one source of metric names."""

from __future__ import annotations

from typing import Any

import pytest

from alarms.profiles import PROFILES
from dashboards.body import problems
from runtime.telemetry import aws_metrics, catalogue
from stack.monitoring_plan import dashboard_request, profile_plan, shared_dashboards
from tests.support.stack_fixtures import ConcreteTarget, concrete_target

AWS_METRICS = {
    (value.namespace, value.name) for value in vars(aws_metrics).values() if isinstance(value, aws_metrics.AwsMetric)
}


def _bodies(functions: list[str]) -> dict[str, dict[str, Any]]:
    target = concrete_target()
    found = {}
    for profile in PROFILES.values():
        for dashboard in profile_plan(profile, functions, target).dashboards:
            found[dashboard.name] = dashboard.body()
    for dashboard in shared_dashboards(functions):
        found[dashboard.name] = dashboard.body()
    return found


def _metric_arrays(body: dict[str, Any]) -> list[list[Any]]:
    return [
        array
        for widget in body["widgets"]
        if widget["type"] == "metric"
        for array in widget["properties"]["metrics"]
        if "expression" not in array[-1]
    ]


def test_every_body_is_valid_and_uses_the_grid(functions: list[str]) -> None:
    bodies = _bodies(functions)
    assert len(bodies) == 2 * len(PROFILES) + 1
    for name, body in bodies.items():
        assert problems(body) == [], name
        assert max(w["x"] + w["width"] for w in body["widgets"]) <= 24
        assert body["widgets"][0]["type"] == "text"


def test_validator_reports_overlaps_bad_ids_and_unknown_math_ids() -> None:
    metric = ["LegoApi", "Requests", "service", "s", {"id": "m1"}]
    body = {
        "widgets": [
            {"type": "text", "x": 0, "y": 0, "width": 12, "height": 3, "properties": {"markdown": "a"}},
            {"type": "text", "x": 6, "y": 2, "width": 12, "height": 3, "properties": {"markdown": "b"}},
            {"type": "text", "x": 20, "y": 9, "width": 6, "height": 3, "properties": {"markdown": "c"}},
            {
                "type": "metric", "x": 0, "y": 20, "width": 6, "height": 6,
                "properties": {"region": "us-east-1", "metrics": [
                    metric, ["LegoApi", "Errors5xx", "service", {"id": "Bad"}],
                    [{"expression": "100 * m1 / m9", "id": "e1"}],
                ]},
            },
        ]
    }
    found = "\n".join(problems(body))
    assert "widgets[1]: overlaps widgets[0]" in found
    assert "widgets[2]: spills past column 24" in found
    assert "expected Namespace, MetricName and Name/Value pairs" in found
    assert "id 'Bad' must start with a lowercase letter" in found
    assert "undefined id 'm9'" in found
    assert "'m1'" not in found


def test_express_vs_serverless_marks_target_and_thresholds(functions: list[str]) -> None:
    for name, profile in PROFILES.items():
        body = _bodies(functions)[f"${{ServiceName}}-{name}-express-vs-serverless"]
        p95 = next(w for w in body["widgets"] if w["properties"].get("title") == "Handler-only latency p95")
        marks = {note["value"] for note in p95["properties"]["annotations"]["horizontal"]}
        threshold = profile.p95_latency_ms.threshold
        assert marks == {200.0, threshold.na, threshold.eu}  # type: ignore[union-attr]
        backends = {array[array.index("backend") + 1] for array in p95["properties"]["metrics"]}
        assert backends == set(catalogue.BACKENDS)


def test_every_dashboard_metric_exists_and_every_catalogue_metric_is_shown(functions: list[str]) -> None:
    shown: set[str] = set()
    for body in _bodies(functions).values():
        for array in _metric_arrays(body):
            namespace, name = array[0], array[1]
            if namespace == catalogue.DEFAULT_NAMESPACE:
                spec = catalogue.by_name(name)  # raises for a name the runtime never emits
                dims = array[2:-1:2]
                assert set(dims) <= set(spec.published_dimensions) and "service" in dims, array
                shown.add(name)
            else:
                assert (namespace, name) in AWS_METRICS, array
    assert shown == {spec.name for spec in catalogue.CATALOGUE if spec.in_cloudwatch}


def test_cold_starts_are_drawn_per_function_with_their_targets(functions: list[str]) -> None:
    """Issue 19 item 4: duration (p99, targets marked) and count (SampleCount) of cold starts per function."""
    body = _bodies(functions)["${ServiceName}-bau-express-vs-serverless"]
    widgets = {w["properties"].get("title"): w["properties"] for w in body["widgets"]}
    duration = widgets["Cold start p99 per function (init + first request)"]
    count = widgets["Cold starts per function"]
    for widget, stat in ((duration, "p99"), (count, "SampleCount")):
        drawn = {array[array.index("function") + 1]: array[-1]["stat"] for array in widget["metrics"]}
        assert drawn == dict.fromkeys(functions, stat)
    assert {note["value"] for note in duration["annotations"]["horizontal"]} == {500.0, 1500.0, 2000.0}


@pytest.mark.parametrize("region,group", [("eu-west-1", "EU"), ("us-west-2", "NA")])
def test_deploy_bodies_have_no_placeholders_left(functions: list[str], region: str, group: str) -> None:
    values = {
        "ServiceName": "svc", "AWS::Region": region, "AWS::AccountId": "123456789012", "AWS::Partition": "aws",
        "HttpApi": "api", "AccountConcurrencyLimit": "1000", "RunbookBaseUrl": "https://x", "PagesTopic": "arn:t",
        "DatabaseInstanceId": "db", "DatabaseProxyName": "px", "CacheClusterId": "c", "SearchDomainName": "d",
        "ExpressHealthCheck": "h1", "ServerlessHealthCheck": "h2", "ExpressLoadBalancer": "app/express/1",
        "ExpressTargetGroup": "targetgroup/express/1",
        "WarningsTopic": "arn:w", "RollbackFunction.Arn": "arn:f",
    }
    target = ConcreteTarget(values, group)
    plan = profile_plan(PROFILES["bau"], functions, target, region)
    for dashboard in [*plan.dashboards, *shared_dashboards(functions)]:
        request = dashboard_request(dashboard, target)
        assert "${" not in request["DashboardBody"] and request["DashboardName"].startswith("svc-")


def test_the_detail_dashboard_shows_the_parsers_events_and_its_failure_queue(functions: list[str]) -> None:
    (detail,) = [body for name, body in _bodies(functions).items() if name.endswith("-serverless-detail")]
    titles = {widget["properties"].get("title"): widget for widget in detail["widgets"]}
    queue = titles["On-failure queue depth"]["properties"]["metrics"]
    assert queue == [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName",
                      "${ServiceName}-csv-parser-failures", {"stat": "Maximum", "label": "csv-parser failures"}]]
    received = titles["Async events received"]["properties"]["metrics"]
    assert [array[3] for array in received] == ["${ServiceName}-csv-parser"]
    errors = titles["Lambda errors"]["properties"]["metrics"]
    assert {array[3] for array in errors} >= {"${ServiceName}-upload", "${ServiceName}-csv-parser"}
    # a stack without an asynchronously invoked function has no such row
    (plain,) = [body for name, body in _bodies(["health"]).items() if name.endswith("-serverless-detail")]
    assert "On-failure queue depth" not in {widget["properties"].get("title") for widget in plain["widgets"]}


def test_latency_as_users_see_it_leads_with_the_handler_only_line_labelled(functions: list[str]) -> None:
    body = _bodies(functions)["${ServiceName}-bau-express-vs-serverless"]
    edge = next(w for w in body["widgets"] if w["properties"].get("title", "").startswith("Latency p95 as users"))
    arrays = edge["properties"]["metrics"]
    names = {(array[0], array[1]) for array in arrays if isinstance(array[0], str)}
    assert names == {("AWS/ApiGateway", "Latency"), ("AWS/ApplicationELB", "TargetResponseTime"),
                     ("LegoApi", "Latency")}
    labels = [array[-1]["label"] for array in arrays if array[-1].get("visible", True)]
    assert labels == ["express at the edge p95", "express handler only p95",
                      "serverless at the edge p95", "serverless handler only p95"]
    seconds = next(array[-1] for array in arrays if "expression" in array[-1])
    assert seconds["expression"].startswith("1000 * ")  # TargetResponseTime is in seconds
    marks = {note["label"] for note in edge["properties"]["annotations"]["horizontal"]}
    assert "rollback p95 1000 ms" in marks
