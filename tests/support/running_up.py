"""``brickguard up`` (both backends) in a subprocess, for the tests and benchmarks that need a real one."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from devstack.embedded import free_port

STARTUP_TIMEOUT_S = 180
UNSET = ("DATABASE_URL", "REDIS_URL", "OPENSEARCH_URL")  # up starts its own servers unless told otherwise


@dataclass
class RunningUp:
    """Where the running ``up`` listens, and its CLI bound to its data dir."""

    express: str
    serverless: str
    data_dir: Path
    log: Path

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cli", *args, "--data-dir", str(self.data_dir)],
                              capture_output=True, text=True, timeout=timeout, check=False)


def start_up(options: Sequence[str], env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``brickguard up OPTIONS`` with its output in ``log``, returned once its banner says it serves."""
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "cli", "up", *options], env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while "Press Ctrl-C to stop." not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"brickguard up did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)
    return proc


@contextlib.contextmanager
def running_up(root: Path, env: Mapping[str, str], options: Sequence[str] = ()) -> Iterator[RunningUp]:
    """Start ``up`` under ``root`` with ``env`` added and extra ``options``; SIGTERM (then SIGKILL) when done."""
    express, serverless = free_port(), free_port()
    full_env = {k: v for k, v in os.environ.items() if k not in UNSET}
    full_env.update(env)
    log = root / "up.log"
    options = ["--port", str(express), "--serverless-port", str(serverless), "--data-dir", str(root / "data"), *options]
    proc = start_up(options, full_env, log)
    try:
        yield RunningUp(f"http://127.0.0.1:{express}", f"http://127.0.0.1:{serverless}", root / "data", log)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
