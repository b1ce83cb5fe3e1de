"""Lambda's init (``api.handlers``) opens the PostgreSQL and Redis connections, and survives a dependency that is down.

A provisioned environment is initialised before any request: its connections must be open by then,
or provisioned concurrency spares users nothing. A dependency that is down must not fail init: the
health check and the breakers answer for it at request time.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import psutil

from api.functions import FUNCTIONS
from devstack.embedded import free_port
from tests.devstack.conftest import RunningAws
from tests.support.waiting import wait_until

HEALTH = next(function for function in FUNCTIONS if function.name == "health")


def _established_ports(pid: int) -> set[int]:
    return {c.raddr.port for c in psutil.Process(pid).net_connections() if c.status == "ESTABLISHED" and c.raddr}


def test_a_provisioned_environment_holds_its_postgresql_and_redis_connections_before_any_request(
    start_aws: Callable[..., RunningAws], database_url: str, redis_url: str
):
    running = start_aws([HEALTH])  # provisioned: initialised before the gateway opens
    (pid,) = running.aws.environment_pids()["health"]
    wanted = {urlsplit(database_url).port, urlsplit(redis_url).port}
    wait_until(lambda: wanted <= _established_ports(pid), "the environment's connections to PostgreSQL and Redis")
    assert not [line for line in running.logs.lines("health") if line.startswith("START")]  # no request yet


def test_init_survives_a_postgresql_that_refuses_and_health_answers_unhealthy(start_aws: Callable[..., RunningAws]):
    running = start_aws([HEALTH], database_url=f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    assert running.aws.environment_pids()["health"]  # initialised: init did not fail
    assert not [line for line in running.logs.lines("health") if line.startswith("INIT_REPORT")]
    reply = running.get("/health")
    assert reply.status_code == 503 and reply.json()["components"]["database"] == "unhealthy"
