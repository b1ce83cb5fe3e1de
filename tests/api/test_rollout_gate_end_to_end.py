"""The gate against ``brickguard up`` under ``brickguard load``: real backends, real faults, moto Route53/S3.

One walk through the issue's cases, on short periods (1 s) so it stays a test:
too little traffic → inconclusive; healthy → advance; serverless slowed by a
fault proxy → no-go with the reason; serverless failing → ``watch`` rolls back
by itself, checked in moto afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from rollout.config_flag import ConfigFlag
from rollout.weights import WeightedRecords

WINDOW_SECONDS = 20
GATE = ["--metrics", "local", "--period-seconds", "1", "--window-seconds", str(WINDOW_SECONDS), "--min-requests", "8",
        "--min-periods", "6", "--rollback-intervals", "3", "--rollback-min-requests", "8",
        # locally serverless pays a gateway and a process hop more than express (~25 ms p95 on a shared machine)
        "--absolute-margin-ms", "100"]
LOAD_SECONDS = 32  # the gate is asked while the load still runs, so its 20 s window holds this load only
ASK_AFTER_SECONDS = 22
RPS = "15"


def cli(*args: str, data_dir: str, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "runtime.cli", *args, "--data-dir", data_dir],
        env={**os.environ, "PYTHONPATH": os.getcwd()}, capture_output=True, text=True, timeout=timeout, check=False,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def under_load(data_dir: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``brickguard`` with ``args`` in the middle of a load on both backends."""
    command = [sys.executable, "-m", "runtime.cli", "load", "--rps", RPS, "--duration", str(LOAD_SECONDS),
               "--backend", "both", "--data-dir", data_dir]
    load = subprocess.Popen(command, env={**os.environ, "PYTHONPATH": os.getcwd()}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        time.sleep(ASK_AFTER_SECONDS)
        return cli(*args, data_dir=data_dir, check=check)
    finally:
        assert load.wait(timeout=LOAD_SECONDS * 3) == 0


@pytest.fixture
def local_aws(up_urls, api_settings):
    up = json.loads((Path(api_settings.data_dir) / "up.json").read_text())
    credentials = {"aws_access_key_id": "local", "aws_secret_access_key": "local", "region_name": "us-east-1"}
    records = WeightedRecords(
        boto3.client("route53", endpoint_url=up["aws_endpoint_url"], **credentials), up["hosted_zone_id"],
        up["record_name"],
    )
    flag = ConfigFlag(boto3.client("s3", endpoint_url=up["aws_endpoint_url"], **credentials), up["config_bucket"])
    records.apply(10)  # the first stage needs parity; the gate decides from 10 % on
    yield records, flag
    for dependency in ("redis", "postgres"):
        cli("chaos", dependency, "heal", "--backend", "serverless", data_dir=api_settings.data_dir, check=False)
    records.apply(0)


@pytest.mark.fault
def test_the_gate_on_real_backends_under_load(local_aws, api_settings):
    records, flag = local_aws
    data_dir = api_settings.data_dir

    time.sleep(WINDOW_SECONDS + 1)  # the shared up served earlier tests: let the gate's window hold no traffic
    quiet = json.loads(cli("rollout", "status", "--json", *GATE, data_dir=data_dir).stdout)
    assert quiet["verdict"]["decision"] == "inconclusive", quiet["verdict"]

    advanced = under_load(data_dir, "rollout", "advance", "--min-stage-seconds", "0", *GATE, check=False)
    assert advanced.returncode == 0, advanced.stdout + advanced.stderr
    assert "gate: go" in advanced.stdout and records.current().serverless == 25

    cli("chaos", "redis", "latency", "--latency-ms", "150", "--backend", "serverless", data_dir=data_dir)
    cli("chaos", "postgres", "latency", "--latency-ms", "150", "--backend", "serverless", data_dir=data_dir)
    refused = under_load(data_dir, "rollout", "advance", "--min-stage-seconds", "0", *GATE, check=False)
    assert refused.returncode == 1 and "no-go" in refused.stderr, refused.stderr
    assert "slower than express" in refused.stderr or "p95" in refused.stderr
    assert records.current().serverless == 25

    for dependency in ("redis", "postgres"):
        cli("chaos", dependency, "refuse", "--backend", "serverless", data_dir=data_dir)
    watched = under_load(data_dir, "rollout", "watch", "--checks", "1", "--interval", "1", *GATE)
    assert "rolled back by itself" in watched.stderr and "5xx" in watched.stderr, watched.stderr
    assert records.current().serverless == 0 and records.current().express == 100
    assert flag.use_serverless() is False
