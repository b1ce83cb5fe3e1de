"""``brickguard deploy`` against a real moto server on loopback: idempotent puts, described back."""

from __future__ import annotations

from typing import Any

import boto3

from stack.deploy import COMPOSITES_UNSUPPORTED, Deployer, DeployOptions

PAGERDUTY = "https://events.pagerduty.com/integration/test-key/enqueue"
STABLE_FIELDS = (
    "AlarmName", "AlarmDescription", "Threshold", "ComparisonOperator", "EvaluationPeriods",
    "DatapointsToAlarm", "TreatMissingData", "MetricName", "Namespace", "ExtendedStatistic", "Statistic",
)


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(service, region_name="eu-west-1", endpoint_url=endpoint)


def _snapshot(endpoint: str) -> tuple[dict[str, Any], dict[str, str]]:
    cloudwatch = _client("cloudwatch", endpoint)
    alarms = {
        alarm["AlarmName"]: {field: alarm.get(field) for field in STABLE_FIELDS}
        | {"queries": [(q["Id"], q.get("Expression")) for q in alarm.get("Metrics", [])]}
        for alarm in cloudwatch.describe_alarms()["MetricAlarms"]
    }
    dashboards = {
        entry["DashboardName"]: cloudwatch.get_dashboard(DashboardName=entry["DashboardName"])["DashboardBody"]
        for entry in cloudwatch.list_dashboards()["DashboardEntries"]
    }
    return alarms, dashboards


def _deploy(endpoint: str, functions: list[str], **extra: Any) -> list[Any]:
    options = DeployOptions(profile="bau", region="eu-west-1", pagerduty_url=PAGERDUTY, endpoint_url=endpoint, **extra)
    return Deployer(options, functions).run()


def test_deploy_twice_gives_the_same_alarms_dashboards_and_one_subscription(
    moto_endpoint: str, functions: list[str]
) -> None:
    steps = _deploy(moto_endpoint, functions)
    first = _snapshot(moto_endpoint)
    _deploy(moto_endpoint, functions)
    second = _snapshot(moto_endpoint)
    assert first == second
    alarms, dashboards = second
    assert len(alarms) == 12 and all(name.startswith("lego-projects-api-bau-") for name in alarms)
    assert alarms["lego-projects-api-bau-p95-latency-serverless"]["Threshold"] == 900.0  # EU region
    assert set(dashboards) == {
        "lego-projects-api-bau-express-vs-serverless",
        "lego-projects-api-bau-alarms",
        "lego-projects-api-serverless-detail",
    }
    assert "${" not in "".join(dashboards.values())
    sns = _client("sns", moto_endpoint)
    (topic,) = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("https", PAGERDUTY)]
    composites = [step for step in steps if step.kind == "composite"]
    assert len(composites) == 6 and all(step.outcome == COMPOSITES_UNSUPPORTED for step in composites)


def test_deploy_prunes_alarms_no_longer_declared(moto_endpoint: str, functions: list[str]) -> None:
    cloudwatch = _client("cloudwatch", moto_endpoint)
    cloudwatch.put_metric_alarm(
        AlarmName="lego-projects-api-bau-retired-alarm", MetricName="Requests", Namespace="LegoApi",
        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.put_metric_alarm(
        AlarmName="someone-else", MetricName="Requests", Namespace="LegoApi",
        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
    )
    steps = _deploy(moto_endpoint, functions)
    names = {alarm["AlarmName"] for alarm in cloudwatch.describe_alarms()["MetricAlarms"]}
    assert "lego-projects-api-bau-retired-alarm" not in names and "someone-else" in names
    assert any(step.outcome.startswith("deleted") for step in steps)


def test_dry_run_calls_nothing(moto_endpoint: str, functions: list[str]) -> None:
    steps = _deploy(moto_endpoint, functions, dry_run=True)
    assert {step.outcome for step in steps if step.kind == "alarm"} == {"would put"}
    alarms, dashboards = _snapshot(moto_endpoint)
    assert alarms == {} and dashboards == {}
