"""The migration cache flush on a real Redis: the keys the API really writes, preserved keys, order, pacing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis as redis_lib

from api.composition import build_handlers
from api.dependencies import Dependencies
from migrations.apply import upgrade as migrate_schema
from rollout.cache_flush import CacheFlush, RateLimiter, flush_patterns, is_generation_counter
from runtime import config, process
from tests.support.clients import LambdaClient
from tests.support.guard_process import restore_guard_process

PRESERVED = {
    "sessions:abc": "s", "ratelimit:1.2.3.4": "9", "user-profiles:u1": "{}",
    "v2:sessions:abc": "s", "v2:ratelimit:1.2.3.4": "9", "v2:user-profiles:u1": "{}",
}
SEEDS_LEGACY = {"mocs:user:u1:list": "[]", "albums:user:u1": "[]", "v2:mocs:detail:1": "{}", "v2:albums:9": "{}"}
UNRELATED = {"other:thing": "keep", "breaker:redis": "closed"}


@pytest.fixture
def redis_server(dedicated_redis):
    return dedicated_redis()


@pytest.fixture
def client(redis_server) -> Iterator[redis_lib.Redis]:
    connection = redis_lib.Redis.from_url(redis_server.url, decode_responses=True, socket_timeout=5)
    yield connection
    connection.close()


@pytest.fixture
def api_writes(database_url: str, redis_server, tmp_path):
    """Call the real handlers (plain keys, then MIGRATION_MODE's v2: keys) so the API writes its own keys."""
    saved_process = process._current
    made = []

    def serve(migration_mode: bool) -> LambdaClient:
        settings = config.Settings(
            backend="serverless", database_url=database_url, redis_url=redis_server.url,
            data_dir=str(tmp_path), tracing="off", migration_mode=migration_mode,
        )
        deps = Dependencies(settings)
        process.install(settings)
        migrate_schema(deps.database.engine)
        made.append(deps)
        return LambdaClient(build_handlers(deps))

    yield serve
    for deps in made:
        deps.database.dispose()
    restore_guard_process(saved_process)


def _exercise_every_cached_route(api: LambdaClient, user: str) -> None:
    moc = api.call("POST", "/api/mocs", json_body={"title": "Castle", "type": "moc", "author": "a", "partsCount": 10},
                   user=user)
    assert moc.status == 201, moc.text
    moc_id = moc.json["data"]["id"]
    item = api.call("POST", "/api/wishlist", json_body={"title": "Brick"}, user=user)
    assert item.status == 201, item.text
    album = api.call("POST", "/api/albums", json_body={"title": "Album"}, user=user)
    assert album.status == 201, album.text
    for path in (
        "/api/mocs", f"/api/mocs/{moc_id}", "/api/mocs?search=castle&tag=gen", "/api/wishlist",
        f"/api/wishlist/{item.json['data']['id']}", "/api/images", "/api/albums",
        f"/api/albums/{album.json['data']['id']}", f"/api/users/{user}",
    ):
        assert api.call("GET", path, user=user).status == 200, path


def _api_keys(client: redis_lib.Redis) -> set[str]:
    return {key for pattern in flush_patterns() for key in client.scan_iter(match=pattern)}


def test_the_flush_empties_every_key_the_api_writes_plain_and_v2_and_keeps_the_preserved(api_writes, client, tmp_path):
    user = f"flush-{uuid.uuid4().hex[:8]}"
    _exercise_every_cached_route(api_writes(False), user)
    _exercise_every_cached_route(api_writes(True), user + "-v2")
    client.mset({**PRESERVED, **SEEDS_LEGACY, **UNRELATED})
    written = _api_keys(client)
    families = {key.removeprefix("v2:").split(":")[0] for key in written}
    assert families == {"moc", "gallery", "wishlist", "profile", "mocs", "albums"}
    assert any(key.startswith("v2:gallery:albums:") for key in written)
    counters = {key for key in written if is_generation_counter(key)}
    assert counters and all(key.endswith(":gen") for key in counters)
    generations = {key: int(client.get(key)) for key in counters}

    dry = CacheFlush(client).count()
    assert dry.matched == len(written) and _api_keys(client) == written  # dry run changes nothing
    assert dry.preserved == len(PRESERVED)

    report = CacheFlush(client, batch=3).flush()
    assert report.matched == len(written)
    assert sum(r.deleted for r in report.patterns.values()) == len(written) - len(counters)
    assert sum(r.bumped for r in report.patterns.values()) == len(counters)
    assert _api_keys(client) == counters  # only the counters remain, each one generation further
    assert {key: int(client.get(key)) for key in counters} == {key: n + 1 for key, n in generations.items()}
    assert {key: client.get(key) for key in {**PRESERVED, **UNRELATED}} == {**PRESERVED, **UNRELATED}
    assert report.preserved == len(PRESERVED)


def test_an_entry_stored_while_the_flush_runs_is_invalidated_by_the_bump(client):
    """Entries first, counters after: what a reader stores mid-flush is of a generation nobody reads."""
    client.set("moc:user:u1:gen", 4)
    client.set("moc:user:u1:list:1:20::", json.dumps({"g": 4, "v": ["old"]}))
    raced = []

    def reader_stores_during_the_flush(keys: int) -> None:
        if not raced:
            raced.append(True)
            current = int(client.get("moc:user:u1:gen"))
            client.set("moc:detail:late", json.dumps({"g": current, "v": "stored mid-flush"}))

    CacheFlush(client, batch=1).flush(on_progress=reader_stores_during_the_flush)
    late = json.loads(client.get("moc:detail:late"))
    assert int(client.get("moc:user:u1:gen")) == 5 and late["g"] == 4  # never served again
    assert client.get("moc:user:u1:list:1:20::") is None


def test_a_counter_holding_no_number_does_not_stop_the_flush_and_is_started_afresh(client):
    client.set("moc:user:u1:gen", "not-a-number")
    client.set("moc:user:u2:gen", 3)
    client.set("moc:user:u2:list:1:20::", json.dumps({"g": 3, "v": ["old"]}))
    CacheFlush(client, batch=1).flush()
    assert client.get("moc:user:u2:list:1:20::") is None
    assert int(client.get("moc:user:u2:gen")) == 4
    assert int(client.get("moc:user:u1:gen")) > 4  # a number again, so the namespace can be cached and invalidated


class Recording:
    """A real client whose calls are recorded (command name, number of keys)."""

    def __init__(self, inner: redis_lib.Redis) -> None:
        self.inner = inner
        self.calls: list[tuple[str, int]] = []

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, len(args)))
            return target(*args, **kwargs)

        return call


