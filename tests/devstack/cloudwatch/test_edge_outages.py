"""Issue #19's outages made real under ``brickguard up``: each pages exactly once, and the init crash rolls back.

One fresh ``up`` (alarm minutes evaluated as 2 s, ``BRICKGUARD_ALARM_PERIOD_SCALE=30``) with users'
traffic through the front door — the weighted record's split, and express's load balancer — so the
edge sees what users get. Each scenario breaks a backend with ``brickguard chaos``, waits (bounded)
for PagerDuty's stand-in to record the page in ``notifications.jsonl``, repairs, waits for the resolve,
and checks each incident paged once: one trigger and one resolve per dedupe key. The serverless
crash starts while express's page is still resolving (its slow-burn pair needs its 30-minute window,
60 s here, to clear), so the two recoveries overlap instead of adding up.

* express down (its listener stopped, 100 % of traffic on express): users get the load balancer's
  502s, express publishes nothing, its Route53 check and target health fail;
* serverless init crash at 10 % serverless: every new environment fails its init, API Gateway
  answers 500 to the serverless share; the rollback alarm's action (the local stand-in of the
  stack's rollback function) sets ``useServerless=false`` and the weights to 100/0 by itself.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from devstack.cloudwatch.metrics.notifications import NOTIFICATIONS_FILE
from devstack.route53.front_door import BACKEND_HEADER
from rollout.audit import AuditTrail
from rollout.config_flag import ConfigFlag
from rollout.weights import WeightedRecords
from tests.support.running_up import RunningUp, running_up
from tests.support.waiting import wait_until

PERIOD_SCALE = "30"  # an alarm minute is 2 s
PAGE_TIMEOUT_S = 120  # an hour-long burn window is 120 s here; the pages need a fraction of it
RECOVERY_TIMEOUT_S = 120
TRAFFIC_BOUND_S = 300  # the traffic thread's own bound, whatever the test does
REQUESTS_PER_SECOND = 10


@pytest.fixture(scope="module")
def edge_up(tmp_path_factory: pytest.TempPathFactory, database_url: str, redis_url: str) -> Iterator[RunningUp]:
    root = tmp_path_factory.mktemp("edge-up")
    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "BRICKGUARD_TRACING": "off",
           "BRICKGUARD_ALARM_PERIOD_SCALE": PERIOD_SCALE}
    with running_up(root, env) as up:
        yield up


def _announced(up: RunningUp) -> dict[str, Any]:
    return dict(json.loads((up.data_dir / "up.json").read_text()))


def _client(up: RunningUp, service: str) -> Any:
    credentials = {"aws_access_key_id": "local", "aws_secret_access_key": "local", "region_name": "us-east-1"}
    return boto3.client(service, endpoint_url=_announced(up)["aws_endpoint_url"], **credentials)


def _records(up: RunningUp) -> WeightedRecords:
    announced = _announced(up)
    return WeightedRecords(_client(up, "route53"), announced["hosted_zone_id"], announced["record_name"])


class Users:
    """Steady traffic through the front door in a thread, bounded in time; counts answers per backend."""

    def __init__(self, up: RunningUp) -> None:
        token = up.cli("token", "--sub", "demo-user").stdout.strip()
        self._url = _announced(up)["front_door_url"] + "/api/mocs"
        self._headers = {"Authorization": f"Bearer {token}"}
        self._stop = threading.Event()
        self.answers: list[tuple[str, int]] = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Users:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        session = requests.Session()
        deadline = time.monotonic() + TRAFFIC_BOUND_S
        while not self._stop.wait(1 / REQUESTS_PER_SECOND) and time.monotonic() < deadline:
            try:
                answer = session.get(self._url, headers=self._headers, timeout=30)
                self.answers.append((answer.headers.get(BACKEND_HEADER, "?"), answer.status_code))
            except requests.RequestException:
                self.answers.append(("?", 0))


def _events(up: RunningUp, since_line: int) -> list[dict[str, Any]]:
    path = up.data_dir / NOTIFICATIONS_FILE
    lines = path.read_text().splitlines() if path.exists() else []
    return [json.loads(line) for line in lines[since_line:]]


def _lines(up: RunningUp) -> int:
    return len(_events(up, 0))


def _wait_for(condition: Callable[[], Any], limit: float, what: str, diagnosis: Callable[[], str]) -> Any:
    """``wait_until``, and on failure what up saw (the alarms in ALARM, the events)."""
    try:
        return wait_until(condition, what, limit=limit, step=0.5)
    except pytest.fail.Exception as failed:
        raise AssertionError(f"{failed}; {diagnosis()}") from None


def _paging_in_alarm(up: RunningUp) -> list[str] | None:
    """Paging alarms in ALARM now (None: the status could not be read)."""
    status = up.cli("alarms", "status", "--json")
    if status.returncode != 0:
        return None
    alarms = json.loads(status.stdout)["alarms"]
    return [alarm["slug"] for alarm in alarms if alarm["pages"] and alarm["state"] == "ALARM"]


def _quiet_since(up: RunningUp) -> int:
    """Once no paging alarm is in ALARM (a fresh up's first requests may burn a window of very few requests):
    the notifications line the scenario's events start after."""
    _wait_for(lambda: _paging_in_alarm(up) == [], RECOVERY_TIMEOUT_S, "no paging alarm in ALARM before the outage",
              lambda: f"in ALARM: {_paging_in_alarm(up)}")
    return _lines(up)


def _paging_alarms(up: RunningUp) -> str:
    status = up.cli("alarms", "status", "--json")
    alarms = json.loads(status.stdout)["alarms"] if status.returncode == 0 else []
    return ", ".join(f"{alarm['slug']}={alarm['state']}" for alarm in alarms if alarm["state"] == "ALARM") or "none"


def _chaos(up: RunningUp, *args: str) -> str:
    done = up.cli("chaos", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _one_page_per_incident(events: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each incident's events by dedupe key; each must be exactly one trigger, then its resolve."""
    incidents: dict[str, list[str]] = {}
    for event in events:
        incidents.setdefault(str(event["dedup_key"]), []).append(event["event_action"])
    assert all(actions == ["trigger", "resolve"] for actions in incidents.values()), events
    return incidents


def _triggered(up: RunningUp, since: int, backend: str) -> bool:
    """A page about ``backend`` (its dedupe key names it) was sent since line ``since``."""
    return any(event["event_action"] == "trigger" and f"/{backend}-" in str(event["dedup_key"])
               for event in _events(up, since))


def _settled(up: RunningUp, since: int) -> bool:
    """Every page opened since line ``since`` is resolved."""
    events = _events(up, since)
    opened = [event["dedup_key"] for event in events if event["event_action"] == "trigger"]
    resolved = [event["dedup_key"] for event in events if event["event_action"] == "resolve"]
    return bool(opened) and sorted(opened) == sorted(resolved)


def test_express_down_then_a_serverless_init_crash_each_page_once_and_the_crash_rolls_back(
    edge_up: RunningUp,
) -> None:
    records = _records(edge_up)
    announced = _announced(edge_up)
    flag = ConfigFlag(_client(edge_up, "s3"), announced["config_bucket"])
    with Users(edge_up) as users:
        _wait_for(lambda: sum(status == 200 for _, status in users.answers) >= 20, 60,
                  "healthy traffic through the front door", lambda: f"last answers: {users.answers[-10:]}")
        since = _quiet_since(edge_up)

        # express down while it holds all the traffic
        assert "brickguard chaos express start" in _chaos(edge_up, "express", "stop")
        try:
            _wait_for(lambda: _triggered(edge_up, since, "express"), PAGE_TIMEOUT_S, "a page for express down",
                      lambda: f"alarms in ALARM: {_paging_alarms(edge_up)}")
            assert ("express", 502) in users.answers  # what users got: the load balancer's 502
        finally:
            _chaos(edge_up, "express", "start")

        # while express's page resolves (its slow-burn window must clear): serverless at 10 % fails its init
        records.apply(10)
        flag.set(True)
        _wait_for(lambda: ("serverless", 200) in users.answers, 60, "a serverless answer at 10 %",
                  lambda: f"last answers: {users.answers[-10:]}")
        assert "brickguard chaos lambda heal" in _chaos(edge_up, "lambda", "init-error")
        try:
            _wait_for(lambda: records.current().serverless == 0, PAGE_TIMEOUT_S, "the automatic rollback",
                      lambda: f"alarms in ALARM: {_paging_alarms(edge_up)}")
            assert ("serverless", 500) in users.answers  # API Gateway's answer to the serverless share
            assert flag.use_serverless() is False and records.current().express == 100
            audit = AuditTrail(_client(edge_up, "s3"), announced["config_bucket"]).last()
            assert audit is not None and audit["action"] == "auto-rollback", audit
            assert "serverless-rollback" in audit["alarm"], audit
            _wait_for(lambda: _triggered(edge_up, since, "serverless"), PAGE_TIMEOUT_S, "a page for the init crash",
                      lambda: f"alarms in ALARM: {_paging_alarms(edge_up)}")
        finally:
            _chaos(edge_up, "lambda", "heal")
        _wait_for(lambda: _settled(edge_up, since), RECOVERY_TIMEOUT_S, "every page resolved after the repairs",
                  lambda: f"events: {_events(edge_up, since)}")
    incidents = _one_page_per_incident(_events(edge_up, since))
    assert sorted(key.rsplit("/", 1)[1] for key in incidents) == ["express-users-failing", "serverless-users-failing"]
    init_errors = [line for line in Path(edge_up.log).read_text().splitlines() if "INIT_REPORT" in line]
    assert any("Status: error" in line and "Runtime.ImportModuleError" in line for line in init_errors)
