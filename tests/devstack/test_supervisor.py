"""``up`` supervises what it started (issue 22, item 9): an embedded server killed from outside comes back.

Real servers, real ``kill -9``: first the supervisor beside an embedded Redis and PostgreSQL, then
``brickguard up`` itself, whose output must say it restarted its Redis.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import psycopg
import redis

from devstack.embedded import EmbeddedPostgres, EmbeddedRedis
from devstack.supervisor import Supervisor
from tests.support.running_up import running_up
from tests.support.waiting import wait_until

WAIT_S = 120.0


def _killed_outside(pid: int | None) -> None:
    assert pid is not None
    os.kill(pid, signal.SIGKILL)


def test_a_redis_killed_from_outside_is_restarted_with_its_data(dedicated_redis) -> None:
    server: EmbeddedRedis = dedicated_redis(persistent=True)
    client = redis.Redis.from_url(server.url, socket_timeout=2)
    client.set("kept", "yes")
    client.execute_command("BGREWRITEAOF")
    wait_until(lambda: client.info("persistence")["aof_rewrite_in_progress"] == 0, "the AOF rewrite to finish")
    said: list[str] = []
    supervisor = Supervisor({"redis": server}, say=said.append)
    old_pid, port = server.pid, server.port
    _killed_outside(old_pid)
    wait_until(supervisor.check_once, "the supervisor to notice the death", limit=WAIT_S)
    assert server.pid not in (None, old_pid) and server.port == port
    assert said == [f"{server.label} died (signal SIGKILL); restarted (pid {server.pid}, port {port})"]
    assert redis.Redis.from_url(server.url, socket_timeout=2).get("kept") == b"yes"
    assert supervisor.check_once() == []  # alive: nothing to do


def test_a_server_killed_through_chaos_is_left_down(dedicated_redis) -> None:
    server: EmbeddedRedis = dedicated_redis(persistent=False)
    supervisor = Supervisor({"redis": server}, say=lambda message: None)
    server.kill()  # what `brickguard chaos redis kill` does: deliberate, undone by `chaos redis restart`
    assert supervisor.check_once() == [] and not server.is_running


def test_a_postgres_killed_from_outside_is_restarted(dedicated_postgres) -> None:
    server: EmbeddedPostgres = dedicated_postgres()
    supervisor = Supervisor({"postgres": server}, say=lambda message: None)
    _killed_outside(server.pid)
    wait_until(lambda: supervisor.check_once() and server.is_running, "PostgreSQL to come back", limit=WAIT_S)
    with psycopg.connect(server.url, connect_timeout=5) as connection:
        assert connection.execute("select 1").fetchone() == (1,)


def test_up_restarts_its_redis_after_kill_minus_nine_and_says_so(tmp_path: Path, database_url: str) -> None:
    # the session's PostgreSQL (no initdb to pay): what is killed is up's own Redis
    with running_up(tmp_path, {"DATABASE_URL": database_url}, ["--only", "express", "--no-keep-warm"]) as up:
        pid_file = up.data_dir / "redis" / EmbeddedRedis.pid_file_name
        old_pid = int(pid_file.read_text().split()[0])
        os.kill(old_pid, signal.SIGKILL)
        wait_until(lambda: "died (signal SIGKILL); restarted" in up.log.read_text(errors="replace"),
                   "up to say it restarted Redis", limit=WAIT_S)
        new_pid = int(wait_until(lambda: _other_pid(pid_file, old_pid), "a new Redis pid", limit=WAIT_S))
        assert new_pid != old_pid
        assert up.cli("chaos", "redis", "resume").returncode == 0  # up's chaos still owns the server


def _other_pid(pid_file: Path, old_pid: int) -> int | None:
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if pid != old_pid else None
