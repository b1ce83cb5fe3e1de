"""The cache never trusts itself after its own error: each failure injected against a real Redis.

Redis failing (refused, an open breaker) degrades to the loader; anything else
is a bug that surfaces — raised, counted, logged with the request id — instead
of a silent permanent bypass. A failed check for pending invalidations leaves
the cache untrusted. The lock poll sleeps through the injected ``sleep`` and
never past the request's deadline.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator, Mapping

import psycopg
import pytest
import redis as redis_lib

from guards.breaker import Breaker
from guards.cache import LOCK_POLL_SECONDS, LOCK_POLLS, CacheAside
from guards.deadline import DeadlineExceeded
from runtime.telemetry import recorder
from runtime.telemetry.catalogue import MetricSpec
from runtime.telemetry.context import RequestContext, request_scope


class Counter:
    def __init__(self) -> None:
        self.names: list[str] = []

    def record(self, spec: MetricSpec, value: float, dimensions: Mapping[str, str]) -> None:
        self.names.append(spec.name)


@pytest.fixture
def metrics() -> Iterator[Counter]:
    sink = Counter()
    recorder.install_sink(sink)
    yield sink
    recorder.remove_sink(sink)


@pytest.fixture
def client(redis_url):
    connection = redis_lib.Redis.from_url(redis_url, decode_responses=True, socket_timeout=1)
    yield connection
    connection.close()


class BuggyClient:
    """The real client, except that ``mget`` hits a bug of ours (a TypeError) while ``armed``."""

    def __init__(self, real: redis_lib.Redis) -> None:
        self._real = real
        self.armed = False

    def mget(self, keys):
        if self.armed:
            raise TypeError("unhashable type: 'list'")
        return self._real.mget(keys)

    def __getattr__(self, name):
        return getattr(self._real, name)


def _key() -> tuple[str, str]:
    namespace = f"trust:{uuid.uuid4().hex[:8]}"
    return f"{namespace}:detail", namespace


def test_a_bug_in_the_cache_path_surfaces_instead_of_a_silent_bypass(client, metrics, caplog):
    buggy = BuggyClient(client)
    cache = CacheAside(buggy, Breaker("redis"), drain_pending=lambda: True, has_pending=lambda: False)
    key, namespace = _key()
    assert cache.read(key, namespace, 60, lambda: "v1") == "v1"
    buggy.armed = True
    loads: list[str] = []
    with (
        request_scope(RequestContext(request_id="req-bug-1", backend="serverless")),
        caplog.at_level(logging.ERROR, "brickguard.guards.cache"),
        pytest.raises(TypeError),
    ):
        cache.read(key, namespace, 60, lambda: loads.append("loaded") or "v2")
    assert loads == []  # not quietly answered from the database
    assert "CacheError" in metrics.names
    assert any(getattr(record, "request_id", None) == "req-bug-1" for record in caplog.records)
    buggy.armed = False
    assert cache.read(key, namespace, 60, lambda: "never") == "v1"  # trust earned back by a clean drain


def test_redis_refusing_degrades_to_the_loader(metrics):
    with redis_lib.Redis(port=1, socket_connect_timeout=0.2) as unreachable:  # nothing listens on port 1
        cache = CacheAside(unreachable, Breaker("redis"), drain_pending=lambda: True, has_pending=lambda: False)
        key, namespace = _key()
        assert cache.read(key, namespace, 60, lambda: "from the database") == "from the database"
    assert "CacheError" in metrics.names
    assert not cache.trusted


def test_running_out_of_time_is_raised_not_degraded(client):
    class OutOfTime(BuggyClient):
        def mget(self, keys):
            raise DeadlineExceeded("no time left")

    cache = CacheAside(OutOfTime(client), Breaker("redis"), drain_pending=lambda: True, has_pending=lambda: False)
    key, namespace = _key()
    with pytest.raises(DeadlineExceeded):
        cache.read(key, namespace, 60, lambda: "late")


def test_a_failed_pending_check_leaves_the_cache_untrusted(client):
    """PostgreSQL unreachable: the cache cannot know which invalidations it missed, so it is not read."""
    now = [0.0]
    checks = {"fail": False}

    def outbox_says_nothing_pending() -> bool:
        if checks["fail"]:
            raise psycopg.OperationalError("connection to PostgreSQL failed")
        return True

    cache = CacheAside(
        client,
        Breaker("redis"),
        drain_pending=outbox_says_nothing_pending,
        has_pending=lambda: not outbox_says_nothing_pending(),
        pending_check_seconds=2.0,
        clock=lambda: now[0],
    )
    key, namespace = _key()
    assert cache.read(key, namespace, 60, lambda: "cached") == "cached"
    assert cache.trusted
    checks["fail"] = True
    now[0] += 5.0  # the periodic pending check is due, and it fails
    assert cache.read(key, namespace, 60, lambda: "from the database") == "from the database"
    assert not cache.trusted
    checks["fail"] = False
    now[0] += 5.0
    assert cache.read(key, namespace, 60, lambda: "never") == "cached"  # a clean drain earns trust back
    assert cache.trusted


def test_a_failed_drain_keeps_the_cache_untrusted_and_is_not_retried_by_every_request(client):
    now = [0.0]
    drains: list[float] = []

    def drain() -> bool:
        drains.append(now[0])
        raise psycopg.OperationalError("connection to PostgreSQL failed")

    cache = CacheAside(client, Breaker("redis"), drain_pending=drain, has_pending=lambda: False, clock=lambda: now[0])
    key, namespace = _key()
    for _ in range(5):
        assert cache.read(key, namespace, 60, lambda: "from the database") == "from the database"
    assert drains == [0.0]
    now[0] += 2.0
    cache.read(key, namespace, 60, lambda: "from the database")
    assert drains == [0.0, 2.0]
    assert not cache.trusted


def _locked_by_another_loader(client, cache_key: str) -> None:
    client.set(cache_key + ":lock", "1", px=5_000)


def test_the_lock_poll_sleeps_through_the_injected_sleep(client):
    slept: list[float] = []
    cache = CacheAside(
        client, Breaker("redis"), drain_pending=lambda: True, has_pending=lambda: False, sleep=slept.append
    )
    key, namespace = _key()
    _locked_by_another_loader(client, key)
    assert cache.read(key, namespace, 60, lambda: "loaded") == "loaded"
    assert slept == [LOCK_POLL_SECONDS] * LOCK_POLLS


def test_the_lock_poll_never_sleeps_past_the_deadline(client):
    slept: list[float] = []
    cache = CacheAside(
        client, Breaker("redis"), drain_pending=lambda: True, has_pending=lambda: False, sleep=slept.append
    )
    key, namespace = _key()
    _locked_by_another_loader(client, key)
    nearly_out = RequestContext(request_id="late", backend="serverless", deadline=time.monotonic() + 0.03)
    with request_scope(nearly_out):
        assert cache.read(key, namespace, 60, lambda: "loaded") == "loaded"
    assert slept == []
