"""Fixtures of the telemetry tests: a telemetry factory that cleans up, a loopback X-Ray daemon, subprocesses."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from runtime.telemetry.facade import Telemetry
from tests.support.guard_process import recording_alone

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Captured:
    """A telemetry object with its EMF and log output captured."""

    telemetry: Telemetry
    emf: io.StringIO = field(default_factory=io.StringIO)
    logs: io.StringIO = field(default_factory=io.StringIO)

    def emf_documents(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.emf.getvalue().splitlines() if line.strip()]

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.logs.getvalue().splitlines() if line.strip()]


@pytest.fixture
def make_telemetry() -> Iterator[Callable[..., Captured]]:
    """Build a Telemetry whose EMF and logs go to StringIO, recording alone; uninstalled after the test."""
    made: list[Telemetry] = []

    def make(backend: str = "serverless", tracer: Any = None, service: str = "lego-projects-api") -> Captured:
        emf, logs = io.StringIO(), io.StringIO()
        telemetry = Telemetry(backend=backend, service=service, tracer=tracer, emf_stream=emf, log_stream=logs)
        made.append(telemetry.install())
        return Captured(telemetry, emf, logs)

    with recording_alone():
        yield make
        for telemetry in made:
            telemetry.uninstall()


class XRayDaemon:
    """A UDP listener on loopback standing in for the X-Ray daemon; collects what the SDK sends."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.datagrams: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, _ = self.sock.recvfrom(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            self.datagrams.append(data)

    def entities(self, expected: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Parse ``{"format":"json","version":1}\\n{entity}`` datagrams, waiting for ``expected`` of them."""
        deadline = time.monotonic() + timeout
        while len(self.datagrams) < expected and time.monotonic() < deadline:
            time.sleep(0.01)
        parsed = []
        for data in list(self.datagrams):
            header, _, body = data.decode().partition("\n")
            assert json.loads(header) == {"format": "json", "version": 1}
            parsed.append(json.loads(body))
        return parsed

    def close(self) -> None:
        self._stop.set()
        self.sock.close()
        self._thread.join(timeout=2)


@pytest.fixture
def xray_daemon(monkeypatch: pytest.MonkeyPatch) -> Iterator[XRayDaemon]:
    daemon = XRayDaemon()
    monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", daemon.address)
    yield daemon
    daemon.close()


def run_python(code: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (fresh module state) from the repository root."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA", "LAMBDA_", "_X_AMZN"))}
    full_env["PYTHONPATH"] = str(REPO)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
