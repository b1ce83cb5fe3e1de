"""The front door of ``brickguard up`` follows the weighted records in up's moto, as rollout moves them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import requests

from devstack.route53.front_door import FrontDoor
from rollout.weights import WeightedRecords
from tests.support.waiting import wait_until


def _up(data_dir: str) -> dict:
    return json.loads((Path(data_dir) / "up.json").read_text())


def _served_by(url: str, token: str, count: int) -> Counter:
    seen: Counter = Counter()
    for _ in range(count):
        answer = requests.get(url + "/api/mocs", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert answer.status_code == 200
        seen[answer.headers["X-Brickguard-Backend"]] += 1
    return seen


def test_requests_split_by_the_weights_and_a_rollback_sends_them_all_to_express(up_urls, api_settings, express_client):
    up = _up(api_settings.data_dir)
    records = WeightedRecords(
        boto3.client("route53", endpoint_url=up["aws_endpoint_url"], region_name="us-east-1",
                     aws_access_key_id="local", aws_secret_access_key="local"),
        up["hosted_zone_id"], up["record_name"],
    )
    token = express_client.token("demo-user")
    assert _served_by(up["front_door_url"], token, 10) == {"express": 10}  # 100 % express at start

    records.apply(50)
    # the front door re-reads the weights on its own schedule: wait until it serves from serverless at all
    wait_until(lambda: _served_by(up["front_door_url"], token, 10)["serverless"], "the front door to read 50 %")
    split = _served_by(up["front_door_url"], token, 60)
    assert split["express"] > 0 and split["serverless"] > 0  # P(all 60 on one side at 50 %) = 2 * 2**-60

    rollback = subprocess.run(
        [sys.executable, "-m", "cli", "rollout", "rollback", "--reason", "test", "--data-dir",
         api_settings.data_dir],
        env={**os.environ, "PYTHONPATH": os.getcwd()}, capture_output=True, text=True, timeout=120, check=False,
    )
    assert rollback.returncode == 0, rollback.stderr
    assert records.current().serverless == 0
    wait_until(lambda: _served_by(up["front_door_url"], token, 10) == {"express": 10},
               "the front door to read the rollback")
    assert _served_by(up["front_door_url"], token, 20) == {"express": 20}


def test_brickguard_load_can_aim_at_the_front_door(up_urls, api_settings, tmp_path):
    out = tmp_path / "load.json"
    result = subprocess.run(
        [sys.executable, "-m", "cli", "load", "--rps", "5", "--duration", "2", "--backend", "front-door",
         "--json", str(out), "--data-dir", api_settings.data_dir],
        env={**os.environ, "PYTHONPATH": os.getcwd()}, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "front-door" in json.loads(out.read_text())["backends"]


def test_the_local_front_door_answers_config_json_from_the_bucket() -> None:
    cognito = {"region": "eu-west-1", "userPoolId": "eu-west-1_Pool", "userPoolWebClientId": "web"}
    document = {"apiBaseUrl": "http://127.0.0.1:9002", "cognitoConfig": cognito, "useServerless": False}
    door = FrontDoor({"express": "http://127.0.0.1:1"}, lambda: {"express": 100}, config_document=lambda: document)
    started: list[Any] = []
    body = b"".join(door({"PATH_INFO": "/config.json", "REQUEST_METHOD": "GET"}, lambda *a: started.append(a)))
    status, headers = started[0]
    assert status == "200 OK" and ("Cache-Control", "max-age=60") in headers
    assert json.loads(body) == document
