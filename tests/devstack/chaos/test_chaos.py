"""Fault proxies and chaos actions for real: a real Redis behind the proxies, SIGSTOP, refusal, hangs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest
import redis

from devstack.chaos.controller import ChaosController, ChaosError
from devstack.chaos.proxies import ProxySet, through
from runtime.serverful.admin import AdminEndpoints

pytestmark = pytest.mark.fault


def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5, retry_on_timeout=False)


@pytest.fixture
def proxies(redis_url: str) -> Iterator[tuple[ProxySet, dict[str, str]]]:
    proxy_set = ProxySet()
    urls = {backend: proxy_set.route(backend, {"redis": redis_url})["redis"] or "" for backend in ("express",
                                                                                                  "serverless")}
    yield proxy_set, urls
    proxy_set.stop()


def test_urls_keep_credentials_and_database_through_the_proxy() -> None:
    assert through("postgresql://user:pw@db.example:5432/app?sslmode=require", 6000) == \
        "postgresql://user:pw@127.0.0.1:6000/app?sslmode=require"
    proxy_set = ProxySet()
    assert proxy_set.route("express", {"postgres": "postgresql:///db?host=/tmp/sock"}) == \
        {"postgres": "postgresql:///db?host=/tmp/sock"}  # a unix socket cannot be proxied
    assert proxy_set.proxies == {}


def test_a_fault_confined_to_one_backend_leaves_the_other_alone(proxies) -> None:
    proxy_set, urls = proxies
    controller = ChaosController(servers={}, proxies=proxy_set.proxies)
    express, serverless = _client(urls["express"]), _client(urls["serverless"])
    assert express.ping() and serverless.ping()

    outcome = controller.act("redis", "hang", "express")
    assert outcome.undo == "brickguard chaos redis heal --backend express"
    with pytest.raises(redis.TimeoutError):
        express.ping()
    assert serverless.ping()

    controller.act("redis", "heal", "express")
    assert _client(urls["express"]).ping()

    outcome = controller.act("redis", "refuse", "serverless")
    assert "refused" in outcome.did
    with pytest.raises(redis.ConnectionError):
        _client(urls["serverless"]).ping()
    controller.act("redis", "heal", "serverless")
    assert _client(urls["serverless"]).ping()


def test_latency_slows_every_answer_past_a_client_timeout(proxies) -> None:
    proxy_set, urls = proxies
    controller = ChaosController(servers={}, proxies=proxy_set.proxies)
    controller.act("redis", "latency", None, latency_ms=2000)
    for backend in ("express", "serverless"):
        with pytest.raises(redis.TimeoutError):
            _client(urls[backend]).ping()
    controller.act("redis", "heal")
    assert _client(urls["express"]).get("absent") is None


def test_server_actions_pause_and_resume_the_real_redis(dedicated_redis) -> None:
    server = dedicated_redis()
    controller = ChaosController(servers={"redis": server}, proxies={})
    client = _client(server.url)
    client.set("k", "v")
    paused = controller.act("redis", "pause")
    assert "SIGSTOP" in paused.did and paused.undo == "brickguard chaos redis resume"
    with pytest.raises(redis.TimeoutError):
        _client(server.url).ping()
    controller.act("redis", "resume")
    assert _client(server.url).get("k") == b"v"
    killed = controller.act("redis", "kill")
    assert killed.undo == "brickguard chaos redis restart"
    with pytest.raises(redis.ConnectionError):
        _client(server.url).ping()
    controller.act("redis", "restart")
    assert _client(server.url).ping()


def test_refused_actions_say_why() -> None:
    controller = ChaosController(servers={}, proxies={})
    for args, words in (
        (("redis", "pause"), "not an embedded server"),
        (("redis", "pause", "express"), "both backends share"),
        (("redis", "explode"), "no action 'explode'"),
        (("opensearch", "hang"), "no opensearch proxy"),
        (("lambda", "reap"), "no local Lambda pool"),
        (("mysql", "stop"), "unknown target"),
    ):
        with pytest.raises(ChaosError, match=words):
            controller.act(*args)


def test_the_admin_endpoint_answers_chaos_with_a_clear_status() -> None:
    def chaos(target: str, action: str, backend: str | None, latency_ms: float,
              options: Mapping[str, str]) -> dict[str, str]:
        if action == "explode":
            raise ValueError("redis has no action 'explode'")
        return {"did": f"{target} {action} {backend} {latency_ms:g} {dict(options)}", "undo": "x"}

    admin = AdminEndpoints("t", dict, lambda name, state: None, chaos)
    assert admin.handle("POST", "/_brickguard/chaos/redis/hang/express/0", "127.0.0.1", "t") == \
        (200, {"did": "redis hang express 0 {}", "undo": "x"})
    assert admin.handle("POST", "/_brickguard/chaos/redis/hang/both/5", "127.0.0.1", "t")[1]["did"] == \
        "redis hang None 5 {}"
    assert admin.handle("POST", "/_brickguard/chaos/express/errors/both/0", "127.0.0.1", "t", "rate=0.1")[1]["did"] \
        == "express errors None 0 {'rate': '0.1'}"
    assert admin.handle("POST", "/_brickguard/chaos/redis/explode/both/0", "127.0.0.1", "t")[0] == 409
    assert admin.handle("POST", "/_brickguard/chaos/redis/hang/both/soon", "127.0.0.1", "t")[0] == 400
    assert admin.handle("POST", "/_brickguard/chaos/redis/hang/both/0", "127.0.0.1", "wrong")[0] == 401


def test_stopping_the_proxies_with_connections_open_is_quiet(redis_url: str, capfd) -> None:
    """up's output must stay free of tracebacks: open proxied connections are closed, not cancelled noisily."""
    proxy_set = ProxySet()
    url = proxy_set.route("express", {"redis": redis_url})["redis"] or ""
    clients = [_client(url) for _ in range(3)]
    assert all(client.ping() for client in clients)  # three connections held open through the proxy
    proxy_set.stop()
    with pytest.raises(redis.ConnectionError):
        _client(url).ping()
    assert "Traceback" not in capfd.readouterr().err
