"""The embedded Redis (valkey) is a real server: persistence, restart empty, crash, and pause."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest
import redis

from devstack.embedded import EmbeddedRedis, EmbeddedServerError

StartRedis = Callable[..., EmbeddedRedis]


def _client(server: EmbeddedRedis, timeout: float = 5.0) -> redis.Redis:
    return redis.Redis.from_url(server.url, socket_timeout=timeout, socket_connect_timeout=timeout)


def test_session_server_sets_and_gets_on_loopback(redis_server: EmbeddedRedis, redis_url: str) -> None:
    key, value = f"infra:{uuid.uuid4()}", uuid.uuid4().hex
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    assert client.set(key, value, ex=60)
    assert client.get(key) == value.encode()
    assert client.config_get("bind") == {"bind": "127.0.0.1"}
    assert client.config_get("protected-mode") == {"protected-mode": "yes"}
    listening = {
        conn.laddr.ip
        for conn in psutil.net_connections("inet")
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == redis_server.port
    }
    assert listening == {"127.0.0.1"}


def test_persistent_restart_keeps_data_and_restart_empty_loses_it(dedicated_redis: StartRedis) -> None:
    server = dedicated_redis(persistent=True)
    _client(server).set("moc:detail:1", "kept")
    old_pid = server.pid

    server.restart()

    assert server.pid != old_pid
    assert _client(server).get("moc:detail:1") == b"kept"
    server.restart(empty=True)
    assert _client(server).get("moc:detail:1") is None
    assert _client(server).dbsize() == 0


def test_in_memory_server_comes_back_empty_after_a_plain_restart(dedicated_redis: StartRedis) -> None:
    server = dedicated_redis(persistent=False)
    _client(server).set("moc:detail:1", "gone")
    server.restart()
    assert _client(server).get("moc:detail:1") is None
    assert not (server.data_dir / server.aof_dir_name).exists()


def test_persistent_server_keeps_acknowledged_writes_through_a_crash(dedicated_redis: StartRedis) -> None:
    server = dedicated_redis(persistent=True)
    client = _client(server)
    for number in range(100):
        client.set(f"key:{number}", number)
    assert client.execute_command("WAITAOF", 1, 0, 5000) == [1, 0]  # fsynced to the local AOF
    crashed_pid = server.pid
    assert crashed_pid is not None

    server.kill()

    assert not server.is_running
    assert not psutil.pid_exists(crashed_pid) or psutil.Process(crashed_pid).status() == psutil.STATUS_ZOMBIE
    with pytest.raises(redis.ConnectionError):
        _client(server, timeout=1).ping()
    server.start()
    assert _client(server).mget([f"key:{n}" for n in range(100)]) == [str(n).encode() for n in range(100)]


@pytest.mark.fault
def test_pause_times_out_clients_and_resume_answers(dedicated_redis: StartRedis) -> None:
    server = dedicated_redis()
    client = _client(server, timeout=0.5)
    client.set("wishlist:user:u1:all", "v1")

    server.pause()
    try:
        assert server.is_paused
        with pytest.raises(redis.TimeoutError):
            client.get("wishlist:user:u1:all")
    finally:
        server.resume()

    assert not server.is_paused
    assert client.get("wishlist:user:u1:all") == b"v1"


def test_stop_is_idempotent_and_refuses_connections(dedicated_redis: StartRedis) -> None:
    server = dedicated_redis()
    server.stop()
    server.stop()
    assert not server.is_running and server.pid is None
    with pytest.raises(redis.ConnectionError):
        _client(server, timeout=1).ping()
    with pytest.raises(EmbeddedServerError, match="not running"):
        server.pause()


def test_start_failure_names_the_cause_from_the_server_log(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = EmbeddedRedis(tmp_path / "redis", port=taken.getsockname()[1], persistent=False)
        with pytest.raises(EmbeddedServerError, match="Address already in use"):
            server.start()
    assert not server.is_running


def test_auto_chosen_port_taken_before_the_first_start_is_replaced(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis", persistent=False)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", server.port))
        squatter.listen()
        with server:
            assert server.port != squatter.getsockname()[1]
            assert server.url == f"redis://127.0.0.1:{server.port}/0"
            assert _client(server).ping()


def test_context_manager_stops_the_server(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path / "redis", persistent=False) as server:
        pid = server.pid
        assert pid is not None and _client(server).ping()
    assert not server.is_running
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
