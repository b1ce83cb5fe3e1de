"""``brickguard cost``: the arithmetic on known usage, the price table, and the figures from a real log."""

from __future__ import annotations

import json

import pytest

from devstack.lambda_.platform_logs import parse_report
from rollout.cost import (
    MONTH_SECONDS,
    ExpressFleet,
    ExpressSize,
    FunctionUsage,
    PriceError,
    ServerlessUsage,
    cost_report,
    express_cost,
    prices,
    serverless_cost,
    summary_lines,
    usage_from_log,
)

ARM = prices("us-east-1", "arm64")


def test_serverless_cost_is_requests_plus_billed_gb_seconds_plus_api_gateway_scaled_to_a_month():
    usage = ServerlessUsage(
        window_seconds=3600, functions={"mocs": FunctionUsage(invocations=1000, billed_ms=100_000, memory_mb=2048)},
        api_requests=900, keep_warm_pings=100,
    )
    result = serverless_cost(usage, ARM)
    months = MONTH_SECONDS / 3600
    assert result.lines["lambda requests"] == pytest.approx(1000 * months * 0.20 / 1e6)
    assert result.lines["lambda duration"] == pytest.approx(100 * 2 * months * 0.0000133334)  # 100 s at 2 GB
    assert result.lines["api gateway requests"] == pytest.approx(900 * months * 1.00 / 1e6)
    assert result.lines["provisioned concurrency"] == 0
    assert result.per_million_requests == pytest.approx(result.per_month / (900 * months / 1e6))


def test_provisioned_concurrency_is_paid_every_second_of_the_month():
    usage = ServerlessUsage(
        window_seconds=60, functions={"health": FunctionUsage(invocations=10, billed_ms=50, memory_mb=512)},
        api_requests=10, provisioned={"health": (5, 512)},
    )
    line = serverless_cost(usage, ARM).lines["provisioned concurrency"]
    assert line == pytest.approx(5 * 0.5 * MONTH_SECONDS * 0.0000033334)


def test_express_pays_for_its_tasks_and_load_balancer_whatever_the_traffic():
    fleet = ExpressFleet(tasks=2, vcpu=1, memory_gb=2, utilisation=0.25, requests=3600, window_seconds=3600)
    result = express_cost(fleet, ARM)
    assert result.per_month == pytest.approx(730 * (2 * 0.03238 + 2 * 2 * 0.00356 + 0.0225))
    assert result.monthly_requests == pytest.approx(MONTH_SECONDS)  # 1 request a second
    assert any("25%" in note for note in result.notes)


def test_prices_are_overridable_from_a_file_and_unknown_fields_are_refused(tmp_path):
    override = tmp_path / "prices.json"
    override.write_text(json.dumps({"lambda_gb_second": 0.00001}))
    assert prices("us-east-1", "arm64", override).lambda_gb_second == 0.00001
    override.write_text(json.dumps({"lambda_gb_secnd": 1}))
    with pytest.raises(PriceError, match="unknown price fields"):
        prices("us-east-1", "arm64", override)
    with pytest.raises(PriceError, match="no default prices for eu-west-1"):
        prices("eu-west-1", "arm64")


def test_usage_comes_from_report_lines_and_emf_documents():
    lines = [
        '[mocs] {"_aws":{"Timestamp":1000000,"CloudWatchMetrics":[]},"backend":"serverless","Requests":[1.0]}',
        "[mocs] REPORT RequestId: a\tDuration: 12.20 ms\tBilled Duration: 13 ms\tMemory Size: 1024 MB\t"
        "Max Memory Used: 90 MB\t",
        '[health] {"_aws":{"Timestamp":1001000,"CloudWatchMetrics":[]},"backend":"serverless","KeepWarmPing":[1.0]}',
        "[health] REPORT RequestId: b\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 512 MB\t"
        "Max Memory Used: 60 MB\tInit Duration: 300.00 ms\t",
        '{"_aws":{"Timestamp":1030000,"CloudWatchMetrics":[]},"backend":"express","Requests":[1.0]}',
        "not a metric line",
    ]
    usage, requests = usage_from_log(lines, {"health": (5, 512)}, parse_report)
    assert usage.window_seconds == 30 and requests == {"serverless": 1, "express": 1}
    assert usage.functions["mocs"].billed_ms == 13 and usage.functions["health"].memory_mb == 512
    assert usage.keep_warm_pings == 1 and usage.api_requests == 1


def test_a_log_spanning_no_time_is_reported_as_not_observed_rather_than_divided_by_zero():
    lines = ['{"_aws":{"Timestamp":1000000,"CloudWatchMetrics":[]},"backend":"serverless","Requests":[1.0]}']
    usage, requests = usage_from_log(lines, {}, parse_report)
    report = cost_report(usage, requests, ARM, ExpressSize())
    assert report["observed"] is False and "nothing was observed" in report["reason"]
    assert summary_lines(report) == [f"cost: {report['reason']}"]


def test_the_status_lines_show_each_backends_figures_of_the_report():
    usage = ServerlessUsage(
        window_seconds=600, functions={"mocs": FunctionUsage(invocations=600, billed_ms=30_000, memory_mb=1024)},
        api_requests=600,
    )
    report = cost_report(usage, {"serverless": 600, "express": 0}, ARM, ExpressSize(tasks=3))
    lines = summary_lines(report)
    assert lines[0] == "cost at the traffic observed over 600 s (us-east-1, arm64):"
    serverless = report["backends"]["serverless"]
    assert (f"  serverless: ${serverless['per_month_usd']:,.2f} per month, "
            f"${serverless['per_million_requests_usd']:,.2f} per million requests "
            f"({serverless['monthly_requests']:,} requests a month)") in lines
    express = report["backends"]["express"]  # no express traffic: a fleet cost, but no per-request figure
    assert express["per_million_requests_usd"] is None
    no_requests = "- per million requests (0 requests a month)"
    assert f"  express: ${express['per_month_usd']:,.2f} per month, {no_requests}" in lines
    assert report["measured"] == {"requests": {"express": 0, "serverless": 600}, "invocations": 600,
                                  "keep_warm_pings": 0}


def test_cost_from_an_up_that_does_not_answer_says_why_instead_of_failing_status():
    from devstack.embedded import free_port
    from rollout.local_source import local_cost

    figures = local_cost(f"http://127.0.0.1:{free_port()}", timeout=5)()  # nothing listens there: refused
    assert figures["observed"] is False and figures["reason"].startswith("cost unavailable:")
