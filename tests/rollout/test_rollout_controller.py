"""Rollout steps against Route53, S3 and CloudWatch on a moto server (the gate's figures are synthetic here)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from rollout.controller import Evaluation, RolloutController, RolloutRefused
from tests.rollout.aws_parts import RECORD, SyntheticSource, make_target

CLEAN = (True, "12 responses compared, no unexplained difference")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def target(moto_endpoint):
    return make_target(moto_endpoint)


def controller(target, source=None, *, parity=CLEAN, flush=None, min_stage_seconds=0, now=None, smoke=None):
    return RolloutController(
        target,
        source=source if source is not None else SyntheticSource(),
        evaluation=Evaluation(period_s=60, window_s=600),
        flush=flush,
        parity_clean=lambda: parity,
        smoke=smoke,
        min_stage_seconds=min_stage_seconds,
        **({"now": now} if now else {}),
    )


def route53_records(target) -> dict[str, dict]:
    client = boto3.client("route53", endpoint_url=target.endpoint_url, region_name="us-east-1")
    sets = client.list_resource_record_sets(HostedZoneId=target.hosted_zone_id)["ResourceRecordSets"]
    return {r["SetIdentifier"]: r for r in sets if r["Name"] == RECORD + "." and "SetIdentifier" in r}


def config_object(target) -> tuple[dict, str]:
    s3 = boto3.client("s3", endpoint_url=target.endpoint_url, region_name="us-east-1")
    obj = s3.get_object(Bucket=target.config_bucket, Key="config.json")
    return json.loads(obj["Body"].read()), obj["CacheControl"]


def window_state(target) -> str:
    cloudwatch = boto3.client("cloudwatch", endpoint_url=target.endpoint_url, region_name="us-east-1")
    return cloudwatch.describe_alarms(AlarmNames=[target.deploy_window_alarm])["MetricAlarms"][0]["StateValue"]


def test_status_reports_weights_ttl_flag_alarms_and_verdict(target):
    body = controller(target).status()
    assert body["stage_percent"] == 0 and body["weights"] == {
        "express": 100, "serverless": 0, "ttl": 300, "serverless_percent": 0.0
    }
    assert body["use_serverless"] is None and body["time_in_stage_seconds"] is None
    assert target.deploy_window_alarm in body["alarms"]
    assert body["verdict"]["decision"] == "go"


def test_the_first_step_needs_clean_parity(target):
    with pytest.raises(RolloutRefused, match="parity"):
        controller(target, parity=(False, "3 unexplained differences")).advance()
    assert route53_records(target)["serverless"]["Weight"] == 0


def test_an_advance_opens_the_window_flushes_moves_both_weights_sets_the_flag_and_audits(target):
    seen_during_flush = []

    def flush(dry_run: bool) -> dict:
        seen_during_flush.append((dry_run, window_state(target), route53_records(target)["serverless"]["Weight"]))
        return {"patterns": {"moc:*": {"matched": 4, "deleted": 4}}, "preserved": 2}

    report = controller(target, flush=flush).advance()
    assert report.to_percent == 10 and report.from_percent == 0
    assert seen_during_flush == [(False, "ALARM", 0)]  # flushed inside the window, before the weights moved
    records = route53_records(target)
    assert (records["express"]["Weight"], records["serverless"]["Weight"]) == (90, 10)
    assert records["express"]["TTL"] == records["serverless"]["TTL"] == 60
    assert records["serverless"]["ResourceRecords"] == [{"Value": "abc.execute-api.us-east-1.amazonaws.com"}]
    assert config_object(target) == ({"useServerless": True}, "max-age=60")
    assert window_state(target) == "OK"
    audit = controller(target).audit.records()
    assert [(r["action"], r["from"], r["to"]) for r in audit] == [("advance", 0, 10)]
    assert audit[0]["who"] and audit[0]["verdict"]["decision"] == "go"


def test_a_dry_run_lists_every_change_and_changes_nothing(target):
    flushes = []
    report = controller(target, flush=lambda dry: flushes.append(dry) or {"patterns": {}, "preserved": 0}).advance(
        dry_run=True
    )
    assert flushes == [True]
    text = "\n".join(report.changes)
    for part in ("ALARM", "flush", "express=90 serverless=10 TTL 60", "INSYNC", "useServerless=true", "audit"):
        assert part in text
    assert route53_records(target)["serverless"]["Weight"] == 0 and window_state(target) != "ALARM"
    assert controller(target).audit.records() == []


def test_a_later_stage_needs_the_gate_and_the_minimum_time_in_stage(target):
    clock = Clock()
    controller(target, now=clock).advance()  # 0 -> 10
    slow = SyntheticSource(serverless_p95=300, express_p95=100)
    with pytest.raises(RolloutRefused, match=r"no-go.*slower than express"):
        controller(target, slow, now=clock).advance()
    with pytest.raises(RolloutRefused, match="minimum is 3600"):
        controller(target, min_stage_seconds=3600, now=clock).advance()
    with pytest.raises(RolloutRefused, match="inconclusive"):
        controller(target, SyntheticSource(requests=3), now=clock).advance()
    clock.now += timedelta(hours=2)
    report = controller(target, min_stage_seconds=3600, now=clock).advance(to=50)
    assert report.to_percent == 50 and route53_records(target)["serverless"]["Weight"] == 50
    with pytest.raises(RolloutRefused, match="later stage"):
        controller(target, now=clock).advance(to=25)


def test_a_rollback_takes_the_fast_then_the_slow_path_and_says_how_long_each_takes(target):
    controller(target).advance()
    report = controller(target).rollback("operator saw 5xx")
    assert config_object(target) == ({"useServerless": False}, "max-age=60")
    records = route53_records(target)
    assert (records["express"]["Weight"], records["serverless"]["Weight"]) == (100, 0)
    timings = report.timings
    assert timings["config_reaches_users_within_s"] == pytest.approx(timings["config_write_s"] + 60)
    assert timings["dns_reaches_users_within_s"] == pytest.approx(timings["route53_insync_s"] + 60)
    assert controller(target).audit.last()["reason"] == "operator saw 5xx"


def test_watch_rolls_back_by_itself_when_errors_stay_above_two_percent(target):
    controller(target).advance()
    healthy_verdict, nothing = controller(target).watch_once()
    assert healthy_verdict.decision == "go" and nothing is None
    verdict, report = controller(target, SyntheticSource(serverless_error_rate=0.05)).watch_once()
    assert verdict.decision == "rollback" and report is not None
    assert "5xx" in controller(target).audit.last()["reason"]
    records = route53_records(target)
    assert (records["express"]["Weight"], records["serverless"]["Weight"]) == (100, 0)
    assert config_object(target)[0]["useServerless"] is False
    _, again = controller(target, SyntheticSource(serverless_error_rate=0.05)).watch_once()
    assert again is None  # already at 100 % express: nothing more to roll back


class FailingEdge:
    """API Gateway answering 500 to every request of every period (a crash at init)."""

    def edge_periods(self, backend, start, end, period_s):
        from rollout.metric_source import PeriodStats

        count = int((end - start).total_seconds() // period_s)
        return [PeriodStats(start + timedelta(seconds=i * period_s), 100, 100, {"p50": 20, "p95": 40, "p99": 50})
                for i in range(count + 1)]


def test_the_verdict_reads_the_edge_when_serverless_holds_weight(target):
    """The app reports nothing (SyntheticSource with no requests); the edge fails: rollback, not inconclusive."""
    clock = Clock()
    silent_app = SyntheticSource(requests=0)
    assert controller(target, silent_app, now=clock).verdict().decision == "inconclusive"
    controller(target, silent_app, now=clock).weights.apply(10)
    with_edge = RolloutController(
        target, source=silent_app, edge=FailingEdge(), evaluation=Evaluation(period_s=60, window_s=600),
        flush=None, parity_clean=lambda: CLEAN, now=clock,
    )
    verdict = with_edge.verdict()
    assert verdict.decision == "rollback", verdict.reasons
    assert "at the edge" in verdict.reasons[0]


def _refused_edge_smoke():
    """The smoke flow against edges nobody listens on: a real refused connection on each backend."""
    import requests

    from devstack.embedded import free_port
    from rollout.smoke import run_smoke

    urls = {"express": f"http://127.0.0.1:{free_port()}", "serverless": f"http://127.0.0.1:{free_port()}"}

    def send(backend, method, path, body):
        try:
            response = requests.request(method, urls[backend] + path, json=body, timeout=5)
        except requests.RequestException as exc:
            return None, str(exc)
        return response.status_code, response.json()

    return lambda: run_smoke(send, urls)


def test_a_failing_smoke_flow_puts_the_weights_back_where_they_were_and_audits_the_revert(target):
    clock = Clock()
    controller(target, now=clock).advance()  # 0 -> 10, no smoke
    clock.now += timedelta(hours=1)
    report = controller(target, now=clock, smoke=_refused_edge_smoke()).advance()
    assert report.reverted and report.to_percent == 25 and report.smoke is not None and not report.smoke.passed
    records = route53_records(target)
    assert (records["express"]["Weight"], records["serverless"]["Weight"]) == (90, 10)  # where it was, not 100/0
    assert config_object(target)[0]["useServerless"] is True  # 10 % still holds serverless
    assert window_state(target) == "OK"
    last = controller(target).audit.last()
    assert (last["action"], last["from"], last["to"]) == ("advance-reverted", 10, 25)
    assert last["smoke"]["passed"] is False and "revert_route53_insync_s" in last["timings"]


def test_a_failing_smoke_flow_on_the_first_step_turns_the_flag_back_off(target):
    report = controller(target, smoke=_refused_edge_smoke()).advance()
    assert report.reverted and route53_records(target)["serverless"]["Weight"] == 0
    assert config_object(target)[0]["useServerless"] is False
    assert controller(target).audit.last()["action"] == "advance-reverted"


class SilentServerlessEdge:
    """Serverless's edge counts nothing; express's counts ``express_requests`` a period (who arrives)."""

    def __init__(self, express_requests: float) -> None:
        self.express_requests = express_requests

    def edge_periods(self, backend, start, end, period_s):
        from rollout.metric_source import PeriodStats

        if backend == "serverless" or not self.express_requests:
            return []
        count = int((end - start).total_seconds() // period_s)
        return [PeriodStats(start + timedelta(seconds=i * period_s), self.express_requests, 0,
                            {"p50": 20, "p95": 40, "p99": 50}) for i in range(count + 1)]


def test_with_express_edge_a_silent_serverless_rolls_back_only_while_users_arrive(target):
    clock = Clock()
    controller(target, now=clock).weights.apply(10)

    def verdict(express_requests: float):
        return RolloutController(
            target, source=SyntheticSource(requests=0), edge=SilentServerlessEdge(express_requests), express_edge=True,
            evaluation=Evaluation(period_s=60, window_s=600), flush=None, parity_clean=lambda: CLEAN, now=clock,
        ).verdict()

    assert verdict(0).decision == "inconclusive"  # nobody arrives anywhere: an idle API
    busy = verdict(900)  # 900 at express at 90/10: 100 expected at serverless, none arrived
    assert busy.decision == "rollback" and "100 requests expected by the weights" in busy.reasons[0]


def test_the_target_reads_express_load_balancer_from_the_stacks_parameters(moto_endpoint):
    from rollout.target import resolve
    from tests.rollout.aws_parts import make_stack

    make_stack(moto_endpoint, "lego-api-test",
               outputs={"HostedZoneId": "Z1", "ApiRecordName": RECORD, "ConfigBucketName": "b", "HttpApiId": "a1b2"},
               parameters={"ExpressLoadBalancer": "app/lego-express/0123456789abcdef"})
    target = resolve(hosted_zone_id=None, record_name=None, config_bucket=None, deploy_window_alarm=None,
                     stack_name="lego-api-test", endpoint_url=moto_endpoint)
    assert (target.api_id, target.express_load_balancer) == ("a1b2", "app/lego-express/0123456789abcdef")
