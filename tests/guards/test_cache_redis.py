"""Cache-aside against a real Redis: namespaces, glob-proof invalidation, stampede damping, MIGRATION_MODE."""

from __future__ import annotations

import threading
import time

import pytest
import redis as redis_lib

from guards.breaker import Breaker
from guards.cache import CacheAside


@pytest.fixture
def client(redis_url):
    connection = redis_lib.Redis.from_url(redis_url, decode_responses=True, socket_timeout=1)
    yield connection
    connection.close()


def _cache(client, prefix: str = "") -> CacheAside:
    return CacheAside(client, Breaker("redis"), prefix=prefix, drain_pending=lambda: True, has_pending=lambda: False)


def test_hit_after_miss_and_bump_invalidates_the_namespace(client):
    cache = _cache(client)
    loads = []

    def load(value):
        loads.append(value)
        return value

    ns = f"moc:user:ns-{time.monotonic_ns()}"
    assert cache.read(f"{ns}:list:1", ns, 60, lambda: load("v1")) == "v1"
    assert cache.read(f"{ns}:list:1", ns, 60, lambda: load("never")) == "v1"  # hit
    cache.bump([ns])
    assert cache.read(f"{ns}:list:1", ns, 60, lambda: load("v2")) == "v2"
    assert loads == ["v1", "v2"]


def test_glob_characters_in_ids_do_not_widen_invalidation(client):
    cache = _cache(client)
    stamp = time.monotonic_ns()
    star, plain = f"moc:user:u{stamp}*", f"moc:user:u{stamp}x"
    cache.read(f"{plain}:list", plain, 60, lambda: "plain")
    cache.bump([star])  # a user id with a glob character
    assert cache.read(f"{plain}:list", plain, 60, lambda: "reloaded") == "plain"
    assert not any(client.scan_iter(match=f"*{stamp}x:list:gen"))  # no stray keys either


def test_migration_mode_prefix_is_applied_to_every_key(client):
    cache = _cache(client, prefix="v2:")
    ns = f"profile:user:p{time.monotonic_ns()}"
    cache.read(f"{ns}", ns, 60, lambda: {"name": "x"})
    assert client.get(f"v2:{ns}") is not None and client.get(ns) is None
    cache.bump([ns])
    assert client.get(f"v2:{ns}:gen") == "1"


def test_concurrent_misses_on_a_cold_key_load_it_fewer_times(client):
    cache = _cache(client)
    ns = f"moc:detail:cold-{time.monotonic_ns()}"
    loads = []
    start = threading.Barrier(8)

    def load():
        loads.append(1)
        time.sleep(0.03)
        return "value"

    def reader(results):
        start.wait(5)
        results.append(cache.read(ns, ns, 60, load))

    results: list[str] = []
    threads = [threading.Thread(target=reader, args=(results,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == ["value"] * 8
    assert len(loads) < 8  # the lock holder loads; most others wait for its entry
