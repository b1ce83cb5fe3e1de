"""Alarm declarations: metric names from the catalogue, deliberate choices, runbooks, routing, profiles."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from alarms.evaluator.composite import parse_rule
from alarms.profiles import PROFILES, region_group
from alarms.render import render_profile
from alarms.routing import SHARED_SLUGS
from runtime.telemetry import aws_metrics, catalogue
from tests.support.stack_fixtures import concrete_target

ROOT = Path(__file__).resolve().parents[2]
AWS_METRICS = {
    (value.namespace, value.name) for value in vars(aws_metrics).values() if isinstance(value, aws_metrics.AwsMetric)
}


def _metrics(request: dict[str, Any]) -> list[dict[str, Any]]:
    if "Metrics" in request:
        return [query["MetricStat"]["Metric"] for query in request["Metrics"] if "MetricStat" in query]
    return [request]


@pytest.fixture(params=list(PROFILES))
def rendered(request: pytest.FixtureRequest, functions: list[str]) -> Any:
    return render_profile(PROFILES[request.param], functions, concrete_target())


def test_every_alarm_metric_is_emitted_by_the_runtime_or_published_by_aws(rendered: Any) -> None:
    for request in rendered.metric.values():
        for metric in _metrics(request):
            if metric["Namespace"] == catalogue.DEFAULT_NAMESPACE:
                spec = catalogue.by_name(metric["MetricName"])
                dims = [item["Name"] for item in metric["Dimensions"]]
                assert set(dims) <= set(spec.published_dimensions) and "service" in dims
            else:
                assert (metric["Namespace"], metric["MetricName"]) in AWS_METRICS


def test_choices_are_explicit(rendered: Any) -> None:
    for request in rendered.metric.values():
        assert request["TreatMissingData"] in ("breaching", "notBreaching", "ignore", "missing")
        assert 1 <= request["DatapointsToAlarm"] <= request["EvaluationPeriods"]
        if "ExtendedStatistic" in request:
            assert request["EvaluateLowSampleCountPercentile"] in ("evaluate", "ignore")
        for query in request.get("Metrics", []):
            assert re.match(r"^[a-z][A-Za-z0-9_]*$", query["Id"])


def test_percentile_alarm_low_sample_choice_differs_by_profile(functions: list[str]) -> None:
    choices = {
        name: render_profile(profile, functions, concrete_target()).metric["p95-latency-serverless"][
            "EvaluateLowSampleCountPercentile"
        ]
        for name, profile in PROFILES.items()
    }
    assert choices == {"bau": "evaluate", "rollout": "ignore"}


def test_descriptions_link_existing_runbooks_and_carry_stable_dedupe_keys(functions: list[str]) -> None:
    keys: dict[str, set[str]] = {}
    for profile in PROFILES.values():
        rendered = render_profile(profile, functions, concrete_target())
        for slug, request in [*rendered.metric.items(), *rendered.composite.items()]:
            runbook = re.search(r"Runbook: \S+/(docs/runbooks/[a-z0-9-]+\.md)", request["AlarmDescription"])
            assert runbook, request["AlarmName"]
            assert (ROOT / runbook.group(1)).is_file(), runbook.group(1)
            dedupe = re.search(r"Dedupe-Key: (\S+)", request["AlarmDescription"])
            assert dedupe and {"Key": "dedupe-key", "Value": dedupe.group(1)} in request["Tags"]
            keys.setdefault(slug, set()).add(dedupe.group(1))
    assert all(len(found) == 1 for found in keys.values())  # same key in both profiles


def test_profiles_have_their_own_names_and_looser_rollout_thresholds(functions: list[str]) -> None:
    bau = render_profile(PROFILES["bau"], functions, concrete_target())
    rollout = render_profile(PROFILES["rollout"], functions, concrete_target())
    shared = set(bau.slugs.values()) & set(rollout.slugs.values())
    assert shared == {bau.slugs[slug] for slug in SHARED_SLUGS}
    assert all(bau.metric[slug] == rollout.metric[slug] for slug in SHARED_SLUGS if slug in bau.metric)
    for slug, request in bau.metric.items():
        assert rollout.metric[slug]["Threshold"] >= request["Threshold"], slug
    assert rollout.metric["error-rate-serverless"]["Threshold"] > bau.metric["error-rate-serverless"]["Threshold"]


def test_only_composites_page_and_every_signal_feeds_a_composite(rendered: Any) -> None:
    """Causes page held by the deploy window; symptoms page alone (never held by it); the health check of a
    backend holding traffic waits for that backend's symptom page; metric alarms only warn, never page."""
    values = concrete_target().values
    topic, warnings = values["PagesTopic"], values["WarningsTopic"]
    children: set[str] = set()
    for slug, request in rendered.composite.items():
        rule = parse_rule(request["AlarmRule"])
        assert rule.children <= set(rendered.slugs.values())
        children |= rule.children
        if slug == "deploy-window":
            assert request["AlarmRule"] == "FALSE" and request["AlarmActions"] == []
            continue
        if slug == "serverless-rollback":
            assert request["AlarmActions"] == [values["RollbackFunction.Arn"]] and request["OKActions"] == []
            continue
        assert request["AlarmActions"] == [topic] and request["OKActions"] == [topic]
        if slug.endswith("-users-failing"):
            assert "ActionsSuppressor" not in request
            continue
        suppressor = rendered.slugs[slug.replace("-unreachable", "-users-failing")] if slug.endswith(
            "-unreachable") else rendered.slugs["deploy-window"]
        assert request["ActionsSuppressor"] == suppressor
        assert request["ActionsSuppressorExtensionPeriod"] > 0 and request["ActionsSuppressorWaitPeriod"] > 0
    for request in rendered.metric.values():
        assert request["AlarmActions"] in ([], [warnings]) and request["AlarmName"] in children


