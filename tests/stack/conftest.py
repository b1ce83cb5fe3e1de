"""Fixtures for the stack tests: the function list and a real moto server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from alarms import routing
from alarms.render import Substitution
from alarms.runner import offline_resolver
from api.functions import FUNCTION_ROUTES
from runtime.telemetry.aws_metrics import ACCOUNT, PARTITION, REGION
from stack.parameters import DEFAULTS


class ConcreteTarget(Substitution):
    """Plain values for every placeholder, and alarm ARNs as text (what a deployed stack resolves)."""

    def arn(self, profile: str, slug: str) -> str:
        return f"arn:{PARTITION}:cloudwatch:{REGION}:{ACCOUNT}:alarm:{routing.alarm_name(profile, slug)}"


@pytest.fixture(scope="session")
def functions() -> list[str]:
    return list(FUNCTION_ROUTES)


@pytest.fixture
def moto_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh moto server on 127.0.0.1 (random port) with dummy credentials; stopped afterwards."""
    from moto.server import ThreadedMotoServer

    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # moto keeps its backends per process: start every test from an empty account.
    requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()
    try:
        yield endpoint
    finally:
        server.stop()


def concrete_target(region: str = "us-east-1") -> ConcreteTarget:
    """Concrete values for every placeholder: the offline evaluator's plus the stack defaults."""
    offline = offline_resolver(region)
    return ConcreteTarget({**DEFAULTS, **offline.values}, offline.region_group)