def test_the_flush_scans_in_bounded_batches_and_never_uses_keys_or_flushdb(client):
    client.mset({f"gallery:image:detail:{n}": "{}" for n in range(120)})
    recording = Recording(client)
    report = CacheFlush(recording, batch=25).flush()
    names = {name for name, _ in recording.calls}
    assert report.patterns["gallery:*"].deleted == 120
    assert "scan" in names and not names & {"keys", "flushdb", "flushall"}
    assert max(size for name, size in recording.calls if name == "unlink") <= 25 * 2  # SCAN COUNT is a hint


def test_the_rate_limiter_sleeps_to_keep_the_pace():
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(100, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.spend(50)
    assert now[0] == pytest.approx(2.5)  # 250 keys at 100/s
    assert len(slept) == 5


def test_a_list_key_filtered_by_the_tag_gen_is_an_entry_not_a_counter():
    assert is_generation_counter("v2:moc:user:u1:gen")
    assert not is_generation_counter("moc:user:u1:list:1:20::gen")
    assert not is_generation_counter("profile:user:u1")


def test_the_cli_dry_run_prints_counts_per_pattern_as_json_and_changes_nothing(client, redis_server, tmp_path):
    client.mset({"moc:detail:1": "{}", "v2:wishlist:item:2": "{}", "sessions:x": "keep"})
    env = {**os.environ, "REDIS_URL": redis_server.url, "PYTHONPATH": os.getcwd()}
    run = subprocess.run(
        [sys.executable, "-m", "cli", "cache", "flush", "--dry-run", "--json", "--data-dir", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert run.returncode == 0, run.stderr
    body = json.loads(run.stdout)
    assert body["patterns"]["moc:*"] == {"matched": 1, "deleted": 0, "bumped": 0}
    assert body["patterns"]["v2:wishlist:*"]["matched"] == 1 and body["preserved"] == 1
    assert client.get("moc:detail:1") == "{}"

    run = subprocess.run(
        [sys.executable, "-m", "cli", "cache", "flush", "--json", "--data-dir", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["patterns"]["moc:*"] == {"matched": 1, "deleted": 1, "bumped": 0}
    assert client.get("moc:detail:1") is None and client.get("sessions:x") == "keep"


def test_without_redis_url_or_a_running_up_the_cli_says_what_to_do(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {"PYTHONPATH": os.getcwd()}
    run = subprocess.run(
        [sys.executable, "-m", "cli", "cache", "flush", "--data-dir", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert run.returncode == 1 and "REDIS_URL" in run.stderr and "Traceback" not in run.stderr


def test_the_running_up_announces_its_redis_for_the_flush(tmp_path):
    from cli import running

    running.announce(tmp_path, "0.0.0.0", 9000, redis_url="redis://127.0.0.1:6390/0")  # noqa: S104
    assert running.running_url(tmp_path) == "http://127.0.0.1:9000"
    assert running.running_url(tmp_path, "redis_url") == "redis://127.0.0.1:6390/0"
    running.withdraw(tmp_path)
    assert running.running_url(tmp_path, "redis_url") is None