def test_latency_threshold_follows_the_region(functions: list[str]) -> None:
    na = render_profile(PROFILES["bau"], functions, concrete_target("us-east-1")).metric["p95-latency-express"]
    eu = render_profile(PROFILES["bau"], functions, concrete_target("eu-west-1")).metric["p95-latency-express"]
    assert (na["Threshold"], eu["Threshold"]) == (600.0, 900.0)
    with pytest.raises(ValueError, match="neither North American nor European"):
        region_group("ap-southeast-2")


def test_issue_thresholds_in_bau(functions: list[str]) -> None:
    bau = render_profile(PROFILES["bau"], functions, concrete_target()).metric
    assert bau["error-rate-express"]["Threshold"] == 2.0
    assert bau["error-rate-express"]["Metrics"][-1]["Expression"] == "100 * FILL(errors, 0) / requests"
    assert bau["edge-5xx-rate"]["Threshold"] == 3.0
    assert bau["lambda-concurrency"]["Threshold"] == 80.0
    assert bau["lambda-concurrency"]["Metrics"][-1]["Expression"] == "100 * concurrent / 1000"
    assert (bau["lambda-throttles"]["Threshold"], bau["lambda-throttles"]["Metrics"][0]["MetricStat"]["Period"]) == (
        10.0,
        300,
    )
    assert bau["breaker-open-serverless"]["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert bau["breaker-open-serverless"]["Threshold"] == catalogue.BREAKER_STATE_VALUES["open"]


def test_one_cold_start_alarm_per_function_at_its_target_on_the_warning_route(functions: list[str]) -> None:
    """Issue 19 item 4: the seeds' per-function targets (the function table's, api/functions.py) on the function's
    own ColdStartDuration; the asynchronous csv-parser has none. Warnings, never pages."""
    from api.functions import FUNCTIONS

    targets = {function.name: function.cold_start_p99_target_ms for function in FUNCTIONS}
    warnings = concrete_target().values["WarningsTopic"]
    for profile in PROFILES.values():
        rendered = render_profile(profile, functions, concrete_target()).metric
        found = {slug.removeprefix("cold-start-"): request for slug, request in rendered.items()
                 if slug.startswith("cold-start-")}
        assert found.keys() == {name for name, target in targets.items() if target is not None}
        for function, request in found.items():
            assert (request["MetricName"], request["ExtendedStatistic"]) == ("ColdStartDuration", "p99")
            assert {"Name": "function", "Value": function} in request["Dimensions"]
            assert request["Threshold"] == targets[function]
            assert request["AlarmActions"] == request["OKActions"] == [warnings]
            assert request["EvaluateLowSampleCountPercentile"] == "evaluate"
