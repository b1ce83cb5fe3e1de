"""A local AWS per test module: real awslambdaric environments against real PostgreSQL and Redis."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
import requests

from cli.up import function_environment
from devstack.lambda_.platform_logs import LogCollector
from devstack.local_aws import LocalAws, LocalAwsConfig
from runtime import config
from runtime.auth import DEV_KEY_ID, load_or_create_dev_key
from runtime.edge import authorizer
from tests.support.waiting import wait_until


@dataclass(frozen=True)
class SpecFunction:
    """A function spec (``stack.functions.FunctionSpec``) with any handler, for platform tests."""

    name: str
    handler: str
    routes: tuple[str, ...] = ()
    memory_mb: int = 128
    timeout_seconds: int = 3
    reserved_concurrency: int | None = None
    provisioned_concurrency: int = 0
    public_routes: tuple[str, ...] = ()


BEHAVIOURS = "tests.devstack.functions.behaviours"


@dataclass(frozen=True)
class RawReply:
    """The answer to bytes sent as they are (what an HTTP client library would refuse to send)."""

    status_code: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def send_raw(base_url: str, request: bytes, timeout: float = 30.0) -> RawReply:
    """Send ``request`` byte for byte to ``base_url``'s host and port; read one response."""
    address = urlsplit(base_url)
    with socket.create_connection((address.hostname, address.port), timeout=timeout) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
    return RawReply(response.status, {name.lower(): value for name, value in response.getheaders()}, body)


class LogBook(LogCollector):
    """Every line the functions logged, platform lines included, with what the tests ask of them."""

    def emf(self, function: str, metric: str) -> list[float]:
        values: list[float] = []
        for line in self.lines(function):
            if line.startswith("{") and '"_aws"' in line:
                values.extend(json.loads(line).get(metric, []))
        return values

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
        return wait_until(predicate, "the platform logs to show what the test expects", limit=timeout, step=0.05)


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie has exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@dataclass
class RunningAws:
    aws: LocalAws
    logs: LogBook
    settings: config.Settings
    session: requests.Session = field(default_factory=requests.Session)

    def url(self, path: str) -> str:
        return self.aws.gateway_url + path

    def token(self, sub: str = "user-a", *, kid: str = DEV_KEY_ID, key: Any = None, **claims: Any) -> str:
        """A token signed with the local key; ``claim=None`` drops a standard claim."""
        now = int(time.time())
        body = {"sub": sub, "iss": self.settings.jwt_issuer, "aud": self.settings.jwt_audience, "iat": now}
        body["exp"] = now + 600
        body.update(claims)
        signing_key = key or load_or_create_dev_key(self.settings.data_dir)
        payload = {name: value for name, value in body.items() if value is not None}
        return jwt.encode(payload, signing_key, algorithm="RS256", headers={"kid": kid})

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.url(path), timeout=60, **kwargs)


@pytest.fixture(scope="module")
def start_aws(
    tmp_path_factory: pytest.TempPathFactory, database_url: str, redis_url: str
) -> Iterator[Callable[..., RunningAws]]:
    """Start a local AWS with the given functions and options; all are stopped after the module."""
    started: list[LocalAws] = []
    data_dir = tmp_path_factory.mktemp("devstack")

    def start(functions: Sequence[Any], **options: Any) -> RunningAws:
        settings = config.Settings(
            backend="serverless",
            database_url=options.pop("database_url", database_url),
            redis_url=redis_url,
            data_dir=str(Path(data_dir)),
            tracing=options.pop("tracing", "off"),
        )
        logs = LogBook()
        aws = LocalAws(
            LocalAwsConfig(
                functions=functions,
                function_names={function.name: f"lego-api-{function.name}-test" for function in functions},
                function_environment=function_environment(settings),
                authorizer=authorizer.from_settings(settings),
                log_sink=logs,
                gateway_port=0,
                **options,
            )
        )
        started.append(aws)
        aws.start()
        return RunningAws(aws, logs, settings)

    yield start
    for aws in started:
        aws.stop()
