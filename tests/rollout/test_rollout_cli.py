"""``brickguard rollout`` as a user runs it: a real process against a moto server on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.rollout.aws_parts import BUCKET, RECORD, make_target
from tests.rollout.test_rollout_controller import config_object, route53_records


def run(*args: str, data_dir, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "cli", "rollout", *args, "--data-dir", str(data_dir)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def aws(moto_endpoint):
    target = make_target(moto_endpoint)
    options = [
        "--endpoint-url", moto_endpoint, "--hosted-zone-id", target.hosted_zone_id,
        "--record-name", RECORD, "--config-bucket", BUCKET,
    ]
    return target, options


@pytest.mark.parametrize("command", ["status", "advance", "rollback", "watch"])
def test_every_rollout_command_has_help(command):
    result = CliRunner().invoke(cli, ["rollout", command, "--help"])
    assert result.exit_code == 0
    for option in ("--endpoint-url", "--hosted-zone-id", "--record-name", "--config-bucket", "--stack-name"):
        assert option in result.output


@pytest.mark.parametrize("command", [["rollout", "smoke"], ["rollout", "advance"], ["parity"]])
def test_the_commands_that_call_the_edge_take_its_urls_a_token_or_a_user_pool_sign_in(command):
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    for option in ("--express-url", "--serverless-url", "--token", "--username", "--client-id", "--stack-name"):
        assert option in result.output


def test_status_advance_watch_and_rollback_from_the_command_line(aws, tmp_path):
    target, options = aws
    status = json.loads(run("status", *options, "--metrics", "none", "--json", data_dir=tmp_path).stdout)
    assert status["weights"]["serverless"] == 0 and status["verdict"]["decision"] == "inconclusive"

    refused = run("advance", *options, "--skip-cache-flush", "--skip-smoke", data_dir=tmp_path, check=False)
    assert refused.returncode == 1 and "brickguard parity" in refused.stderr and "Traceback" not in refused.stderr

    (tmp_path / "parity.json").write_text(json.dumps({"compared": 40, "unexplained": 0}))
    dry = run("advance", *options, "--skip-cache-flush", "--skip-smoke", "--dry-run", data_dir=tmp_path)
    assert "serverless=10 TTL 60" in dry.stdout and route53_records(target)["serverless"]["Weight"] == 0
    run("advance", *options, "--skip-cache-flush", "--skip-smoke", data_dir=tmp_path)
    assert route53_records(target)["serverless"]["Weight"] == 10

    # moto fails CloudWatch percentile queries (HTTP 500): no figures is "inconclusive", never a crash or a pass.
    # Stamped a minute back: a datum stamped "now" is outside a query made within the same second (moto: no data).
    boto3.client("cloudwatch", endpoint_url=target.endpoint_url, region_name="us-east-1").put_metric_data(
        Namespace="LegoApi", MetricData=[{
            "MetricName": "Latency", "Value": 120, "Unit": "Milliseconds",
            "Timestamp": datetime.now(UTC) - timedelta(minutes=1),
            "Dimensions": [
                {"Name": "service", "Value": "lego-projects-api"}, {"Name": "backend", "Value": "serverless"}
            ],
        }],
    )
    watch = run("watch", *options, "--checks", "1", "--interval", "0.1", data_dir=tmp_path)
    assert "inconclusive" in watch.stderr and "metrics unavailable" in watch.stderr

    rollback = run("rollback", *options, "--reason", "drill", data_dir=tmp_path)
    assert "fast path" in rollback.stdout and "slow path" in rollback.stdout
    assert route53_records(target)["serverless"]["Weight"] == 0
    assert config_object(target)[0]["useServerless"] is False


def test_rollback_and_status_without_figures_do_not_import_scipy():
    """scipy.stats takes ~1.5 s to import: the emergency rollback must not wait for it, nor a gate with no data."""
    code = (
        "import sys\n"
        "from rollout.gate import GateConfig, evaluate\n"
        "import cli.rollout\n"
        "assert evaluate([], [], GateConfig()).decision == 'inconclusive'\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_missing_target_is_a_usage_error_naming_the_options(tmp_path):
    result = run("status", data_dir=tmp_path, check=False)
    assert result.returncode == 2 and "--hosted-zone-id" in result.stderr and "--stack-name" in result.stderr


def test_an_advance_whose_smoke_flow_fails_is_reported_failed_and_goes_back(aws, tmp_path):
    """The edges refuse (nobody listens there): the weights move, the smoke flow fails, they move back."""
    from devstack.embedded import free_port

    target, options = aws
    (tmp_path / "parity.json").write_text(json.dumps({"compared": 40, "unexplained": 0}))
    edges = ["--express-url", f"http://127.0.0.1:{free_port()}", "--serverless-url", f"http://127.0.0.1:{free_port()}",
             "--token", "operator-token"]
    dry = run("advance", *options, *edges, "--skip-cache-flush", "--dry-run", data_dir=tmp_path)
    assert "smoke flow (read, write, read back, delete)" in dry.stdout

    failed = run("advance", *options, *edges, "--skip-cache-flush", data_dir=tmp_path, check=False)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "smoke FAILED: 2 of 2 steps on express, serverless" in failed.stdout
    assert "advance FAILED: the smoke flow failed, weights back to 0% serverless" in failed.stdout
    assert route53_records(target)["serverless"]["Weight"] == 0 and config_object(target)[0]["useServerless"] is False

    nowhere = run("advance", *options, "--skip-cache-flush", data_dir=tmp_path, check=False)
    assert nowhere.returncode == 2 and "--express-url" in nowhere.stderr and "--skip-smoke" in nowhere.stderr
