"""Redis killed, paused (SIGSTOP) and restarted empty: reads stay correct, nothing is lost or stale."""

from __future__ import annotations

import uuid

import pytest
import redis as redis_lib

from guards import outbox
from tests.support.helpers import moc_body
from tests.support.waiting import wait_until

pytestmark = pytest.mark.fault


@pytest.fixture
def user() -> str:
    return f"fault-{uuid.uuid4().hex[:10]}"


def _title(client, user, moc_id) -> str:
    reply = client.call("GET", f"/api/mocs/{moc_id}", user=user)
    assert reply.status == 200, reply.text
    return reply.json["data"]["title"]


def _setup(client, deps, user):
    moc = client.call("POST", "/api/mocs", json_body=moc_body("Before"), user=user).json["data"]
    wait_until(lambda: _title(client, user, moc["id"]) and deps.cache.trusted, "cache trusted")
    assert _title(client, user, moc["id"]) == "Before"  # now cached
    return moc


def _update_during_outage(client, deps, user, moc_id):
    for _ in range(6):  # enough failures for the breaker's minimum calls
        assert _title(client, user, moc_id) == "Before"
    wait_until(lambda: deps.breakers["redis"].state == "open", "redis breaker to open")
    reply = client.call("PATCH", f"/api/mocs/{moc_id}", json_body={"title": "After"}, user=user)
    assert reply.status == 200, reply.text  # acknowledged while Redis is unreachable
    assert _title(client, user, moc_id) == "After"
    assert deps.outbox.pending()[outbox.CACHE] > 0


def _recovers_without_stale_reads(client, deps, user, moc_id, metrics):
    def recovered():
        assert _title(client, user, moc_id) == "After"  # never the stale "Before", at any point
        return deps.breakers["redis"].state == "closed" and deps.cache.trusted

    wait_until(recovered, "redis breaker to close and the cache to be trusted again")
    hits = metrics.count("CacheHit")
    assert _title(client, user, moc_id) == "After" and _title(client, user, moc_id) == "After"
    assert metrics.count("CacheHit") > hits  # the cache is used again
    assert deps.outbox.pending()[outbox.CACHE] == 0
    assert metrics.count("BreakerOpened", dependency="redis") >= 1


def test_redis_killed_then_restarted_with_old_data(guarded_app, dedicated_redis, metrics, user):
    server = dedicated_redis(persistent=True)
    client, deps = guarded_app(redis_url=server.url)
    moc = _setup(client, deps, user)
    redis_lib.Redis.from_url(server.url).save()  # the stale entry survives the crash on disk
    server.kill()
    _update_during_outage(client, deps, user, moc["id"])
    server.start()
    raw = redis_lib.Redis.from_url(server.url, decode_responses=True).get(f"moc:detail:{moc['id']}")
    assert raw is not None and "Before" in raw  # the restarted Redis really holds the old entry
    _recovers_without_stale_reads(client, deps, user, moc["id"], metrics)


def test_redis_paused_with_sigstop(guarded_app, dedicated_redis, metrics, user):
    server = dedicated_redis()
    client, deps = guarded_app(redis_url=server.url)
    moc = _setup(client, deps, user)
    server.pause()
    try:
        _update_during_outage(client, deps, user, moc["id"])
        # once open, reads skip Redis instead of paying its timeout (at most one half-open probe)
        calls = metrics.count("DependencyLatency", dependency="redis")
        errors = metrics.count("CacheError")
        for _ in range(5):
            assert _title(client, user, moc["id"]) == "After"
        assert metrics.count("DependencyLatency", dependency="redis") - calls <= 1
        assert metrics.count("CacheError") - errors >= 4
    finally:
        server.resume()
    _recovers_without_stale_reads(client, deps, user, moc["id"], metrics)


def test_redis_restarted_empty(guarded_app, dedicated_redis, metrics, user):
    server = dedicated_redis()
    client, deps = guarded_app(redis_url=server.url)
    moc = _setup(client, deps, user)
    server.restart(empty=True)
    assert redis_lib.Redis.from_url(server.url).dbsize() == 0
    for _ in range(3):
        assert _title(client, user, moc["id"]) == "Before"
    client.call("PATCH", f"/api/mocs/{moc['id']}", json_body={"title": "After"}, user=user)
    assert _title(client, user, moc["id"]) == "After"
    listed = client.call("GET", "/api/mocs", user=user).json
    assert [item["title"] for item in listed["data"]] == ["After"]
