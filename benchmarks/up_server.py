"""``brickguard up`` for benchmarks, and a closed-loop throughput ceiling against it.

Open-loop load (requests due at a fixed rate, latency from the due time) is devstack's
generator, ``devstack/load/scheduler.py``, the one ``brickguard load`` uses; :func:`open_loop`
here only shapes its arguments and samples for the benchmarks. ``CONNECTIONS`` bounds the
requests in flight: past it a request waits, and the wait counts as latency.

:class:`UpServer` runs ``python -m cli up`` from a given source tree
(so a benchmark can compare two trees side by side) against servers the
benchmark started itself and may pause.

Every run is bounded: ``rate * seconds`` requests, each with a timeout.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from devstack.embedded import free_port
from devstack.load import scheduler
from devstack.load.mixes import Request

CONNECTIONS = 32
REQUEST_TIMEOUT_S = 10.0
STARTUP_TIMEOUT_S = 90.0


class UpServer:
    """``brickguard up`` in a subprocess, importing the code of ``source`` (a checkout of this repo)."""

    def __init__(self, source: Path, data_dir: Path, env: Mapping[str, str]) -> None:
        self.source = source
        self.data_dir = data_dir
        self.port = free_port()
        self._env = {**os.environ, "PYTHONPATH": str(source), "BRICKGUARD_TRACING": "off", **env}
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The ``brickguard up`` process (express runs in it)."""
        assert self._proc is not None
        return self._proc.pid

    def __enter__(self) -> UpServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / "up.log").open("wb")
        command = [
            sys.executable,
            "-m",
            "cli",
            "up",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
        ]
        self._proc = subprocess.Popen(command, cwd=self.source, env=self._env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"brickguard up exited:\n{(self.data_dir / 'up.log').read_text()}")
            try:
                status, _ = self.get("/health", {})
                if status in (200, 503):
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("brickguard up did not answer in time")

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(20)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def token(self, user: str) -> str:
        return self.cli("token", "--sub", user, "--data-dir", str(self.data_dir))

    def cli(self, *args: str) -> str:
        """Run ``brickguard ARGS`` against the same servers; its standard output."""
        out = subprocess.run(
            [sys.executable, "-m", "cli", *args],
            cwd=self.source,
            env=self._env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return out.stdout.strip()

    def get(self, path: str, headers: Mapping[str, str]) -> tuple[int, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S)
        try:
            connection.request("GET", path, headers=dict(headers))
            response = connection.getresponse()
            body = response.read()
            return response.status, json.loads(body) if body else None
        finally:
            connection.close()


def open_loop(
    port: int,
    paths: Sequence[str],
    headers: Mapping[str, str],
    *,
    rate: float,
    seconds: float,
    connections: int = CONNECTIONS,
    on_start: Any = None,
) -> list[scheduler.Sample]:
    """``rate * seconds`` GETs cycling through ``paths`` at a fixed rate, sorted by due time.

    At most ``connections`` in flight. ``on_start(start)`` (optional) is called once with the run's
    start in ``time.monotonic()`` terms, e.g. to inject a fault at a known offset; it must not block.
    """
    requests = [Request("GET", paths[index % len(paths)]) for index in range(int(rate * seconds))]
    target = scheduler.Target("up", f"http://127.0.0.1:{port}", headers)

    def started(start: float) -> None:
        if on_start is not None:
            on_start(time.monotonic() + (start - time.perf_counter()))

    samples = scheduler.run([target], requests, rate, max_in_flight=connections, on_start=started)
    return sorted(samples, key=lambda sample: sample.due_s)


def closed_loop_rate(
    port: int, paths: Sequence[str], headers: Mapping[str, str], *, workers: int, seconds: float
) -> float:
    """Requests per second that ``workers`` back-to-back clients get answered with 200 (a throughput ceiling)."""
    stop_at = time.monotonic() + seconds
    done = [0] * workers

    def worker(slot: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
        try:
            for index in itertools.count(slot):
                if time.monotonic() >= stop_at:
                    return
                connection.request("GET", paths[index % len(paths)], headers=dict(headers))
                response = connection.getresponse()
                response.read()
                done[slot] += response.status == 200
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(slot,), daemon=True) for slot in range(workers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + REQUEST_TIMEOUT_S)
    return sum(done) / (time.monotonic() - started)
