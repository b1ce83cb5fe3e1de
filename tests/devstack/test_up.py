"""``brickguard up``: both backends answer the same request, tracing is quiet, and stopping leaves nothing behind."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import requests

from api.demo_data import DEMO_USER
from devstack.embedded import free_port
from runtime import config
from runtime.auth import mint_token
from tests.devstack.conftest import process_alive
from tests.support.running_up import start_up


def _children() -> dict[int, int]:
    """pid -> parent pid of every process on the machine."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return parents


def _descendants(pid: int) -> set[int]:
    parents = _children()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def test_up_serves_both_backends_and_sigterm_stops_every_process(tmp_path: Path, postgres_data_dir: Path):
    express, serverless = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "BRICKGUARD_TRACING")}
    log = tmp_path / "up.log"
    data_dir = postgres_data_dir.parent / "up"
    options = ["--port", str(express), "--serverless-port", str(serverless), "--data-dir", str(data_dir)]
    proc = start_up(options, env, log)
    try:
        banner = log.read_text()
        assert f"http://127.0.0.1:{express}" in banner and f"http://127.0.0.1:{serverless}" in banner
        token = mint_token(config.Settings(data_dir=str(data_dir)), sub=DEMO_USER)
        answers = [
            requests.get(f"http://127.0.0.1:{port}/api/mocs", headers={"Authorization": f"Bearer {token}"}, timeout=60)
            for port in (express, serverless)
        ]
        assert [answer.status_code for answer in answers] == [200, 200]
        assert answers[0].json()["data"] == answers[1].json()["data"] != []  # the same demo MOCs from both
        assert "apigw-requestid" in answers[1].headers and "apigw-requestid" not in answers[0].headers
        processes = _descendants(proc.pid)
        commands = " ".join(Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ") for pid in processes)
        assert "awslambdaric" in commands and "postgres" in commands and "valkey" in commands
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
    output = log.read_text()
    assert "[mocs] REPORT RequestId: " in output  # the function's platform lines, attributed
    assert "Traceback" not in output, output  # X-Ray finds its daemon; shutdown is quiet
    leftovers = [pid for pid in processes if process_alive(pid)]
    assert leftovers == [], leftovers


def test_only_serverless_runs_no_serverful_backend(tmp_path: Path, database_url: str, redis_url: str):
    express, serverless = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "BRICKGUARD_TRACING": "off"}
    log = tmp_path / "up.log"
    options = ["--only", "serverless", "--no-keep-warm", "--port", str(express), "--serverless-port", str(serverless)]
    proc = start_up([*options, "--data-dir", str(tmp_path / "data")], env, log)
    try:
        assert requests.get(f"http://127.0.0.1:{serverless}/health", timeout=30).headers["apigw-requestid"]
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{express}/health", timeout=5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
