"""Fixtures for the stack tests: the function list, each function's real arm64 artifact and a real moto
server on loopback."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
import requests

from alarms import routing
from alarms.render import Substitution
from alarms.runner import offline_resolver
from api.functions import FUNCTION_ROUTES
from runtime.telemetry.aws_metrics import ACCOUNT, PARTITION, REGION
from stack.package import CodePackage
from stack.parameters import DEFAULTS


class ConcreteTarget(Substitution):
    """Plain values for every placeholder, and alarm ARNs as text (what a deployed stack resolves)."""

    def arn(self, profile: str, slug: str) -> str:
        return f"arn:{PARTITION}:cloudwatch:{REGION}:{ACCOUNT}:alarm:{routing.alarm_name(profile, slug)}"


@pytest.fixture(scope="session")
def functions() -> list[str]:
    return list(FUNCTION_ROUTES)


@pytest.fixture(scope="session")
def function_artifacts() -> dict[str, CodePackage]:
    """Each function's artifact as ``brickguard deploy`` ships it (python3.12, arm64), built once per session.

    Cached by content hash under BRICKGUARD_CACHE_DIR (~/.cache/brickguard): only a machine's first run
    downloads the arm64 wheels (minutes); later sessions read the zips back (docs/performance.md)."""
    from cli.stack import deployed_packages

    return deployed_packages()


@pytest.fixture
def moto_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh moto server on 127.0.0.1 (random port) with dummy credentials; stopped afterwards.

    moto keeps its backends and its config per process, and ``/moto-api/reset`` resets only the
    backends: a test that changes the config (``POST /moto-api/config``, e.g. docker-less Lambda)
    would leave it to every later in-process moto. The config is put back when the test ends.
    """
    from moto.core.config import default_user_config
    from moto.server import ThreadedMotoServer

    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    config = copy.deepcopy(default_user_config)
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
        default_user_config.update(config)  # /moto-api/config replaces whole sections, never adds keys


def concrete_target(region: str = "us-east-1") -> ConcreteTarget:
    """Concrete values for every placeholder: the offline evaluator's plus the stack defaults."""
    offline = offline_resolver(region)
    return ConcreteTarget({**DEFAULTS, **offline.values}, offline.region_group)


@pytest.fixture
def change_set_outputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make moto resolve a stack's Outputs when a change set is executed, as CloudFormation does.

    moto 5 builds a stack's output map only in CreateStack/UpdateStack; a stack made by
    ExecuteChangeSet (what ``brickguard deploy`` does) describes no Outputs at all. The patch
    rebuilds the map from the executed template and the resources moto created, nothing else.
    """
    from moto.cloudformation import models
    from moto.cloudformation.parsing import OutputMap

    apply = models.ChangeSet.apply

    def apply_and_resolve_outputs(change_set: models.ChangeSet) -> None:
        apply(change_set)
        stack = change_set.stack
        stack.output_map = OutputMap(stack.resource_map, change_set.template_dict, stack.stack_id)

    monkeypatch.setattr(models.ChangeSet, "apply", apply_and_resolve_outputs)
