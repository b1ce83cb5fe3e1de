"""One ``brickguard up`` (both backends, scaled alarm periods) shared by the tests that need a real one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from runtime.embedded import free_port

STARTUP_TIMEOUT_S = 180


@dataclass
class RunningUp:
    express: str
    serverless: str
    data_dir: Path
    log: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "runtime.cli", *args, "--data-dir", str(self.data_dir)],
                              capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="session")
def running_up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningUp]:
    root = tmp_path_factory.mktemp("dashboard-up")
    express, serverless = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "OPENSEARCH_URL")}
    env.update(BRICKGUARD_ALARM_PERIOD_SCALE="12", BRICKGUARD_TRACING="xray")
    log = root / "up.log"
    command = [sys.executable, "-m", "runtime.cli", "up", "--port", str(express), "--serverless-port",
               str(serverless), "--data-dir", str(root / "data")]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while "Press Ctrl-C to stop." not in log.read_text():
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        yield RunningUp(f"http://127.0.0.1:{express}", f"http://127.0.0.1:{serverless}", root / "data", log)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


