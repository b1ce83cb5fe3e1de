"""``brickguard serve`` as ECS runs it: a real process on the session's PostgreSQL and Redis.

The drain is proven with requests really in flight when SIGTERM lands: one blocked in its handler on
a PostgreSQL whose fault proxy holds every byte (``hang``), and three whose bodies the client has
only half sent. After SIGTERM a new connection is refused; then the bodies are finished and the
proxy heals, and every one of the four gets its whole answer, its write is in PostgreSQL, and the
process exits 0.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devstack.chaos.proxies import through
from devstack.chaos.proxy import FaultProxy, ProxyProcess
from devstack.embedded import free_port
from runtime import config
from runtime.auth import mint_token
from tests.support.helpers import moc_body
from tests.support.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
HALF_SENT = 3


@dataclass
class Serving:
    process: subprocess.Popen[str]
    port: int

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=30)


def _serve_environment(database_url: str, redis_url: str, data_dir: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "BRICKGUARD_DATA_DIR": data_dir,
        "BRICKGUARD_LISTEN_HOST": "127.0.0.1",
        "BRICKGUARD_TRACING": "off",
        "BRICKGUARD_DRAIN_SECONDS": "60",
    }


def _start_serving(env: dict[str, str]) -> Serving:
    port = free_port()
    process = _serve(env, port)
    wait_until(lambda: process.poll() is not None or _answers_health(port), "serve to answer /health", limit=60)
    assert process.poll() is None, process.communicate()
    return Serving(process, port)


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _answers_health(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return _read_reply(sock)[0] in (200, 503)
    return False


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


def _read_reply(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Read one whole response (to the close the drain promises); headers lower-cased."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def _create_moc_request(token: str, title: str) -> tuple[bytes, bytes]:
    body = json.dumps(moc_body(title, description="sent across a SIGTERM")).encode()
    head = (
        f"POST /api/mocs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head, body


@pytest.fixture
def postgres_proxy(database_url: str) -> Iterator[tuple[FaultProxy, str]]:
    """A fault proxy in front of the session PostgreSQL, and the URL through it."""
    from urllib.parse import urlsplit

    parts = urlsplit(database_url)
    process = ProxyProcess()
    try:
        proxy = FaultProxy(process, "serve-postgres", parts.hostname or "127.0.0.1", parts.port or 5432)
        yield proxy, through(database_url, proxy.port)
    finally:
        process.stop()


@pytest.fixture
def serving(
    postgres_proxy: tuple[FaultProxy, str], redis_url: str, api_settings: config.Settings, api_dependencies: Any
) -> Iterator[Serving]:
    serving = _start_serving(_serve_environment(postgres_proxy[1], redis_url, api_settings.data_dir))
    try:
        yield serving
    finally:
        if serving.process.poll() is None:
            serving.process.kill()
        serving.process.communicate()


def _titles_in_postgres(api_dependencies: Any, titles: list[str]) -> set[str]:
    from sqlalchemy import text

    with api_dependencies.database.session() as session:
        query = text("SELECT title FROM moc_instructions WHERE title = ANY(:titles)")
        rows = session.execute(query, {"titles": titles})
        return {row[0] for row in rows}


def test_sigterm_answers_every_request_in_flight_refuses_new_connections_and_exits_0(
    serving: Serving, postgres_proxy: tuple[FaultProxy, str], api_settings: config.Settings, api_dependencies: Any
):
    proxy, _ = postgres_proxy
    token = mint_token(api_settings, sub=f"serve-{uuid.uuid4().hex[:8]}")
    run = uuid.uuid4().hex[:8]
    half_sent = []
    for number in range(HALF_SENT):
        head, body = _create_moc_request(token, f"half-sent {run} {number}")
        sock = serving.connect()
        sock.sendall(head + body[: len(body) // 2])
        half_sent.append((sock, body[len(body) // 2:]))
    proxy.set_mode("hang")  # PostgreSQL holds every byte: the next request blocks in its handler
    blocked = serving.connect()
    head, body = _create_moc_request(token, f"blocked {run}")
    blocked.sendall(head + body)
    replies: dict[str, tuple[int, dict[str, str], bytes]] = {}
    reader = threading.Thread(target=lambda: replies.setdefault("blocked", _read_reply(blocked)), daemon=True)
    reader.start()

    serving.process.send_signal(signal.SIGTERM)
    wait_until(lambda: _refused(serving.port), "a new connection to be refused after SIGTERM")
    assert "blocked" not in replies and serving.process.poll() is None  # still in flight, still draining

    for sock, rest in half_sent:
        sock.sendall(rest)
    proxy.set_mode("pass")
    for number, (sock, _) in enumerate(half_sent):
        replies[f"half-sent {number}"] = _read_reply(sock)
        sock.close()
    reader.join(timeout=60)
    blocked.close()

    assert sorted(replies) == ["blocked", *(f"half-sent {n}" for n in range(HALF_SENT))]
    for name, (status, headers, payload) in replies.items():
        assert status == 201, (name, status, payload)
        assert len(payload) == int(headers["content-length"]), name  # the whole body, not a cut one
        assert json.loads(payload)["data"]["title"].startswith(name.split(" ")[0])
        assert headers["connection"] == "close", name  # the last answer on a closing connection says so
    titles = [f"half-sent {run} {n}" for n in range(HALF_SENT)] + [f"blocked {run}"]
    assert _titles_in_postgres(api_dependencies, titles) == set(titles)  # every acknowledged write is there
    assert serving.process.wait(timeout=60) == 0
    err = serving.process.stderr.read() if serving.process.stderr else ""
    drained = re.search(r"stopped \((\d+) connections drained, 0 cut", err)
    assert drained and int(drained[1]) >= HALF_SENT + 1, err  # (a refusal probe may have been accepted too)


def test_a_request_outliving_the_drain_bound_is_cut_and_logged_and_serve_still_exits_0_in_time(
    postgres_proxy: tuple[FaultProxy, str], redis_url: str, api_settings: config.Settings, api_dependencies: Any
):
    proxy, url = postgres_proxy
    serving = _start_serving({**_serve_environment(url, redis_url, api_settings.data_dir),
                              "BRICKGUARD_DRAIN_SECONDS": "1"})
    try:
        proxy.set_mode("hang")  # held until its 5 s statement timeout: longer than the 1 s drain
        blocked = serving.connect()
        head, body = _create_moc_request(mint_token(api_settings, sub="serve-cut"), "outlives the drain")
        blocked.sendall(head + body)
        serving.process.send_signal(signal.SIGTERM)
        _, err = serving.process.communicate(timeout=60)
        assert serving.process.returncode == 0
        assert "drain bound of 1 s reached" in err and ", 1 cut," in err, err
        assert blocked.recv(65536) == b""  # closed without an answer: the cut the log reports
        blocked.close()
    finally:
        proxy.set_mode("pass")
        if serving.process.poll() is None:
            serving.process.kill()
            serving.process.communicate()


def test_the_container_health_check_passes_against_serve(serving: Serving):
    task = json.loads((REPO / "deploy" / "express" / "task-definition.json").read_text())
    command = next(c for c in task["containerDefinitions"] if c["name"] == "express")["healthCheck"]["command"]
    assert command[:2] == ["CMD", "python"]
    script = command[-1].replace("127.0.0.1:9000", f"127.0.0.1:{serving.port}")
    assert subprocess.run([sys.executable, "-c", script], timeout=30).returncode == 0
    assert subprocess.run([sys.executable, "-c", script.replace(str(serving.port), "1")], timeout=30).returncode == 1


def test_sigterm_when_idle_closes_keep_alive_connections_and_exits_0(serving: Serving):
    keep_alive = serving.connect()
    keep_alive.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    wait_until(lambda: keep_alive.recv(65536, socket.MSG_PEEK), "the health answer on the kept-alive connection")
    serving.process.send_signal(signal.SIGTERM)
    assert serving.process.wait(timeout=60) == 0
    keep_alive.recv(65536)  # the answer
    assert keep_alive.recv(65536) == b""  # then the server's close, not a wait for the idle timeout
    keep_alive.close()


@pytest.mark.parametrize(
    ("variable", "value"),
    [("BRICKGUARD_DRAIN_SECONDS", "soon"), ("REDIS_URL", "memcached://cache:11211"), ("STAGE", "production")],
)
def test_a_malformed_variable_stops_serve_with_one_line_naming_it(
    variable: str, value: str, database_url: str, redis_url: str, tmp_path: Path
):
    env = {**_serve_environment(database_url, redis_url, str(tmp_path)), variable: value}
    process = _serve(env, free_port())
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and variable in err, err
