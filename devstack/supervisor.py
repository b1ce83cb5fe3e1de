"""``brickguard up`` supervises the servers it started: one that dies on its own is started again.

A managed service (ElastiCache, RDS) replaces a node that crashed; an embedded Redis or PostgreSQL
killed from outside (``kill -9``, the OOM killer) used to stay down until ``brickguard chaos redis
restart``. The supervisor looks at each server every :data:`CHECK_INTERVAL_S`; a process that
exited without being stopped through ``up`` is started again on the same port and data directory
(Redis with what its append-only file kept), and ``up``'s output says so. A fault injected
through ``brickguard chaos … stop|kill`` is deliberate and is left alone until it is undone.

Example::

    supervisor = Supervisor({"redis": redis}, say=console.print)
    supervisor.start()
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Mapping
from typing import Protocol

_log = logging.getLogger(__name__)

CHECK_INTERVAL_S = 1.0


class Revivable(Protocol):
    label: str

    @property
    def port(self) -> int: ...

    @property
    def pid(self) -> int | None: ...

    def revive(self) -> int | None: ...


class Supervisor:
    """A daemon thread restarting the servers that died on their own, announcing each restart."""

    def __init__(
        self, servers: Mapping[str, Revivable], say: Callable[[str], None], interval: float = CHECK_INTERVAL_S
    ) -> None:
        self._servers = dict(servers)
        self._say = say
        self._interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def check_once(self) -> list[str]:
        """Revive every server that died; what was said about each."""
        said = []
        for server in self._servers.values():
            try:
                code = server.revive()
            except Exception as exc:  # it will be tried again at the next check
                message = f"{server.label} died and could not be restarted yet: {exc}"
            else:
                if code is None:
                    continue
                where = f"pid {server.pid}, port {server.port}"
                message = f"{server.label} died ({_exit_reason(code)}); restarted ({where})"
            _log.warning("%s", message)
            self._say(message)
            said.append(message)
        return said

    def start(self) -> None:
        if self._servers:
            self._thread = threading.Thread(target=self._run, name="up-supervisor", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            self.check_once()


def _exit_reason(code: int) -> str:
    return f"signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
